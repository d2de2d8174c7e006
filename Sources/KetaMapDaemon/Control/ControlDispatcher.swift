import Foundation
import KetaMapCore
import KetaMapControl

/// Turns one decoded request, and who sent it, into its response: the only
/// place that knows what each control command does and who may do it.
struct ControlDispatcher: Sendable {
    let desk: DoseDesk
    let board: StatusBoard
    /// The user the daemon runs as: with root, the only one allowed to `stop`.
    var serviceUID: UInt32 = POSIXCalls.effectiveUserID()
    /// Starts a graceful stop of the whole session.
    let requestStop: @Sendable () -> Void

    func respond(to request: ControlRequest, from peer: PeerCredentials) async -> ControlResponse {
        switch request.command {
        case .status:
            return ControlResponse(ok: true, status: board.snapshot())
        case .dose:
            guard var dose = request.dose else { return .refused(field: "dose", "is missing from the request") }
            dose.atSample = nil  // only the schedule may choose a sample; clinicians get the newest one
            return await recording("dose") { ControlResponse(try await desk.record(dose, from: peer)) }
        case .void:
            guard let eventID = request.eventID else { return .refused(field: "event", "is missing; name the dose's event id (its acknowledgement gives it)") }
            return await recording("void") { ControlResponse(try await desk.void(eventID: eventID, reason: request.reason ?? "", from: peer)) }
        case .weight:
            guard let kilograms = request.weightKilograms else { return .refused(field: "weight", "is missing; give the body weight in kg") }
            return await recording("weight") { ControlResponse(try await desk.setWeight(kilograms: kilograms, from: peer)) }
        case .mark:
            return await recording("mark") {
                let mark = try await desk.mark(request.text ?? "", from: peer)
                return ControlResponse(ok: true, mark: mark, eventID: mark.eventID)
            }
        case .stop:
            guard peer.isRoot || peer.uid == serviceUID else {
                return .refused(field: "stop", "is only for the service's user (uid \(serviceUID)) and root; you are uid \(peer.uid)")
            }
            desk.noteStop(from: peer)
            requestStop()
            return ControlResponse(ok: true, status: board.snapshot())
        }
    }

    /// Runs one recording request; a request not recorded gets its refusal.
    private func recording(_ what: String, _ body: () async throws -> ControlResponse) async -> ControlResponse {
        do {
            return try await body()
        } catch {
            return Self.refusal(error, what: what)
        }
    }

    /// Decodes a request line and encodes the response line; a malformed line gets a refusal.
    func respond(toLine line: [UInt8], from peer: PeerCredentials) async -> [UInt8] {
        let response: ControlResponse
        switch ControlRequest.parse(line) {
        case .success(let request): response = await respond(to: request, from: peer)
        case .failure(let refusal): response = ControlResponse(ok: false, error: refusal)
        }
        return Self.encode(response)
    }

    /// One response line, ending in `\n`.
    static func encode(_ response: ControlResponse) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = (try? encoder.encode(response)).map(Array.init) ?? Array(#"{"ok":false}"#.utf8)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// A request that was not recorded: a field's problem, or the disk's.
    private static func refusal(_ error: any Error, what: String) -> ControlResponse {
        switch error {
        case let rejection as DoseRejection: ControlResponse(ok: false, error: rejection)
        case let refusal as EventTicket.Refusal: .refused(field: "session", "the \(what) was not recorded: \(refusal.reason); nothing counts, try again")
        default: .refused(field: "session", "the \(what) was not recorded (\(error)); nothing counts, try again")
        }
    }
}
