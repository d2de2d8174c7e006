import KetaMapAcquisition
import KetaMapCore
import Logging
import KetaMapDSP
import KetaMapConfiguration
import KetaMapControl

/// `ketamapctl check`: runs the configured source and the signal processor
/// for a few seconds, writes no file, and returns each channel's figures
/// (RMS, line noise, flat, saturated, spike rate, band power, flags) over the
/// last period, and what was lost.
public enum ChannelCheck {
    public static func run(configuration: Configuration, seconds: Double, logger: Logger) throws -> ChannelCheckReport {
        let opened = try SourceFactory.make(SourceSpec(configuration.source), configuration: configuration, realTime: true, logger: logger)
        let source = opened.source
        let format = source.format
        let blockFrames = configuration.source.framesPerBlock
        var settings = configuration.processing
        settings.enabled = true
        let processor = try SignalProcessor(settings: settings, format: format, montage: opened.montage, maxBlockFrames: blockFrames)
        var channels = [ChannelStatus](montage: opened.montage, bandCount: settings.bands.count)
        let buffer = UnsafeMutableBufferPointer<Int16>.allocate(capacity: blockFrames * format.channelCount)
        defer { buffer.deallocate() }
        try source.start()
        defer { source.stop() }
        let total = format.frames(inSeconds: seconds)
        var next: UInt64 = 0
        var lost: UInt64 = 0
        while next < total {
            switch try source.read(into: buffer) {
            case .frames(let first, let count):
                processor.process(UnsafeBufferPointer(rebasing: buffer[0..<count * format.channelCount]), firstSample: first)
                next = first + UInt64(count)
            case .gap(let gap):
                logger.warning("samples lost during the check", metadata: ["count": "\(gap.sampleCount)", "cause": "\(gap.cause.rawValue)"])
                lost += gap.sampleCount
                processor.reset(atSample: gap.endSample)
                next = gap.endSample
            case .end:
                next = total
            }
            while processor.channelFigures.pop({ _, row in channels.update(fromFiguresRow: row) }) {}
            channels.updateBandPower(from: processor)
            // Features nobody records are let go.
            while processor.lfp.pop({ _, _ in }) {}
            while processor.bandPower.pop({ _, _ in }) {}
            while processor.crossings.pop({ _, _ in }) {}
        }
        ChannelHealth.flag(&channels)
        return ChannelCheckReport(channels: channels, bands: settings.bands.map(\.name), seconds: seconds, lostFrames: lost)
    }
}
