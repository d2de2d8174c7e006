import Foundation
import KetaMapCore
import SystemPackage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapStorage
import KetaMapControl

@Suite("Control requests")
struct ControlDispatcherTests {
    static let peer = PeerCredentials(uid: 0, gid: 0, pid: 1)

    func dispatcher() throws -> (ControlDispatcher, TemporaryFolder) {
        let directory = try TemporaryFolder()
        let ring = SampleRing(channelCount: 1, minimumFrames: 16, consumers: ["recorder"])
        let board = StatusBoard(initial: SessionStatus(sessionID: "s", state: .recording, filePath: "", source: "test", sampleRateHz: 1000, channelCount: 1), ring: ring)
        let log = try EventLog(creating: FilePath("\(directory.path)/s.events.jsonl"))
        let desk = DoseDesk(sessionID: "s", rateHz: 1000, ring: ring, eventLog: log, mailbox: RecorderMailbox(), board: board)
        return (ControlDispatcher(desk: desk, board: board, serviceUID: 990, requestStop: {}), directory)
    }

    @Test("a malformed line gets a refusal naming the request, not a dropped connection")
    func malformed() async throws {
        let (dispatcher, _) = try dispatcher()
        let reply = await dispatcher.respond(toLine: Array("not json".utf8), from: Self.peer)
        let response = try JSONDecoder().decode(ControlResponse.self, from: Data(reply.dropLast()))
        #expect(!response.ok)
        #expect(response.error?.field == "request")
        #expect(reply.last == UInt8(ascii: "\n"))
    }

    @Test("status answers with the board's snapshot")
    func status() async throws {
        let (dispatcher, _) = try dispatcher()
        let response = await dispatcher.respond(to: ControlRequest(command: .status), from: Self.peer)
        #expect(response.ok && response.status?.sessionID == "s")
    }

    @Test("a dose refused for a field says which, as JSON")
    func doseRefusal() async throws {
        let (dispatcher, _) = try dispatcher()
        let request = ControlRequest(command: .dose, dose: DoseRequest(drug: "", amount: 1, unit: .milligrams, route: .oral))
        let response = await dispatcher.respond(to: request, from: Self.peer)
        #expect(!response.ok && response.error?.field == "drug")
    }

    @Test("stop is refused to anyone but the service's user and root")
    func stopAccess() async throws {
        let (dispatcher, _) = try dispatcher()
        let stranger = await dispatcher.respond(to: ControlRequest(command: .stop), from: PeerCredentials(uid: 1500, gid: 990, pid: 7))
        #expect(!stranger.ok && stranger.error?.field == "stop")
        #expect(stranger.error?.reason.contains("uid 1500") == true)
        let service = await dispatcher.respond(to: ControlRequest(command: .stop), from: PeerCredentials(uid: 990, gid: 990, pid: 8))
        #expect(service.ok)
        let root = await dispatcher.respond(to: ControlRequest(command: .stop), from: Self.peer)
        #expect(root.ok)
    }
}
