import KetaMapAcquisition
import KetaMapCore
import Logging
import KetaMapDSP
import KetaMapConfiguration
import KetaMapControl
import KetaMapStorage

/// `ketamapctl check`: runs the session's pipeline for a few seconds into a
/// sink that writes nothing, and returns each channel's figures (RMS, line
/// noise, flat, saturated, spike rate, band power, flags) over the last
/// period, and the frames the source lost meanwhile.
public enum ChannelCheck {
    public static func run(configuration: Configuration, seconds: Double, logger: Logger) async throws -> ChannelCheckReport {
        let opened = try SourceFactory.makeStreams(SourceSpec(configuration.source), configuration: configuration, realTime: true, logger: logger)
        let streams = configuration.hasDeclaredStreams ? configuration.streams : []
        var processing = configuration.processing
        processing.enabled = true
        let pipeline = try Pipeline(
            plan: PipelinePlan(
                sessionID: "check", filePath: "", sourceDescription: opened.map(\.description).joined(separator: "; "),
                blockFrames: configuration.source.framesPerBlock, ringSeconds: configuration.source.ringSeconds, processing: processing,
                durationSeconds: seconds, realTime: true, flushSeconds: configuration.storage.flushSeconds),
            streams: opened.enumerated().map { index, one in
                Pipeline.StreamInput(
                    name: streams.isEmpty ? nil : streams[index].name, source: one.source, montage: one.montage,
                    blockFrames: Session.blockFrames(streams.isEmpty ? configuration.source : streams[index].source, one.source),
                    onFault: streams.isEmpty ? .stop : streams[index].onFault)
            },
            monitor: StageMonitor(logger: logger), logger: logger,
            makeSink: { DiscardingSink(channelCounts: $0.streams.map(\.format.channelCount)) })
        try await pipeline.run()
        let status = pipeline.board.snapshot()
        return ChannelCheckReport(channels: status.channels, bands: status.bands, seconds: seconds, lostFrames: status.lostFrames, streams: status.streams)
    }
}
