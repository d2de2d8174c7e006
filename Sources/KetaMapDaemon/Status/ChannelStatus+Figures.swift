import KetaMapCore
import KetaMapDSP
import KetaMapControl

extension ChannelStatus {
    /// Takes this channel's figures from a `channelFigures` row of the signal processor.
    mutating func update(from figures: ChannelFigures) {
        rmsMicrovolts = Double(figures.rmsMicrovolts)
        lineNoiseShare = figures.lineNoiseShare.map(Double.init) ?? 0
        isFlat = figures.isFlat
        isSaturated = figures.isSaturated
        spikeRatePerSecond = figures.spikeRatePerSecond.map(Double.init)
    }
}

extension [ChannelStatus] {
    /// Updates every channel (frame-column order) from a `channelFigures` row.
    mutating func update(fromFiguresRow row: UnsafeBufferPointer<Float>) {
        for channel in indices where (channel + 1) * ChannelFigure.allCases.count <= row.count {
            self[channel].update(from: ChannelFigures(row: row, channel: channel))
        }
    }
}
