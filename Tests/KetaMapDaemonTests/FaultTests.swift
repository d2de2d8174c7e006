import Foundation
import KetaMapAcquisition
import KetaMapCore
import KetaMapStorage
import Logging
import ServiceLifecycle
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

@Suite("Faults")
struct FaultTests {
    @Test("a source failing mid-session ends the group with an error, and the file is closed valid with the fault and every sample")
    func faultClosesTheFileValid() async throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/fault.nwb"
        let source = FailingSource(goodBlocks: 20)
        let montage = Montage.numbered(count: 2)
        let ring = SampleRing(channelCount: 2, minimumFrames: 4096, consumers: ["recorder"])
        let board = StatusBoard(
            initial: SessionStatus(sessionID: "fault", state: .starting, filePath: path, source: "test", sampleRateHz: 1000, channelCount: 2), ring: ring)
        var processing = ProcessingSettings()
        processing.enabled = false
        let writer = try NWBSessionWriter(
            creating: path,
            description: SessionDescription(
                sessionID: "fault", sessionStartTime: Date(), session: SessionSettings(description: "fault test"),
                subject: SubjectSettings(id: "sub-t", sex: .unknown, age: "P30Y"), montage: montage, format: source.format,
                processedChannels: [], processing: processing, sourceProvenance: source.provenance,
                configuration: ConfigurationProvenance(configPath: "-", configText: "", channelsText: "", electrodesText: ""),
                softwareVersion: KetaMapVersion.current))
        let faults = FaultLatch()
        let mailbox = RecorderMailbox()
        let logger = Logger(label: "fault-test")
        let recorder = RecorderService(
            sink: writer, cursor: ring.cursors[0], ring: ring, features: nil, mailbox: mailbox, board: board, faults: faults,
            flushSeconds: 1, blockFrames: 100, logger: logger, onFirstBlockStored: {})
        let acquisition = AcquisitionService(
            source: source, ring: ring, mailbox: mailbox, board: board, faults: faults, frameLimit: nil, waitsForRoom: true,
            blockFrames: 100, schedule: ScheduleBarrier(samples: []), logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: recorder),
                    .init(service: acquisition, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                ],
                logger: logger))
        await #expect(throws: FailingSource.Vanished.self) { try await group.run() }
        #expect(faults.reason == "acquisition stopped: the device went away after sample 2000")

        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        #expect(reader.frameCount == 2000)
        #expect(reader.faultNote?.contains("the device went away") == true)
        var last = [Int16](repeating: 0, count: 2)
        try last.withUnsafeMutableBufferPointer { try reader.readRaw(firstFrame: 1999, frameCount: 1, into: $0) }
        #expect(last == [Int16(1999), -1999])
    }
}
