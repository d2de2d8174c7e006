import Foundation
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
    /// Updates every channel of a stream (frame-column order, from row
    /// `offset` of the session's channels) from a `channelFigures` row.
    mutating func update(fromFiguresRow row: UnsafeBufferPointer<Float>, offset: Int = 0) {
        var channel = 0
        while offset + channel < count && (channel + 1) * ChannelFigure.allCases.count <= row.count {
            self[offset + channel].update(from: ChannelFigures(row: row, channel: channel))
            channel += 1
        }
    }
}

extension [ChannelStatus] {
    /// Processing thread: each contact takes the band powers (dB re 1 µV²) of the
    /// processed channel whose anode it is. Expects `bandPowerDecibels` sized
    /// to the bands already (see `Session`), so nothing is allocated here.
    /// `offset`: the session row of the stream's first channel.
    mutating func updateBandPower(from processor: SignalProcessor, offset: Int = 0) {
        let bands = processor.settings.bands.count
        for (p, processed) in processor.channels.enumerated() where indices.contains(offset + processed.anode) {
            let row = offset + processed.anode
            guard self[row].bandPowerDecibels.count == bands else { continue }
            for b in 0..<bands {
                let power = processor.currentBandPower(channel: p, band: b)
                self[row].bandPowerDecibels[b] = power > 0 ? 10 * log10(power) : nil
            }
        }
    }
}

extension [ChannelStatus] {
    /// One blank row per montage channel, with room for a figure per band.
    init(montage: Montage, bandCount: Int) {
        self = montage.channels.map {
            ChannelStatus(name: $0.name, region: $0.region, shaft: $0.group, bandPowerDecibels: [Double?](repeating: nil, count: bandCount))
        }
    }
}
