import Foundation
import KetaMapCore

/// Turns one decoded request into its response: the only place that knows
/// what each control command does.
struct ControlDispatcher: Sendable {
    let desk: DoseDesk
    let board: StatusBoard
    /// Starts a graceful stop of the whole session.
    let requestStop: @Sendable () -> Void

    func respond(to request: ControlRequest) async -> ControlResponse {
        switch request.command {
        case .status:
            return ControlResponse(ok: true, status: board.snapshot())
        case .dose:
            guard var dose = request.dose else { return .refused(field: "dose", "is missing from the request") }
            dose.atSample = nil  // only the schedule may choose a sample; clinicians get the newest one
            return await recording("dose") { ControlResponse(try await desk.record(dose)) }
        case .void:
            guard let eventID = request.eventID else { return .refused(field: "event", "is missing; name the dose's event id (its acknowledgement gives it)") }
            return await recording("void") { ControlResponse(try await desk.void(eventID: eventID, reason: request.reason ?? "")) }
        case .weight:
            guard let kilograms = request.weightKilograms else { return .refused(field: "weight", "is missing; give the body weight in kg") }
            return await recording("weight") { ControlResponse(try await desk.setWeight(kilograms: kilograms)) }
        case .mark:
            return await recording("mark") {
                let mark = try await desk.mark(request.text ?? "")
                return ControlResponse(ok: true, mark: mark, eventID: mark.eventID)
            }
        case .stop:
            requestStop()
            return ControlResponse(ok: true, status: board.snapshot())
        }
    }

    /// Runs one recording request: a refusal names its field; a failure to store is a refusal too.
    private func recording(_ what: String, _ body: () async throws -> ControlResponse) async -> ControlResponse {
        do {
            return try await body()
        } catch let rejection as DoseRejection {
            return ControlResponse(ok: false, error: rejection)
        } catch {
            return .refused(field: "session", "the \(what) could not be stored (\(error)); nothing was acknowledged")
        }
    }

    /// Decodes a request line and encodes the response line; a malformed line gets a refusal.
    func respond(toLine line: [UInt8]) async -> [UInt8] {
        let response: ControlResponse
        do {
            response = await respond(to: try JSONDecoder().decode(ControlRequest.self, from: Data(line)))
        } catch {
            response = .refused(field: "request", "is not a valid control request (\(error))")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = (try? encoder.encode(response)).map(Array.init) ?? Array(#"{"ok":false}"#.utf8)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
