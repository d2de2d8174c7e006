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

    /// `channels` with constant power per band, `before` until 40 s and `after` from then on.
    func steadyInput(_ channels: [(ReportInput.Channel, before: Float, after: Float)]) -> ReportInput {
        let bands = [ProcessingSettings.Band(name: "alpha", lowHz: 8, highHz: 13), ProcessingSettings.Band(name: "gamma", lowHz: 30, highHz: 80)]
        var power: [Float] = []
        for row in 0..<1000 {
            for channel in channels { power += [50, Double(row) / 10 >= 40 ? channel.after : channel.before] }
        }
        let dose = DoseEvent(
            stamping: DoseRequest(drug: "ketamine", amount: 0.5, unit: .milligramsPerKilogram, route: .ivBolus), atSample: 40 * 1000, rateHz: 1000, weightKilograms: 70,
            wallClock: "2026-11-26T10:00:00Z")
        return ReportInput(bands: bands, bandPowerRateHz: 10, channels: channels.map(\.0), power: power, doses: [dose], crossings: [], durationSeconds: 100)
    }

    @Test("macro contacts, microwires and boundary pairs of one region are three rows, never averaged together")
    func macroMicroAndBoundaryRowsApart() throws {
        let input = steadyInput([
            (ReportInput.Channel(name: "RA1-RA2", region: "right amygdala", detectsSpikes: false), 10, 20),
            (ReportInput.Channel(name: "RA2-RA3", region: "right amygdala", detectsSpikes: false), 10, 20),
            (ReportInput.Channel(name: "mRA1", region: "right amygdala", detectsSpikes: true, contacts: .micro), 10, 5),
            (ReportInput.Channel(name: "RA3-RA4", region: "right amygdala | right middle temporal gyrus", detectsSpikes: false, isBoundary: true), 10, 40),
        ])
        let report = try SessionReport(input: input, baselineSeconds: 30, window: 10...50)
        #expect(report.regions.map(\.region) == ["right amygdala", "right amygdala (microwires)", "right amygdala | right middle temporal gyrus"])
        #expect(report.regions.map(\.contacts) == [.seeg, .micro, .seeg])
        #expect(report.regions.map(\.isBoundary) == [false, false, true])
        #expect(report.regions.map(\.channelCount) == [2, 1, 1])
        let gamma = report.regions.map { $0.bandChangeDecibels[1] }
        #expect(abs(gamma[0] - 10 * log10(2)) < 1e-9 && abs(gamma[1] + 10 * log10(2)) < 1e-9 && abs(gamma[2] - 10 * log10(4)) < 1e-9)
        #expect(report.text().contains("boundary pairs"))
    }

    @Test("a change that cannot be computed is null in the JSON, with a note saying why, and reads back as NaN")
    func missingChangeIsNullInJSON() throws {
        // The microwire has no gamma power at all: its change is undefined.
        let input = steadyInput([
            (ReportInput.Channel(name: "RA1-RA2", region: "right amygdala", detectsSpikes: false), 10, 20),
            (ReportInput.Channel(name: "mRA1", region: "right amygdala", detectsSpikes: true, contacts: .micro), 0, 0),
        ])
        let report = try SessionReport(input: input, baselineSeconds: 30, window: 10...50)
        #expect(report.regions[1].bandChangeDecibels[1].isNaN)
        let json = try JSONText.encode(report)
        #expect(!json.contains("NaN"), "JSON has no NaN")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let regions = try #require(parsed["regions"] as? [[String: Any]])
        let change = try #require(regions[1]["bandChangeDecibels"] as? [Any])
        #expect(change[0] is NSNumber && change[1] is NSNull)
        let interval = try #require((regions[1]["bandIntervals"] as? [[String: Any]])?[1])
        #expect(interval["low"] is NSNull && interval["high"] is NSNull && interval["excludesZero"] as? Bool == false)
        let notes = try #require(parsed["notes"] as? [String])
        #expect(notes == ["right amygdala (microwires) gamma: no change (null in JSON): no channel has band power in both the baseline and the window"])
        let decoded = try JSONText.decode(SessionReport.self, from: json)
        #expect(decoded.regions[1].bandChangeDecibels[1].isNaN && decoded.regions[1].bandIntervals[1].low.isNaN)
        #expect(decoded.regions[0] == report.regions[0])
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
