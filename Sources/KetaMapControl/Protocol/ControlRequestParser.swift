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
            return .failure(DoseRejection(field: "request", reason: "is not a valid control request (\(Self.explain(error, in: line)))"))
        }
        if let dose = request.dose, let rejection = dose.validate() { return .failure(rejection) }
        if let text = request.text, text.utf8.count > maximumBytes {
            return .failure(DoseRejection(field: "text", reason: "is longer than \(maximumBytes) bytes"))
        }
        return .success(request)
    }

    /// A decoding error in one line, in the protocol's words: the field's path and what it must be.
    static func explain(_ error: any Error, in line: some Collection<UInt8>) -> String {
        // The decoder says the same of a number no field can hold (-1 or 1e30 for an id) as of bytes that are not JSON.
        if case DecodingError.dataCorrupted(let context) = error, context.codingPath.isEmpty,
            (try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])) != nil
        {
            return "a number is out of its field's range: an id or a sample index is a whole number from 0"
        }
        return DecodingErrorText.explain(error) { key in
            switch key {
            case "command": "must be one of " + Command.allCases.map(\.rawValue).joined(separator: ", ")
            case "unit": "must be one of " + DoseUnit.allCases.map(\.rawValue).joined(separator: ", ")
            case "route": "must be one of " + Route.allCases.map(\.rawValue).joined(separator: ", ")
            default: "has a value out of its range (an id or a sample index is a whole number from 0)"
            }
        }
    }
}
