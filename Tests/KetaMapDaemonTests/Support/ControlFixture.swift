import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapTestSupport

@testable import KetaMapDaemon
import KetaMapStorage

/// The daemon's control side without a recorder: a dispatcher over a real
/// `DoseDesk` and event log in a temporary folder (doses wait for a recorder
/// that never comes, so they end refused after `durableTimeoutSeconds`).
struct ControlFixture {
    let directory: TemporaryFolder
    let log: EventLog
    let desk: DoseDesk
    let dispatcher: ControlDispatcher

    init(durableTimeoutSeconds: Double = 0.5) throws {
        directory = try TemporaryFolder()
        let ring = SampleRing(channelCount: 1, minimumFrames: 16, consumers: ["recorder"])
        let board = StatusBoard(
            initial: SessionStatus(sessionID: "s", state: .recording, filePath: "", source: "test", sampleRateHz: 1000, channelCount: 1), ring: ring)
        log = try EventLog(creating: .init("\(directory.path)/s.events.jsonl"))
        desk = DoseDesk(
            sessionID: "s", rateHz: 1000, ring: ring, eventLog: log, mailbox: RecorderMailbox(), board: board, durableTimeoutSeconds: durableTimeoutSeconds,
            ledger: DoseLedger(weightKilograms: 70))
        dispatcher = ControlDispatcher(desk: desk, board: board, requestStop: {})
    }
}
