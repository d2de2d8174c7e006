/// A JSON decoding error in its reader's words: the field's path and what the
/// field takes, never the decoder's description of itself (`Expected to decode
/// Dictionary<String, Any>`, `CodingKeys(stringValue: …)`).
public enum DecodingErrorText {
    /// `allowedValues` says what a field of fixed values (`command`, `unit`) takes, by its key.
    public static func explain(_ error: any Error, allowedValues: (String) -> String? = { _ in nil }) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty: "it is not JSON"
        case DecodingError.dataCorrupted(let context):
            "\(path(context.codingPath)) \(context.codingPath.last.flatMap { allowedValues($0.stringValue) } ?? "has a value out of its range")"
        case DecodingError.keyNotFound(let key, let context): "\(path(context.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty: "it is not one JSON object"
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            "\(path(context.codingPath)) must be \(kind(type))"
        default: "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is UInt64.Type, is Int.Type: "a whole number from 0"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "an array" : "a JSON object"
        }
    }
}
