import Foundation
import KetaMapCore
import KetaMapControl

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
            do {
                return ControlResponse(ok: true, dose: try await desk.record(dose))
            } catch let rejection as DoseRejection {
                return ControlResponse(ok: false, error: rejection)
            } catch {
                return .refused(field: "session", "the dose could not be stored (\(error)); nothing was acknowledged")
            }
        case .mark:
            do {
                return ControlResponse(ok: true, mark: try await desk.mark(request.text ?? ""))
            } catch let rejection as DoseRejection {
                return ControlResponse(ok: false, error: rejection)
            } catch {
                return .refused(field: "session", "the mark could not be stored (\(error))")
            }
        case .stop:
            requestStop()
            return ControlResponse(ok: true, status: board.snapshot())
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
