import Foundation
import KetaMapCore
import Testing

@testable import KetaMapReport
import KetaMapDSP
import KetaMapControl

@Suite("Dose-aligned report")
struct SessionReportTests {
    /// Two regions, two bands, 10 rows/s for 100 s; a dose at 40 s after which
    /// prefrontal gamma doubles (+3.01 dB) and amygdala gamma halves (−3.01 dB);
    /// alpha never changes. One amygdala microwire fires 2/s, then 8/s.
    func input(withDose: Bool = true) -> ReportInput {
        let bands = [ProcessingSettings.Band(name: "alpha", lowHz: 8, highHz: 13), ProcessingSettings.Band(name: "gamma", lowHz: 30, highHz: 80)]
        let channels = [
            ReportInput.Channel(name: "LOF1-LOF2", region: "prefrontal", detectsSpikes: false),
            ReportInput.Channel(name: "LOF2-LOF3", region: "prefrontal", detectsSpikes: false),
            ReportInput.Channel(name: "mRA1", region: "amygdala", detectsSpikes: true),
        ]
        var power: [Float] = []
        for row in 0..<1000 {
            let after = Double(row) / 10 >= 40
            for channel in channels {
                power.append(50)  // alpha
                power.append(channel.region == "prefrontal" ? (after ? 20 : 10) : (after ? 5 : 10))
            }
        }
        let crossings = stride(from: 0.0, to: 100, by: 0.125).filter { $0 >= 40 || $0.truncatingRemainder(dividingBy: 0.5) == 0 }.map { (seconds: $0, channel: 2) }
        let dose = DoseEvent(
            stamping: DoseRequest(drug: "ketamine", amount: 0.5, unit: .milligramsPerKilogram, route: .ivBolus), atSample: 40 * 1000, rateHz: 1000,
            weightKilograms: 70, wallClock: "2026-11-26T10:00:00Z", eventID: 1)
        return ReportInput(
            bands: bands, bandPowerRateHz: 10, channels: channels, power: power, doses: withDose ? [dose] : [], crossings: crossings,
            durationSeconds: 100)
    }

    @Test("band power change per region is 10·log10(after/before), averaged over the region's channels")
    func bandChange() throws {
        let report = try SessionReport(input: input(), baselineSeconds: 30, window: 10...50)
        #expect(report.bands == ["alpha", "gamma"])
        #expect(report.baseline == 10...40)
        #expect(report.window == 50...90)
        #expect(report.notes.isEmpty)
        let prefrontal = try #require(report.regions.first { $0.region == "prefrontal" })
        #expect(prefrontal.channelCount == 2)
        #expect(abs(prefrontal.bandChangeDecibels[0]) < 1e-9)
        #expect(abs(prefrontal.bandChangeDecibels[1] - 10 * log10(2)) < 1e-9)
        let amygdala = try #require(report.regions.first { $0.region == "amygdala" })
        #expect(abs(amygdala.bandChangeDecibels[1] + 10 * log10(2)) < 1e-9)
        #expect(amygdala.spikeRateBaseline == 2 && amygdala.spikeRateWindow == 8)
        #expect(amygdala.spikeRateChangePercent == 300)
        #expect(prefrontal.spikeRateBaseline == nil)
    }

    @Test("without noise every interval is the point itself: changes are significant, no change is not")
    func noiselessIntervals() throws {
        let report = try SessionReport(input: input(), baselineSeconds: 30, window: 10...50)
        let prefrontal = try #require(report.regions.first { $0.region == "prefrontal" })
        let gamma = prefrontal.bandIntervals[1]
        #expect(abs(gamma.low - 10 * log10(2)) < 1e-9 && abs(gamma.high - 10 * log10(2)) < 1e-9 && gamma.excludesZero)
        #expect(prefrontal.bandIntervals[0].low == 0 && prefrontal.bandIntervals[0].high == 0 && !prefrontal.bandIntervals[0].excludesZero)
        #expect(prefrontal.blockSeconds >= 1)
        let amygdala = try #require(report.regions.first { $0.region == "amygdala" })
        #expect(amygdala.bandIntervals[1].excludesZero && amygdala.bandIntervals[1].high < 0)
        let spikes = try #require(amygdala.spikeRateChangeInterval)
        #expect(spikes.excludesZero && spikes.low > 200 && spikes.high < 400)
    }

    @Test("significant cells are marked in the text, the CSV and the JSON")
    func significanceMarks() throws {
        let report = try SessionReport(input: input(), baselineSeconds: 30, window: 10...50)
        let text = report.text()
        #expect(text.contains("+3.01 [+3.01 +3.01]*"))
        #expect(text.contains("0.00 [0.00 0.00] ") && !text.contains("0.00 [0.00 0.00]*"))
        let csv = report.csvTable().render(csv: true).split(separator: "\n").map(String.init)
        #expect(csv.first == "region,channels,measure,unit,change,low,high,significant,effective_rows_baseline,effective_rows_window,before,after")
        #expect(csv.contains { $0.hasPrefix("prefrontal,2,gamma,dB,3.0103,3.0103,3.0103,true,") })
        #expect(csv.contains { $0.hasPrefix("prefrontal,2,alpha,dB,0.0000,0.0000,0.0000,false,") })
        #expect(csv.contains { $0.hasPrefix("amygdala,1,spike_rate,%,300.00,") && $0.hasSuffix(",2.0000,8.0000") })
        let json = try JSONText.encode(report)
        #expect(json.contains("\"excludesZero\" : true") && json.contains("\"effectiveSamples\""))
    }

    @Test("progress is told once per region")
    func progress() throws {
        var calls: [(Int, Int)] = []
        _ = try SessionReport(input: input(), baselineSeconds: 30, window: 10...50) { calls.append(($0, $1)) }
        #expect(calls.map(\.0) == [1, 2] && calls.allSatisfy { $0.1 == 2 })
    }

    @Test("a window past the end of the recording is moved and said so")
    func clippedWindow() throws {
        let report = try SessionReport(input: input(), baselineSeconds: 600, window: 300...1800)
        #expect(report.baseline.lowerBound == 3 / 8.0)  // after the filters settle: 3 cycles of 8 Hz
        #expect(report.window.upperBound == 100)
        #expect(report.notes.count == 2)
        #expect(report.text().contains("note: the recording ends 60 s after the dose"))
    }

    @Test("without a dose the report says how to record one")
    func noDose() {
        #expect(throws: SessionReport.Unavailable.self) { try SessionReport(input: input(withDose: false), baselineSeconds: 60, window: 0...60) }
    }

    @Test("the SVG heat map colours increases red and decreases blue")
    func svg() throws {
        let svg = try SessionReport(input: input(), baselineSeconds: 30, window: 10...50).svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("#ff")) // prefrontal gamma, up
        #expect(svg.contains(">+3.01*<") && svg.contains(">-3.01*<"))
        #expect(ColourScale.colour(-3) == "#0000ff" && ColourScale.colour(0) == "#ffffff")
    }
}
