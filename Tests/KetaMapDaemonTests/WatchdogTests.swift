import Foundation
import KetaMapAcquisition
import KetaMapConfiguration
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import Logging
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// A two-channel ramp at 1 kHz, paced to the wall clock, whose `read` blocks
/// for real while `<directory>/<stallFile>` exists (a card whose driver hangs): a
/// fake behind the `Source` protocol.
private final class StallableSource: Source, @unchecked Sendable {
    let format = SampleFormat(channelCount: 2, sampleRateHz: 1000, calibration: Calibration(voltsPerCount: 1e-6, channelGains: [1, 1]))
    let provenance = ["source": "test"]
    private let stallPath: String
    private var next: UInt64 = 0

    init(directory: String, stallFile: String = "stall") { stallPath = "\(directory)/\(stallFile)" }

    func start() throws {}
    func stop() {}

    func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead {
        while FileManager.default.fileExists(atPath: stallPath) { usleep(10_000) }
        let frames = min(10, buffer.count / 2)
        for frame in 0..<frames { buffer[2 * frame] = Int16(truncatingIfNeeded: next + UInt64(frame)) }
        usleep(10_000)
        defer { next += UInt64(frames) }
        return .frames(firstSample: next, frameCount: frames)
    }
}

/// systemd's view of a session, through a notify socket the test owns:
/// `READY=1`, the `STATUS=` line every few seconds, and `WATCHDOG=1` only
/// while every stage makes progress.
@Suite("Watchdog and STATUS=", .serialized)
struct WatchdogTests {
    typealias Workspace = EndToEndTests.Workspace

    @Test("ketamapd under a notify socket: READY=1, then WATCHDOG=1 with a STATUS= line (samples, lost, doses, file, disk) twice per interval, STOPPING=1 at the end")
    func pingsAndStatusWhileHealthy() async throws {
        let workspace = try Workspace(doseAt: nil)
        let notify = try NotifySocketListener(directory: workspace.directory.path)
        defer { notify.close() }
        let daemon = try ProcessRunner.start(
            ProcessRunner.binary("ketamapd"), workspace.daemonArguments(session: "watched", []), environment: notify.environment(watchdogSeconds: 2))
        let ready = try await notify.wait(for: { $0.fields["READY"] == "1" }, timeout: 60)
        #expect(ready?.fields["STATUS"] == "recording to \(workspace.nwb("watched"))")
        let dose = try await workspace.ctl(["dose", "--drug", "ketamine", "--amount", "0.5", "--unit", "mg/kg", "--route", "iv-bolus"])
        #expect(dose.status == 0, "\(dose.error)")
        let dosed = Date()
        // Pings at half the 2 s interval; a loaded machine may delay one, never all.
        let pingWithDose = try await notify.wait(for: { $0.isPing && $0.fields["STATUS"]?.contains("1 dose") == true }, after: dosed, timeout: 20)
        #expect(pingWithDose != nil, "no ping after the dose: \(notify.datagrams.map(\.text))")
        try await Task.sleep(for: .seconds(4))
        let pings = notify.datagrams.filter { $0.isPing && $0.at > dosed }
        #expect(pings.count >= 3, "\(pings.count) pings in about 5 s with a 2 s watchdog")
        let line = try #require(pings.last?.fields["STATUS"])
        let pattern = #/^recording · 108 ch @ 4000 Hz · \d+:\d\d:\d\d\.\d · (\d+) samples · lost 0 · 1 dose · [\d.]+ [KMG]?B · disk [\d.]+ h$/#
        let match = try #require(line.wholeMatch(of: pattern), "STATUS=\(line)")
        #expect(Int(match.1)! > 4000)
        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")
        #expect(notify.datagrams.contains { $0.fields["STOPPING"] == "1" })
    }

    @Test("a stage that stalls for real (a source whose read blocks) stops the pings while STATUS= says which; they come back when it moves again")
    func stalledStageStopsThePings() async throws {
        let directory = try TemporaryFolder()
        let notify = try NotifySocketListener(directory: directory.path)
        defer { notify.close() }
        var environment = notify.environment(watchdogSeconds: 1)
        environment["KETAMAP_WATCHDOG_CHILD"] = directory.path
        let child = try ProcessRunner.start(
            CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "stallableSessionChild"], environment: environment)
        let ready = try await notify.wait(for: { $0.fields["READY"] == "1" }, timeout: 120)
        #expect(ready != nil, "the child session never became ready")
        let firstPing = try await notify.wait(for: \.isPing, after: ready?.at ?? .distantPast, timeout: 20)
        #expect(firstPing != nil, "no ping from a healthy session")

        _ = FileManager.default.createFile(atPath: "\(directory.path)/stall", contents: nil)
        let stalledAt = Date()
        let stalled = try await notify.wait(for: { $0.fields["STATUS"]?.hasPrefix("STALLED acquisition") == true }, after: stalledAt, timeout: 20)
        let told = try #require(stalled, "STATUS= never said the acquisition stalled: \(notify.datagrams.suffix(5).map(\.text))")
        #expect(!told.isPing)
        // Six ping periods of 0.5 s with no ping, while the status lines go on: systemd would kill the unit after 1 s.
        try await Task.sleep(for: .seconds(3))
        let during = notify.datagrams.filter { $0.at > told.at }
        #expect(during.filter(\.isPing).isEmpty, "pings while the acquisition was stalled: \(during.map(\.text))")
        #expect(during.count >= 3, "the status lines stopped too: \(during.map(\.text))")
        #expect(during.allSatisfy { $0.fields["STATUS"]?.hasPrefix("STALLED acquisition") == true })

        try FileManager.default.removeItem(atPath: "\(directory.path)/stall")
        let resumed = try await notify.wait(for: \.isPing, after: Date(), timeout: 20)
        #expect(resumed?.fields["STATUS"]?.hasPrefix("recording") == true, "no ping once the acquisition moved again")

        child.signal(SIGTERM)
        let ended = try await child.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.output)\n\(ended.error)")
        #expect(ended.output.contains("acquisition made no progress"), "the stall was not logged: \(ended.output)")
    }

    @Test("one stream of two stalls for real: the other's heartbeat does not hide it; STATUS= names the stream, no pings until it moves again")
    func oneStalledStreamStopsThePings() async throws {
        let directory = try TemporaryFolder()
        let notify = try NotifySocketListener(directory: directory.path)
        defer { notify.close() }
        var environment = notify.environment(watchdogSeconds: 1)
        environment["KETAMAP_WATCHDOG_CHILD"] = directory.path
        environment["KETAMAP_WATCHDOG_STREAMS"] = "1"
        let child = try ProcessRunner.start(
            CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "stallableSessionChild"], environment: environment)
        let ready = try await notify.wait(for: { $0.fields["READY"] == "1" }, timeout: 120)
        #expect(ready != nil, "the child session never became ready")
        let firstPing = try await notify.wait(for: \.isPing, after: ready?.at ?? .distantPast, timeout: 20)
        #expect(firstPing?.fields["STATUS"]?.contains("4 ch: fine 2 @ 1000 Hz + stuck 2 @ 1000 Hz") == true, "\(String(describing: firstPing?.text))")

        _ = FileManager.default.createFile(atPath: "\(directory.path)/stall", contents: nil)
        let stalled = try await notify.wait(for: { $0.fields["STATUS"]?.hasPrefix("STALLED ") == true }, after: Date(), timeout: 20)
        let told = try #require(stalled, "STATUS= never said a stream stalled: \(notify.datagrams.suffix(5).map(\.text))")
        #expect(told.fields["STATUS"]?.hasPrefix("STALLED acquisition of stream stuck · ") == true, "only the stuck stream: \(told.text)")
        #expect(!told.isPing)
        // Six ping periods of 0.5 s: the stream that still acquires must not ping for the one that does not.
        try await Task.sleep(for: .seconds(3))
        let during = notify.datagrams.filter { $0.at > told.at }
        #expect(during.filter(\.isPing).isEmpty, "pings while one stream was stalled: \(during.map(\.text))")
        #expect(during.count >= 3, "the status lines stopped too: \(during.map(\.text))")

        try FileManager.default.removeItem(atPath: "\(directory.path)/stall")
        let resumed = try await notify.wait(for: \.isPing, after: Date(), timeout: 20)
        #expect(resumed?.fields["STATUS"]?.hasPrefix("recording") == true, "no ping once the stream moved again")

        child.signal(SIGTERM)
        let ended = try await child.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.output)\n\(ended.error)")
        #expect(ended.output.contains("acquisition of stream stuck made no progress"), "the stall was not logged: \(ended.output)")
        #expect(!ended.output.contains("acquisition of stream fine made no progress"), "the healthy stream was called stalled")
    }

    /// The child of `stalledStageStopsThePings`: a real session on `StallableSource`,
    /// until SIGTERM; with `KETAMAP_WATCHDOG_STREAMS`, two streams (`fine`, and
    /// `stuck`, the one that stalls). Does nothing unless `KETAMAP_WATCHDOG_CHILD` is set.
    @Test("stallable session child (runs only when re-executed by stalledStageStopsThePings)")
    func stallableSessionChild() async throws {
        guard let directory = ProcessInfo.processInfo.environment["KETAMAP_WATCHDOG_CHILD"] else { return }
        StopSignals.holdUntilHandled()
        let stopper = SessionStopper()
        StopSignals.deliver { _ in stopper.stop() }
        var configuration = try ConfigurationLoader.loadDefault()
        configuration.processing.enabled = false
        configuration.schedule = []
        let twoStreams = ProcessInfo.processInfo.environment["KETAMAP_WATCHDOG_STREAMS"] != nil
        if twoStreams {
            configuration.declaredStreams = ["fine", "stuck"].map { StreamSettings(name: $0, source: configuration.source, montage: .numbered(count: 2)) }
        }
        let firstSeed = configuration.simulator.seed
        let options = Session.Options(
            configuration: configuration, sessionID: "stall", outputDirectory: directory, source: .simulated, durationSeconds: nil,
            controlSocket: "\(directory)/s.sock", realTime: true, softwareVersion: KetaMapVersion.current)
        var logger = Logger(label: "stall-child") { StreamLogHandler.standardOutput(label: $0) }
        logger.logLevel = .info
        let session = try Session(options: options, logger: logger, stopper: stopper) { _, single, _, _ in
            // A stream's configuration carries its own seed: the first stream's is the session's.
            let stalls = !twoStreams || single.simulator.seed != firstSeed
            return SourceFactory.Opened(
                source: StallableSource(directory: directory, stallFile: stalls ? "stall" : "never"), montage: .numbered(count: 2),
                description: "stallable test source")
        }
        try await session.run()
    }
}
