import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import Logging
import ServiceLifecycle
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// The control socket's limits over real Unix sockets: the connection cap and
/// its refusal line, half-closed clients answered, idle connections closed.
@Suite("Control socket limits", .serialized)
struct ControlSocketLimitsTests {
    typealias Workspace = EndToEndTests.Workspace
    static let status = #"{"command":"status"}"#

    static func decode(_ read: RawControlSocket.Read) -> ControlResponse? {
        guard case .line(let line) = read else { return nil }
        return try? JSONDecoder().decode(ControlResponse.self, from: Data(line.utf8))
    }

    @Test("ketamapd: 64 connections are served, the 65th gets one refusal line and is closed (ketamapctl's client reads it as the answer); once one leaves, a new one is served; a half-closed client gets its dose acknowledged and recorded")
    func capAndHalfClose() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let daemon = try await workspace.startDaemon(session: "cap")

        var held: [RawControlSocket] = []
        for _ in 0..<ControlServer.Limits().maximumConnections {
            let connection = try RawControlSocket(path: workspace.socketPath)
            try connection.send(Self.status)  // answered: the server counts it as open
            #expect(Self.decode(connection.readLine(timeoutSeconds: 10))?.ok == true)
            held.append(connection)
        }
        let refused = try RawControlSocket(path: workspace.socketPath)
        let refusal = Self.decode(refused.readLine(timeoutSeconds: 10))
        #expect(refusal?.ok == false && refusal?.error?.field == "connection", "\(String(describing: refusal))")
        #expect(refusal?.error?.reason.contains("64 control connections") == true)
        #expect(refused.readLine(timeoutSeconds: 10) == .closed, "the refused connection is closed after its one line")
        for _ in 0..<10 {  // ketamapctl's client reads the refusal, also when it comes before the request is out
            let answer = try await ControlClient.send(ControlRequest(command: .status), to: workspace.socketPath)
            #expect(answer.ok == false && answer.error?.field == "connection", "\(answer)")
        }

        held.removeLast()
        var servedAgain = false
        for _ in 0..<50 where !servedAgain {  // the server hears of the close on its own event loop
            let again = try RawControlSocket(path: workspace.socketPath)
            try again.send(Self.status)
            servedAgain = Self.decode(again.readLine(timeoutSeconds: 10))?.ok == true
            if !servedAgain { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(servedAgain, "a freed place is given to the next client")
        held.removeAll()

        let halfClosed = try RawControlSocket(path: workspace.socketPath)
        try halfClosed.send(#"{"command":"dose","dose":{"drug":"ketamine","amount":0.5,"unit":"mg/kg","route":"iv-bolus","operator":"RN Half","note":""}}"#)
        halfClosed.shutdownWrite()
        let reply = Self.decode(halfClosed.readLine(timeoutSeconds: 10))
        let dose = try #require(reply?.dose, "the half-closed client gets its reply: \(String(describing: reply))")
        #expect(halfClosed.readLine(timeoutSeconds: 10) == .closed)

        daemon.signal(SIGTERM)
        #expect(try await daemon.wait(timeout: 60).status == 0)
        let reader = try NWBSessionReader(path: workspace.nwb("cap"))
        defer { reader.close() }
        #expect(try reader.doses().map(\.sampleIndex) == [dose.sampleIndex], "the acknowledged dose is in the file")
    }

    @Test("a connection idle for the idle time is closed, also one sending bytes but never a whole line; one that keeps asking stays open; one with a request still waiting is kept until it is answered")
    func idleConnectionsClosed() async throws {
        let idleSeconds = 2.0, durableTimeout = 5.0
        let fixture = try ControlFixture(durableTimeoutSeconds: durableTimeout)
        let socketPath = "\(fixture.directory.path)/c.sock"
        let server = ControlServer(
            socketPath: socketPath, dispatcher: fixture.dispatcher, limits: ControlServer.Limits(maximumConnections: 64, idleSeconds: idleSeconds),
            logger: Logger(label: "test"))
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        while !FileManager.default.fileExists(atPath: socketPath) { try await Task.sleep(for: .milliseconds(20)) }

        let idle = try RawControlSocket(path: socketPath)
        let opened = Date()
        #expect(idle.readLine(timeoutSeconds: 10) == .closed, "an idle connection is closed")
        let idleFor = Date().timeIntervalSince(opened)
        #expect(idleFor >= idleSeconds * 0.9 && idleFor < idleSeconds + 5, "closed after \(idleFor) s, idle time \(idleSeconds) s")

        // A byte every 0.2 s and never a newline: no request, so idle all the same.
        let dribbling = try RawControlSocket(path: socketPath)
        let dribbleStart = Date()
        var closed = false
        while !closed && Date().timeIntervalSince(dribbleStart) < idleSeconds + 5 {
            try? dribbling.send(" ", ending: false)
            closed = dribbling.readLine(timeoutSeconds: 0.2) == .closed
        }
        let dribbledFor = Date().timeIntervalSince(dribbleStart)
        #expect(closed && dribbledFor >= idleSeconds * 0.9, "a connection sending bytes but no line is closed after the idle time: \(dribbledFor) s")

        let busy = try RawControlSocket(path: socketPath)
        for _ in 0..<30 {  // 30 × 0.1 s: more than an idle time, never idle for one
            try busy.send(Self.status)
            #expect(Self.decode(busy.readLine(timeoutSeconds: 5))?.ok == true, "a connection in use stays open")
            try await Task.sleep(for: .milliseconds(100))
        }

        // No recorder here: the dose waits its whole durable timeout (3 idle times), and must still get its answer.
        let waiting = try RawControlSocket(path: socketPath)
        try waiting.send(#"{"command":"dose","dose":{"drug":"ketamine","amount":0.5,"unit":"mg/kg","route":"iv-bolus","operator":"","note":""}}"#)
        let answer = Self.decode(waiting.readLine(timeoutSeconds: 10))
        #expect(answer?.ok == false && answer?.error?.reason.contains("within \(durableTimeout.formatted()) s") == true, "\(String(describing: answer))")
        #expect(waiting.readLine(timeoutSeconds: 10) == .closed, "then idles out")

        await group.triggerGracefulShutdown()
        try await running.value
    }
}
