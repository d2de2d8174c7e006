import KetaMapCore

/// Reads one channel-figures row of the signal processor into the status
/// board's per-channel records.
enum ChannelFigures {
    static func apply(_ row: UnsafeBufferPointer<Float>, to channels: inout [ChannelStatus]) {
        let width = ChannelFigure.allCases.count
        for channel in channels.indices where (channel + 1) * width <= row.count {
            func figure(_ kind: ChannelFigure) -> Float { row[channel * width + kind.rawValue] }
            channels[channel].rmsMicrovolts = Double(figure(.rmsMicrovolts))
            let line = figure(.lineNoiseShare)
            channels[channel].lineNoiseShare = line.isNaN ? 0 : Double(line)
            channels[channel].isFlat = figure(.flat) > 0.5
            channels[channel].isSaturated = figure(.saturated) > 0.5
            let rate = figure(.spikeRatePerSecond)
            channels[channel].spikeRatePerSecond = rate.isNaN ? nil : Double(rate)
        }
    }
}
