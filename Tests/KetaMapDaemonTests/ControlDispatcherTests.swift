import Foundation
import KetaMapCore
import SystemPackage
import Testing

@testable import KetaMapDaemon
import KetaMapControl

@Suite("Control requests")
struct ControlDispatcherTests {
    func dispatcher() throws -> (ControlDispatcher, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let ring = SampleRing(channelCount: 1, minimumFrames: 16, consumers: ["recorder"])
        let board = StatusBoard(initial: SessionStatus(sessionID: "s", state: .recording, filePath: "", source: "test", sampleRateHz: 1000, channelCount: 1), ring: ring)
        let log = try EventLog(creating: FilePath("\(directory.path)/s.events.jsonl"))
        let desk = DoseDesk(sessionID: "s", rateHz: 1000, ring: ring, eventLog: log, mailbox: RecorderMailbox(), board: board)
        return (ControlDispatcher(desk: desk, board: board, requestStop: {}), directory)
    }

    @Test("a malformed line gets a refusal naming the request, not a dropped connection")
    func malformed() async throws {
        let (dispatcher, _) = try dispatcher()
        let reply = await dispatcher.respond(toLine: Array("not json".utf8))
        let response = try JSONDecoder().decode(ControlResponse.self, from: Data(reply.dropLast()))
        #expect(!response.ok)
        #expect(response.error?.field == "request")
        #expect(reply.last == UInt8(ascii: "\n"))
    }

    @Test("status answers with the board's snapshot")
    func status() async throws {
        let (dispatcher, _) = try dispatcher()
        let response = await dispatcher.respond(to: ControlRequest(command: .status))
        #expect(response.ok && response.status?.sessionID == "s")
    }

    @Test("a dose refused for a field says which, as JSON")
    func doseRefusal() async throws {
        let (dispatcher, _) = try dispatcher()
        let request = ControlRequest(command: .dose, dose: DoseRequest(drug: "", amount: 1, unit: .milligrams, route: .oral))
        let response = await dispatcher.respond(to: request)
        #expect(!response.ok && response.error?.field == "drug")
    }
}
