import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Re-referencing: which channels each reference derives, and the values.
struct ReferenceTests {
    /// Shaft LA (4 contacts, LA3 bad), shaft RH (3 contacts, listed shallow-first), bundle mHL (3 wires).
    static func montage() -> Montage {
        var la = ProcessorHarness.shaft("LA", count: 4)
        la[2].isGood = false
        let rh = Array(ProcessorHarness.shaft("RH", count: 3, region: "hippocampus", firstHardware: 4).reversed())
        let micro = ProcessorHarness.microBundle("mHL", count: 3, firstHardware: 7)
        return ProcessorHarness.montage(la + rh + micro)
    }

    @Test func bipolarPairsNeighboursDeepFirstAndKeepsMicrowiresMonopolar() {
        let channels = ProcessingSettings.Reference.bipolar.processedChannels(for: Self.montage())
        #expect(channels.map(\.name) == ["LA1-LA2", "LA2-LA4", "RH1-RH2", "RH2-RH3", "mHL1", "mHL2", "mHL3"])
        #expect(channels[0].anode == 0 && channels[0].cathode == 1)
        // RH is listed shallow-first (RH3 at column 4): the derivation still goes deep − shallow.
        #expect(channels[2].anode == 6 && channels[2].cathode == 5)
        #expect(channels.map(\.detectsSpikes) == [false, false, false, false, true, true, true])
        #expect(channels[1].referenceDescription == "LA4")
    }

    @Test("a bipolar pair across two regions is a boundary pair, in neither region")
    func bipolarPairAcrossRegionsIsABoundaryPair() {
        var shaft = ProcessorHarness.shaft("LA", count: 4)
        shaft[2].region = "middle temporal gyrus"
        shaft[3].region = "middle temporal gyrus"
        let channels = ProcessingSettings.Reference.bipolar.processedChannels(for: ProcessorHarness.montage(shaft))
        #expect(channels.map(\.region) == ["amygdala", "amygdala | middle temporal gyrus", "middle temporal gyrus"])
        #expect(channels[1].anode == 1 && channels[1].cathode == 2)
    }

    @Test func monopolarAndAveragesLeaveOutBadContacts() {
        let montage = Self.montage()
        for reference in [ProcessingSettings.Reference.monopolar, .commonAveragePerShaft, .commonAverageAll] {
            let channels = reference.processedChannels(for: montage)
            #expect(channels.count == 9)
            #expect(!channels.contains { $0.name == "LA3" })
            #expect(channels.allSatisfy { $0.cathode == nil })
        }
        #expect(ProcessingSettings.Reference.commonAveragePerShaft.averagedChannels(for: 0, in: montage) == [0, 1, 3])
        // car-all never mixes sEEG contacts and microwires.
        #expect(ProcessingSettings.Reference.commonAverageAll.averagedChannels(for: 7, in: montage) == [7, 8, 9])
        #expect(ProcessingSettings.Reference.commonAverageAll.averagedChannels(for: 0, in: montage) == [0, 1, 3, 4, 5, 6])
    }

    /// Runs the reference stage on one frame of counts and returns µV per processed channel.
    static func referenced(_ reference: ProcessingSettings.Reference, counts: [Int16]) -> [Float] {
        let montage = montage()
        let channels = reference.processedChannels(for: montage)
        let stride = paddedChannelCount(channels.count)
        let stage = ReferenceStage(
            channels: channels, reference: reference, montage: montage,
            format: ProcessorHarness.format(channels: counts.count), stride: stride)
        var out = [Float](repeating: .nan, count: stride)
        counts.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { stage.process(input.baseAddress!, frames: 1, into: $0.baseAddress!) }
        }
        return Array(out[0..<channels.count])
    }

    @Test func derivedValuesAreDifferencesAndAveragesInMicrovolts() {
        // Counts chosen so that µV = counts × 0.195 are easy to follow.
        let counts: [Int16] = [100, 200, 9999, 400, 1000, 2000, 3000, 10, 20, 30]
        let uv = counts.map { Double($0) * ProcessorHarness.microvoltsPerCount }
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) < 1e-3 }

        let bipolar = Self.referenced(.bipolar, counts: counts)
        #expect(close(bipolar[0], uv[0] - uv[1]))
        #expect(close(bipolar[1], uv[1] - uv[3]))
        #expect(close(bipolar[2], uv[6] - uv[5]))
        #expect(close(bipolar[4], uv[7]))

        let shaft = Self.referenced(.commonAveragePerShaft, counts: counts)
        let laMean = (uv[0] + uv[1] + uv[3]) / 3
        #expect(close(shaft[0], uv[0] - laMean))
        #expect(close(shaft[2], uv[3] - laMean))
        #expect(close(shaft[6], uv[7] - (uv[7] + uv[8] + uv[9]) / 3))

        let all = Self.referenced(.commonAverageAll, counts: counts)
        let seegMean = [0, 1, 3, 4, 5, 6].map { uv[$0] }.reduce(0, +) / 6
        #expect(close(all[1], uv[1] - seegMean))

        let mono = Self.referenced(.monopolar, counts: counts)
        #expect(close(mono[3], uv[4]))
    }

    @Test func montageAndSourceMustAgree() {
        #expect(throws: SignalProcessor.SetupError.self) {
            try SignalProcessor(
                settings: ProcessingSettings(), format: ProcessorHarness.format(channels: 3), montage: Self.montage(),
                maxBlockFrames: 300)
        }
    }
}
