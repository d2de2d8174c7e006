import KetaMapTestSupport
import Testing
import KetaMapCore
import KetaMapAcquisition

#if canImport(Glibc)
import Glibc
import KetaMapConfiguration
#endif

/// The default montage (108 channels) with simulator settings varied per test.
private func defaultConfiguration() throws -> Configuration {
    try ConfigurationLoader.loadDefault()
}

/// The reference dose: a 0.5 mg/kg bolus, whose peak is the configured effect.
private func dose(atSample sample: UInt64, rateHz: Double, milligramsPerKilogram: Double = 0.5, overSeconds: Double? = nil, eventID: UInt64 = 1) -> DoseEvent {
    DoseEvent(
        stamping: DoseRequest(
            drug: "ketamine", amount: milligramsPerKilogram, unit: .milligramsPerKilogram, route: overSeconds == nil ? .ivBolus : .ivInfusion,
            overSeconds: overSeconds),
        atSample: sample, rateHz: rateHz, weightKilograms: 70, wallClock: "2026-01-01T00:00:00Z", eventID: eventID)
}

/// Reads `frames` frames from a started source.
private func read(_ source: SimulatedSource, frames: Int) -> [Int16] {
    let channels = source.format.channelCount
    var out: [Int16] = []
    out.reserveCapacity(frames * channels)
    var buffer = [Int16](repeating: 0, count: source.framesPerBlock * channels)
    while out.count < frames * channels {
        guard case .frames(_, let n) = buffer.withUnsafeMutableBufferPointer({ source.read(into: $0) }) else { break }
        out.append(contentsOf: buffer[0..<(min(n, frames - out.count / channels) * channels)])
    }
    return out
}

@Suite("SimulatedSource")
struct SimulatedSourceTests {
    @Test("conforms to Source: index 0, contiguous, calibrated, same seed gives the same samples")
    func conformance() throws {
        let config = try defaultConfiguration()
        try checkSourceConformance(frames: 3000) { SimulatedSource(configuration: config, pacing: .asFastAsPossible) }
    }

    @Test("a different seed gives different samples")
    func seedMatters() throws {
        var config = try defaultConfiguration()
        let a = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        config.simulator.seed = 2
        let b = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        a.start()
        b.start()
        #expect(read(a, frames: 600) != read(b, frames: 600))
    }

    @Test("levels are realistic: tens of µV, nothing clipped, nothing flat")
    func levels() throws {
        var config = try defaultConfiguration()
        config.simulator.artifactsPerMinute = 0
        let source = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        source.start()
        let frames = 30_000
        let samples = read(source, frames: frames)
        let channels = source.format.channelCount
        let microvolts = source.format.calibration.microvoltsPerCount[0]
        #expect(!samples.contains(Int16.max) && !samples.contains(Int16.min), "no clipping")
        for c in 0..<channels {
            var sum = 0.0, squares = 0.0
            for f in 0..<frames {
                let v = Double(samples[f * channels + c]) * microvolts
                sum += v
                squares += v * v
            }
            let mean = sum / Double(frames)
            let rms = (squares / Double(frames) - mean * mean).squareRoot()
            #expect(rms > 15 && rms < 300, "channel \(config.montage.channels[c].name): \(rms) µV RMS")
        }
    }

    @Test("below the amplifier's high-pass (the montage's low_cutoff, 0.5 Hz when n/a) the background falls as a first-order filter's")
    func highPassRollOff() throws {
        var config = try defaultConfiguration()
        config.simulator.artifactsPerMinute = 0
        config.simulator.lineNoiseMicrovolts = 0
        let contact = config.montage.channels[0]
        // Twins of one contact (same seed, so the same random spectrum) whose amplifiers differ:
        // DC-coupled (0 Hz, no roll-off), n/a and 1 Hz. 128 s at 2 kHz, boxcar-averaged to 100 Hz,
        // which keeps every bin below 4 Hz; 16 s windows give bins 1/16 Hz apart.
        func bins(lowCutoffHz: Double?) -> [(hz: Double, power: Double)] {
            var channel = contact
            channel.lowCutoffHz = lowCutoffHz
            let montage = Montage(channels: [channel], groups: config.montage.groups.filter { $0.name == channel.group })
            let source = SimulatedSource(
                montage: montage, sampleRateHz: 2000, settings: config.simulator, bands: config.processing.bands, pacing: .asFastAsPossible)
            source.start()
            let samples = read(source, frames: 128 * 2000)
            let signal = Spectrum.channel(
                samples, channel: 0, channels: 1, microvoltsPerCount: source.format.calibration.microvoltsPerCount[0], frames: 0..<samples.count, factor: 20)
            return Spectrum.binPowers(signal, rateHz: 100, lowHz: 0.125, highHz: 4, windowSeconds: 16)
        }
        func power(_ bins: [(hz: Double, power: Double)], _ range: Range<Double>) -> Double {
            bins.filter { range.contains($0.hz) }.reduce(0) { $0 + $1.power }
        }
        let dcCoupled = bins(lowCutoffHz: 0)
        let dcShare = power(dcCoupled, 0..<1) / power(dcCoupled, 1..<4)
        for (lowCutoff, corner) in [(nil, 0.5), (1.0, 1.0)] {
            let rolled = bins(lowCutoffHz: lowCutoff)
            // What a first-order high-pass at the corner leaves of the DC-coupled twin, bin by bin.
            let expected = dcCoupled.map { (hz: $0.hz, power: $0.power * $0.hz * $0.hz / ($0.hz * $0.hz + corner * corner)) }
            let below = power(rolled, 0..<1), delta = power(rolled, 1..<4)
            let share = below / delta, expectedShare = power(expected, 0..<1) / power(expected, 1..<4)
            #expect(
                abs(share / expectedShare - 1) < 0.1,
                "corner \(corner) Hz: below 1 Hz \(below), 1–4 Hz \(delta) (share \(share), a first-order high-pass leaves \(expectedShare), DC-coupled \(dcShare))")
            #expect(abs(below / power(expected, 0..<1) - 1) < 0.1 && abs(delta / power(expected, 1..<4) - 1) < 0.1)
        }
    }

    @Test("ground-truth spikes are in the signal exactly where they are reported")
    func groundTruth() throws {
        var config = try defaultConfiguration()
        config.simulator.artifactsPerMinute = 0
        let withSpikes = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        config.simulator.unitsPerMicrowire = 0
        let withoutSpikes = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        #expect(withSpikes.units.count == 16, "8 microwires × 2 units")
        #expect(withoutSpikes.groundTruth(in: 0..<30_000).isEmpty)
        withSpikes.start()
        withoutSpikes.start()
        let frames = 60_000
        let a = read(withSpikes, frames: frames)
        let b = read(withoutSpikes, frames: frames)
        let channels = withSpikes.format.channelCount
        let microvolts = withSpikes.format.calibration.microvoltsPerCount[0]
        let spikes = withSpikes.groundTruth(in: 0..<UInt64(frames))
        #expect(spikes.count > 16 * 2 * 2, "2–12 Hz per unit over 2 s")
        #expect(spikes.allSatisfy { withSpikes.format.channelCount > $0.channel && config.montage.channels[$0.channel].kind == .micro })
        #expect(zip(spikes, spikes.dropFirst()).allSatisfy { $0.sampleIndex <= $1.sampleIndex })

        // The difference of the two runs is the spikes alone.
        var difference = [Double](repeating: 0, count: frames * channels)
        for i in difference.indices { difference[i] = Double(Int(a[i]) - Int(b[i])) * microvolts }
        let byChannel = Dictionary(grouping: spikes, by: \.channel)
        for spike in spikes {
            let others = byChannel[spike.channel]!.filter { $0 != spike && $0.sampleIndex.distance(to: spike.sampleIndex).magnitude < 90 }
            guard others.isEmpty else { continue }
            let value = difference[Int(spike.sampleIndex) * channels + spike.channel]
            #expect(abs(value - spike.peakMicrovolts) < 0.5, "spike of unit \(spike.unit) at \(spike.sampleIndex): \(value) vs \(spike.peakMicrovolts) µV")
        }
        // Far from every spike, nothing differs; the macro contacts never differ.
        for c in 0..<channels {
            let times = (byChannel[c] ?? []).map { Int($0.sampleIndex) }
            for f in stride(from: 0, to: frames, by: 7) where !times.contains(where: { abs($0 - f) < 60 }) {
                #expect(difference[f * channels + c] == 0)
                if difference[f * channels + c] != 0 { return }
            }
        }
    }

    @Test("the units' sizes span the SNRs a detector is scored on")
    func unitSizes() throws {
        let source = SimulatedSource(configuration: try defaultConfiguration(), pacing: .asFastAsPossible)
        let peaks = source.units.map { -$0.peakMicrovolts }
        #expect(peaks.allSatisfy { $0 >= 25 && $0 <= 160 })
        #expect(peaks.max()! - peaks.min()! > 50)
        #expect(source.units.allSatisfy { $0.rateHz >= 2 && $0.rateHz <= 12 })
    }

    /// The default montage at 2 kHz (enough for bands up to 150 Hz, quick in debug builds), effect peaking 2 s after a dose.
    private func doseConfiguration() throws -> Configuration {
        var config = try defaultConfiguration()
        config.source.sampleRateHz = 2000
        config.source.blockFrames = 20
        config.simulator.onsetSeconds = 0
        config.simulator.peakSeconds = 2
        config.simulator.artifactsPerMinute = 0
        return config
    }

    /// Summed band power over the good channels whose region matches `region`, over `frames`.
    private func bandPower(_ samples: [Int16], _ config: Configuration, region: String, lowHz: Int, highHz: Int, frames: Range<Int>) -> Double {
        let channels = config.montage.channels
        var total = 0.0
        for c in channels.indices where channels[c].isGood && DoseEffect(region: region, band: "", decibels: 0).matches(region: channels[c].region) {
            let signal = Spectrum.channel(samples, channel: c, channels: channels.count, microvoltsPerCount: 0.195, frames: frames, factor: 1)
            total += Spectrum.bandPower(signal, rateHz: config.source.sampleRateHz, lowHz: lowHz, highHz: highHz, excluding: [50])
        }
        return total
    }

    @Test("at the effect's peak, band power differs from an undosed twin (same noise) by the configured dB, per region and band")
    func doseResponseAgainstUndosedTwin() throws {
        let config = try doseConfiguration()
        let dosed = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        let twin = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        dosed.administer(dose(atSample: 0, rateHz: 2000))
        dosed.start()
        twin.start()
        let a = read(dosed, frames: 6000)
        let b = read(twin, frames: 6000)
        let lof5 = try #require(config.montage.channels.firstIndex { $0.name == "LOF5" })
        #expect(config.montage.channels[lof5].region.contains("orbitofrontal"))
        #expect(abs(dosed.effectDecibels(channel: lof5, band: "gamma", atSample: 4000) - 2) < 0.01)
        let window = 3000..<5000  // 1.5–2.5 s: the effect is within 3 % of its peak
        func change(_ region: String, _ low: Int, _ high: Int) -> Double {
            10 * log10(bandPower(a, config, region: region, lowHz: low, highHz: high, frames: window)
                / bandPower(b, config, region: region, lowHz: low, highHz: high, frames: window))
        }
        let prefrontalGamma = change("prefrontal", 32, 78)
        let striatalGamma = change("striatum", 32, 78)
        let hippocampalGamma = change("hippocampus", 32, 78)
        let amygdalaGamma = change("amygdala", 32, 78)  // spikes on the amygdala microwires do not change
        let alpha = change("*", 9, 12)
        let beta = change("*", 16, 28)
        #expect(abs(prefrontalGamma - 2) < 0.2, "prefrontal gamma \(prefrontalGamma) dB, configured +2")
        #expect(abs(striatalGamma - 2) < 0.2, "striatal gamma \(striatalGamma) dB, configured +2")
        #expect(abs(hippocampalGamma - 1.5) < 0.2, "hippocampal gamma \(hippocampalGamma) dB, configured +1.5")
        #expect(abs(amygdalaGamma + 1.5) < 0.3, "amygdala gamma \(amygdalaGamma) dB, configured −1.5")
        #expect(abs(alpha + 1.5) < 0.3, "alpha \(alpha) dB, configured −1.5")
        #expect(abs(beta) < 0.1, "beta \(beta) dB, not configured")
    }

    @Test("within one run: prefrontal and striatal gamma up ~2 dB, amygdala gamma and alpha down, after a dose")
    func doseResponseBeforeAfter() throws {
        let config = try doseConfiguration()
        let source = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        source.administer(dose(atSample: 16_000, rateHz: 2000))  // dose at 8 s, peak at 10 s
        source.start()
        let samples = read(source, frames: 28_000)
        func change(_ region: String, _ low: Int, _ high: Int) -> Double {
            10 * log10(bandPower(samples, config, region: region, lowHz: low, highHz: high, frames: 18_000..<26_000)
                / bandPower(samples, config, region: region, lowHz: low, highHz: high, frames: 0..<16_000))
        }
        let prefrontalGamma = change("prefrontal", 32, 78)
        let striatalGamma = change("striatum", 32, 78)
        let amygdalaGamma = change("amygdala", 32, 78)
        let alpha = change("*", 9, 12)
        #expect(abs(prefrontalGamma - 2) < 0.5, "prefrontal gamma \(prefrontalGamma) dB")
        #expect(abs(striatalGamma - 2) < 0.6, "striatal gamma \(striatalGamma) dB")
        #expect(amygdalaGamma < -0.7 && amygdalaGamma > -2.5, "amygdala gamma \(amygdalaGamma) dB")
        #expect(alpha < -0.8 && alpha > -2.2, "alpha \(alpha) dB")
    }

    @Test("the reference bolus follows the one-compartment curve: nothing before onset, 1 at peak, its concentration halving after a half-life")
    func effectCurve() {
        let curve = DrugEffectCurve(onsetSeconds: 30, peakSeconds: 300, halfLifeSeconds: 9000)
        #expect(curve.effect(secondsSinceDose: 10) == 0)
        #expect(curve.effect(secondsSinceDose: 30) == 0)
        #expect(abs(curve.effect(secondsSinceDose: 300) - 1) < 1e-9)
        #expect(curve.effect(secondsSinceDose: 290) < 1 && curve.effect(secondsSinceDose: 310) < 1)
        #expect(curve.effect(secondsSinceDose: 100) > 0.3)
        let late = curve.concentration(secondsSinceStart: 20_000, milligramsPerKilogram: 0.5)
        let later = curve.concentration(secondsSinceStart: 29_000, milligramsPerKilogram: 0.5)
        #expect(abs(later / late - 0.5) < 0.01)
    }

    @Test("a larger dose gives a larger effect, saturating: the reference bolus is 1, the ceiling 1 + K")
    func effectFollowsAmount() {
        let curve = DrugEffectCurve(onsetSeconds: 30, peakSeconds: 300, halfLifeSeconds: 9000)
        let amounts = [0.05, 0.125, 0.25, 0.5, 1, 2, 4.5, 13, 1e6]
        let peaks = amounts.map { curve.effect(concentration: curve.concentration(secondsSinceStart: 300, milligramsPerKilogram: $0)) }
        #expect(abs(peaks[3] - 1) < 1e-9, "0.5 mg/kg at its peak is the configured effect")
        #expect(zip(peaks, peaks.dropFirst()).allSatisfy { $0 < $1 }, "more drug, more effect: \(peaks)")
        let gains = zip(peaks, peaks.dropFirst()).map { $1 / $0 }
        #expect(gains[3] < gains[2] && gains[4] < gains[3], "each doubling adds less: \(gains)")
        #expect(peaks.allSatisfy { $0 < 1 + DrugEffectCurve.halfMaximalConcentration }, "never above the ceiling")
        #expect(peaks.last! > 1.99, "an absurd amount sits at the ceiling, finite")
    }

    @Test("an infusion rises over its duration, peaks after it ends, and gives less at its peak than the same amount at once")
    func infusionTimeCourse() {
        let curve = DrugEffectCurve(onsetSeconds: 30, peakSeconds: 300, halfLifeSeconds: 9000)
        let infusion = { (t: Double) in curve.concentration(secondsSinceStart: t, milligramsPerKilogram: 0.5, infusionSeconds: 2400) }
        let bolus = { (t: Double) in curve.concentration(secondsSinceStart: t, milligramsPerKilogram: 0.5) }
        #expect(infusion(30) == 0, "nothing before the onset")
        let during = stride(from: 60.0, through: 2400, by: 60).map(infusion)
        #expect(zip(during, during.dropFirst()).allSatisfy { $0 < $1 }, "rises all through the infusion")
        #expect(infusion(300) < 0.2 * bolus(300), "5 min in, a 40-min infusion has given far less than the bolus")
        let peakTime = stride(from: 2400.0, through: 4000, by: 10).max { infusion($0) < infusion($1) }!
        #expect(peakTime > 2400 && peakTime < 2400 + 300, "peaks within a bolus's rise after the end, at \(peakTime) s")
        #expect(infusion(peakTime) < 1 && infusion(peakTime) > 0.5)
        #expect(infusion(6000) < infusion(peakTime), "then falls")
        let slow = curve.concentration(secondsSinceStart: 20_000, milligramsPerKilogram: 0.5, infusionSeconds: 1e-9)
        #expect(abs(slow - bolus(20_000)) < 1e-6, "a vanishing infusion is a bolus")
    }

    @Test("the signal answers the dose record: band power follows the amount and the infusion, and a withdrawn dose leaves it")
    func signalFollowsDoseRecord() throws {
        let config = try doseConfiguration()
        let lof5 = try #require(config.montage.channels.firstIndex { $0.name == "LOF5" })
        let twin = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        twin.start()
        let undosed = read(twin, frames: 14_000)
        func gammaChange(_ doses: [DoseEvent], withdrawing: UInt64? = nil, window: Range<Int>) -> (measured: Double, recorded: Double) {
            let source = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
            for d in doses { source.administer(d) }
            if let withdrawing { source.withdraw(eventID: withdrawing) }
            source.start()
            let samples = read(source, frames: 14_000)
            let measured = 10 * log10(bandPower(samples, config, region: "prefrontal", lowHz: 32, highHz: 78, frames: window)
                / bandPower(undosed, config, region: "prefrontal", lowHz: 32, highHz: 78, frames: window))
            return (measured, source.effectDecibels(channel: lof5, band: "gamma", atSample: UInt64(window.lowerBound + window.upperBound) / 2))
        }
        let atPeak = 3000..<5000  // 1.5–2.5 s after a bolus at 0
        let reference = gammaChange([dose(atSample: 0, rateHz: 2000)], window: atPeak)
        let quadruple = gammaChange([dose(atSample: 0, rateHz: 2000, milligramsPerKilogram: 2)], window: atPeak)
        #expect(abs(reference.recorded - 2) < 0.01 && abs(reference.measured - 2) < 0.25, "0.5 mg/kg: \(reference)")
        #expect(abs(quadruple.recorded - 3.2) < 0.05, "2 mg/kg: 2 dB × 4·2/(4+1)")
        #expect(abs(quadruple.measured - quadruple.recorded) < 0.3 && quadruple.measured > reference.measured + 0.7, "2 mg/kg: \(quadruple)")
        let infusion = [dose(atSample: 0, rateHz: 2000, milligramsPerKilogram: 2, overSeconds: 6)]
        let early = gammaChange(infusion, window: 1000..<3000)
        let late = gammaChange(infusion, window: 11_000..<13_000)
        #expect(early.measured < late.measured - 0.7, "an infusion's effect rises over it: \(early) then \(late)")
        #expect(abs(late.measured - late.recorded) < 0.3)
        let withdrawn = gammaChange([dose(atSample: 0, rateHz: 2000, milligramsPerKilogram: 2, eventID: 7)], withdrawing: 7, window: atPeak)
        #expect(withdrawn.recorded == 0 && abs(withdrawn.measured) < 0.1, "a voided dose is not in the signal: \(withdrawn)")
    }

    @Test("administer is safe from another thread while blocks are read")
    func administerConcurrently() async throws {
        let config = try defaultConfiguration()
        let source = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        source.start()
        let reader = Task.detached { read(source, frames: 30_000).count }
        for i in 0..<20 { source.administer(dose(atSample: UInt64(i * 1000), rateHz: 30000, eventID: UInt64(i))) }
        #expect(await reader.value == 30_000 * config.montage.channels.count)
        #expect(source.drugEffect(atSample: 0) == 0)
    }

    @Test("real-time pacing delivers samples no faster than the sample clock")
    func realTimePacing() throws {
        var config = try defaultConfiguration()
        config.source.sampleRateHz = 2000
        let source = SimulatedSource(configuration: config, pacing: .realTime)
        let clock = ContinuousClock()
        let started = clock.now
        source.start()
        _ = read(source, frames: 400)  // 0.2 s
        let elapsed = clock.now - started
        #expect(elapsed >= .milliseconds(195) && elapsed < .seconds(3), "\(elapsed)")
    }
}

@Suite("SimulatedSource artifacts")
struct SimulatedArtifactTests {
    @Test("artifacts are where artifacts(in:) says, on every contact of one shaft")
    func artifactsWhereReported() throws {
        var config = try ConfigurationLoader.loadDefault()
        config.source.sampleRateHz = 2000
        config.simulator.artifactsPerMinute = 30
        let with = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        config.simulator.artifactsPerMinute = 0
        let without = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        let artifacts = with.artifacts(in: 0..<40_000)
        #expect(artifacts.count >= 5 && artifacts.count <= 18, "about 10 in 20 s at 30 per minute: \(artifacts.count)")
        #expect(without.artifacts(in: 0..<40_000).isEmpty)
        let a = try readAll(with, frames: 40_000, bufferFrames: 64)
        let b = try readAll(without, frames: 40_000, bufferFrames: 64)
        let channels = config.montage.channels.count
        for artifact in artifacts where artifact.onsetSample + 1 < 40_000 {
            let first = artifact.channels[0]
            let group = config.montage.channels[first].group
            #expect(artifact.channels.allSatisfy { config.montage.channels[$0].group == group })
            #expect(artifact.channels.count == config.montage.channels.filter { $0.group == group }.count)
            let jump = Double(Int(a[Int(artifact.onsetSample) * channels + first]) - Int(b[Int(artifact.onsetSample) * channels + first])) * 0.195
            #expect(abs(jump - artifact.peakMicrovolts) < 1, "jump \(jump) µV, reported \(artifact.peakMicrovolts) µV")
            let before = Int(artifact.onsetSample) - 1
            if before >= 0, !artifacts.contains(where: { $0.onsetSample < artifact.onsetSample && artifact.onsetSample - $0.onsetSample < 500 }) {
                #expect(a[before * channels + first] == b[before * channels + first], "nothing before the onset")
            }
        }
    }
}

@Suite("SimulatedSource spikes")
struct SimulatedSpikeDetectabilityTests {
    @Test("a plain threshold detector finds the large units' spikes and few others")
    func detectable() throws {
        var config = try ConfigurationLoader.loadDefault()
        config.simulator.artifactsPerMinute = 0
        let source = SimulatedSource(configuration: config, pacing: .asFastAsPossible)
        let frames = 60_000  // 2 s at 30 kHz
        let samples = try readAll(source, frames: frames, bufferFrames: 300)
        let channels = config.montage.channels.count
        let truth = source.groundTruth(in: 0..<UInt64(frames))
        var found = 0, large = 0, falsePositives = 0, crossings = 0
        for c in config.montage.channels.indices where config.montage.channels[c].kind == .micro {
            // High-pass: the sample minus the mean of the surrounding 1 ms (31 samples).
            let x = (0..<frames).map { Double(samples[$0 * channels + c]) * 0.195 }
            var prefix = [0.0]
            for v in x { prefix.append(prefix.last! + v) }
            let y = (0..<frames).map { f -> Double in
                let lo = max(0, f - 15), hi = min(frames, f + 16)
                return x[f] - (prefix[hi] - prefix[lo]) / Double(hi - lo)
            }
            let noise = y.map(abs).sorted()[frames / 2] / 0.6745
            let threshold = -5 * noise
            var events: [Int] = []
            var f = 1
            while f < frames {
                if y[f] < threshold && y[f - 1] >= threshold {
                    events.append(f)
                    f += 30  // 1 ms refractory
                } else {
                    f += 1
                }
            }
            crossings += events.count
            let here = truth.filter { $0.channel == c }
            for spike in here where -spike.peakMicrovolts >= 10 * noise {
                large += 1
                if events.contains(where: { abs($0 - Int(spike.sampleIndex)) <= 15 }) { found += 1 }
            }
            falsePositives += events.filter { e in !here.contains { abs(Int($0.sampleIndex) - e) <= 15 } }.count
        }
        #expect(large > 20)
        #expect(Double(found) >= 0.9 * Double(large), "found \(found) of \(large) spikes at SNR ≥ 10")
        #expect(Double(falsePositives) <= 0.1 * Double(crossings), "\(falsePositives) of \(crossings) crossings are not spikes")
    }
}
