import Foundation
import KetaMapAcquisition
import KetaMapCore
import KetaMapStorage
import Logging
import Synchronization
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapDSP
import KetaMapConfiguration
import KetaMapControl

/// A source that delivers `goodBlocks` blocks of a ramp, then fails the way a
/// vanished card does (a fake behind the `Source` protocol).
private final class FailingSource: Source, @unchecked Sendable {
    struct Vanished: Error, CustomStringConvertible {
        var description: String { "the device went away after sample 2000" }
    }

    let format = SampleFormat(channelCount: 2, sampleRateHz: 1000, calibration: Calibration(voltsPerCount: 1e-6, channelGains: [1, 1]))
    let provenance = ["source": "test"]
    private var next: UInt64 = 0
    private let goodBlocks: Int

    init(goodBlocks: Int) { self.goodBlocks = goodBlocks }

    func start() throws {}
    func stop() {}

    func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead {
        guard next < UInt64(goodBlocks * 100) else { throw Vanished() }
        for frame in 0..<100 {
            buffer[2 * frame] = Int16(truncatingIfNeeded: next + UInt64(frame))
            buffer[2 * frame + 1] = -buffer[2 * frame]
        }
        defer { next += 100 }
        return .frames(firstSample: next, frameCount: 100)
    }
}

/// Every stage event, in the order heard.
private final class StageRecorder: StageObserver {
    private let heard = Mutex<[String]>([])
    var events: [String] { heard.withLock { $0 } }
    func stageStarted(_ stage: PipelineStage) { heard.withLock { $0.append("\(stage.rawValue) started") } }
    func stageStopped(_ stage: PipelineStage) { heard.withLock { $0.append("\(stage.rawValue) stopped") } }
    func stageFailed(_ stage: PipelineStage, error: any Error) { heard.withLock { $0.append("\(stage.rawValue) failed") } }
}

@Suite("Faults")
struct FaultTests {
    @Test("a source failing mid-session ends the group with an error, and the file is closed valid with the fault and every sample")
    func faultClosesTheFileValid() async throws {
        let directory = try TemporaryFolder()
        let path = "\(directory.path)/fault.nwb"
        let source = FailingSource(goodBlocks: 20)
        let montage = Montage.numbered(count: 2)
        var processing = ProcessingSettings()
        processing.enabled = false
        let faults = FaultLatch()
        let stages = StageRecorder()
        let pipeline = try Pipeline(
            plan: PipelinePlan(
                sessionID: "fault", filePath: path, sourceDescription: "test", blockFrames: 100, ringSeconds: 4, processing: nil,
                durationSeconds: nil, realTime: false, flushSeconds: 1),
            source: source, montage: montage, monitor: StageMonitor(faults: faults, observers: [stages], logger: Logger(label: "fault-test")),
            logger: Logger(label: "fault-test"),
            makeSink: { layout in
                try NWBSessionWriter(
                    creating: path,
                    description: SessionDescription(
                        sessionID: "fault", sessionStartTime: Date(), session: SessionSettings(description: "fault test"),
                        subject: SubjectSettings(id: "sub-t", sex: .unknown, age: "P30Y"), montage: layout.montage, format: layout.format,
                        processedChannels: [], processing: processing, sourceProvenance: source.provenance,
                        configuration: ConfigurationProvenance(configPath: "-", configText: "", channelsText: "", electrodesText: ""),
                        softwareVersion: KetaMapVersion.current))
            })
        await #expect(throws: FailingSource.Vanished.self) { try await pipeline.run() }
        #expect(faults.reason == "acquisition stopped: the device went away after sample 2000")
        #expect(stages.events.contains("acquisition failed"))
        #expect(stages.events.contains("recording stopped"))

        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        #expect(reader.frameCount == 2000)
        #expect(reader.faultNote?.contains("the device went away") == true)
        var last = [Int16](repeating: 0, count: 2)
        try last.withUnsafeMutableBufferPointer { try reader.readRaw(firstFrame: 1999, frameCount: 1, into: $0) }
        #expect(last == [Int16(1999), -1999])
    }
}
