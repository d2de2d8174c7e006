import Foundation
import KetaMapCore

extension ControlRequest {
    /// Longest request the parser reads, in bytes (the socket's line limit).
    public static let maximumBytes = 64 * 1024

    /// Turns one request line into a request whose every value is in range,
    /// or into a refusal naming what is wrong. Never traps, whatever the bytes
    /// (the control socket's fuzz target runs exactly this).
    public static func parse(_ line: some Collection<UInt8>) -> Result<ControlRequest, DoseRejection> {
        guard line.count <= maximumBytes else {
            return .failure(DoseRejection(field: "request", reason: "is longer than \(maximumBytes) bytes"))
        }
        let request: ControlRequest
        do {
            request = try JSONDecoder().decode(ControlRequest.self, from: Data(line))
        } catch {
            return .failure(DoseRejection(field: "request", reason: "is not a valid control request (\(Self.explain(error)))"))
        }
        if let dose = request.dose, let rejection = dose.validate() { return .failure(rejection) }
        if let text = request.text, text.utf8.count > maximumBytes {
            return .failure(DoseRejection(field: "text", reason: "is longer than \(maximumBytes) bytes"))
        }
        return .success(request)
    }

    /// A decoding error in one line, without Swift's debug dump.
    private static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
