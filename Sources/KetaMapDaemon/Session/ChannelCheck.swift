import KetaMapAcquisition
import KetaMapCore
import Logging
import KetaMapDSP
import KetaMapConfiguration
import KetaMapControl

/// `ketamapctl check`: runs the session's pipeline for a few seconds into a
/// sink that writes nothing, and returns each channel's figures (RMS, line
/// noise, flat, saturated, spike rate, band power, flags) over the last
/// period, and the frames the source lost meanwhile.
public enum ChannelCheck {
    public static func run(configuration: Configuration, seconds: Double, logger: Logger) async throws -> ChannelCheckReport {
        let opened = try SourceFactory.make(SourceSpec(configuration.source), configuration: configuration, realTime: true, logger: logger)
        var processing = configuration.processing
        processing.enabled = true
        let pipeline = try Pipeline(
            plan: PipelinePlan(
                sessionID: "check", filePath: "", sourceDescription: opened.description, blockFrames: configuration.source.framesPerBlock,
                ringSeconds: configuration.source.ringSeconds, processing: processing, durationSeconds: seconds, realTime: true,
                flushSeconds: configuration.storage.flushSeconds),
            source: opened.source, montage: opened.montage, monitor: StageMonitor(logger: logger), logger: logger,
            makeSink: { DiscardingSink(channelCount: $0.format.channelCount) })
        try await pipeline.run()
        let status = pipeline.board.snapshot()
        return ChannelCheckReport(channels: status.channels, bands: status.bands, seconds: seconds, lostFrames: status.lostFrames)
    }
}
