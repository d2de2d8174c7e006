import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// `systemctl stop` and `ketamapctl … stop` while other clients hold
/// connections open (a `socat` left open, a monitor polling on one connection).
@Suite("Stop with open connections", .serialized)
struct StopWithOpenConnectionsTests {
    typealias Workspace = EndToEndTests.Workspace

    @Test("SIGTERM with an idle connection and a polling one open: the session ends within seconds, not after the 30 s idle time, and records no more than a moment past the stop")
    func stopDoesNotWaitForClients() async throws {
        let workspace = try Workspace(doseAt: nil, edit: Workspace.withoutProcessing)
        let daemon = try await workspace.startDaemon(session: "open")
        let idle = try RawControlSocket(path: workspace.socketPath)
        let polling = try RawControlSocket(path: workspace.socketPath)
        try polling.send(#"{"command":"status"}"#)
        #expect(polling.readLine(timeoutSeconds: 10) != .timedOut)
        let atStop = try #require(try await ControlClient.send(ControlRequest(command: .status), to: workspace.socketPath).status)
        let stoppedAt = Date()
        daemon.signal(SIGTERM)
        // The poller goes on asking; every request it sent is answered, then its connection is closed.
        var closed = false
        for _ in 0..<100 where !closed {
            try? polling.send(#"{"command":"status"}"#)
            switch polling.readLine(timeoutSeconds: 5) {
            case .closed: closed = true
            case .timedOut: Issue.record("a request got no reply during the stop")
            case .line: try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(closed, "the polling connection is closed by the stop")
        #expect(idle.readLine(timeoutSeconds: 20) == .closed, "the idle connection is closed by the stop")
        let ended = try await daemon.wait(timeout: 60)
        let seconds = Date().timeIntervalSince(stoppedAt)
        #expect(ended.status == 0, "\(ended.error)")
        #expect(seconds < 15, "the stop took \(seconds) s")
        let reader = try NWBSessionReader(path: workspace.nwb("open"))
        defer { reader.close() }
        let pastStop = Double(reader.frameCount) - Double(atStop.newestSample)
        #expect(pastStop < 5 * atStop.sampleRateHz, "recorded \(pastStop / atStop.sampleRateHz) s past the stop")
    }
}
