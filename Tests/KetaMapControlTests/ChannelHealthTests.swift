import KetaMapControl
import Testing

@Suite("Channel flags and the status verdict")
struct ChannelHealthTests {
    static func shaft(_ rms: [Double], line: [Double] = []) -> [ChannelStatus] {
        rms.enumerated().map { i, value in
            ChannelStatus(name: "LA\(i + 1)", region: "left amygdala", shaft: "LA", rmsMicrovolts: value, lineNoiseShare: i < line.count ? line[i] : 0.02)
        }
    }

    @Test("a contact with 34 % line noise is NOISY; 29 % is not")
    func lineNoise() {
        var channels = Self.shaft([20, 21, 22, 23], line: [0.34, 0.29])
        ChannelHealth.flag(&channels)
        #expect(channels.map(\.flags) == [[.noisy], [], [], []])
    }

    @Test("an RMS four times the median of the shaft's other contacts is NOISY; three times is not")
    func rmsAgainstShaft() {
        var channels = Self.shaft([20, 90, 20, 22, 60])
        channels.append(ChannelStatus(name: "RA1", region: "right amygdala", shaft: "RA", rmsMicrovolts: 500))
        ChannelHealth.flag(&channels)
        #expect(channels.map(\.flags) == [[], [.noisy], [], [], [], []], "a shaft of one has nothing to compare with")
    }

    @Test("FLAT and SATURATED come from the figures; a flat contact is never also NOISY")
    func flatAndSaturated() {
        var channels = Self.shaft([20, 21, 22])
        channels[0].isFlat = true
        channels[0].lineNoiseShare = 0.9
        channels[1].isSaturated = true
        ChannelHealth.flag(&channels)
        #expect(channels.map(\.flags) == [[.flat], [.saturated], []])
    }

    @Test("the verdict: lost samples outrank flags, flags outrank all good")
    func verdict() {
        var channels = Self.shaft([20, 21, 22])
        #expect(ChannelHealth.verdict(lostFrames: 0, channels: channels) == .allGood)
        channels[2].flags = [.noisy]
        #expect(ChannelHealth.verdict(lostFrames: 0, channels: channels) == .channelFlagged)
        #expect(ChannelHealth.verdict(lostFrames: 3, channels: channels) == .samplesLost)
        #expect(StatusVerdict.allCases.map(\.rawValue) == [0, 1, 2, 3])
    }
}
