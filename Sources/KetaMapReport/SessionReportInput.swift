import KetaMapControl
import KetaMapCore
import KetaMapDSP
import KetaMapStorage

/// Reads what the report needs from a session file: every stream's band
/// power (from its stored LFP, `LFPBandPower`) and threshold crossings, placed
/// on the first stream's clock (the one doses are stamped on) through the
/// streams' clock tables.
///
/// Opening reads the file's metadata only (doses, each stream's LFP and
/// bands). From it `timeline(shortestRangeSeconds:)` tells where the rows of
/// spectra of a segment length will lie, so that a report settles its ranges
/// (and with them the segment length) before `read` computes the spectra, once.
/// Not thread-safe, as its `NWBSessionReader`.
public final class SessionReportInput {
    private let reader: NWBSessionReader
    /// The doses that stand, in the order recorded, and the voided ones.
    private let doses: [DoseEvent]
    private let voidedDoses: [DoseEvent]
    /// A stream's time t is the first stream's t + shift: both are session-clock time minus their clock offsets.
    private let shift: [Double]
    /// The streams with band power: their index, stored LFP and bands.
    private let spectral: [(stream: Int, lfp: NWBSessionReader.LFPSeries, bands: [ProcessingSettings.Band])]

    /// Opens `path` and reads its doses and its streams' LFP and bands.
    public init(path: String) throws {
        reader = try NWBSessionReader(path: path)
        let voided = try reader.voidedDoses()
        let recorded = try reader.doses()
        doses = recorded.filter { voided[$0.eventID] == nil }
        voidedDoses = recorded.filter { voided[$0.eventID] != nil }
        let first = reader.streams[0]
        shift = reader.streams.map { $0.clockOffsetSeconds - first.clockOffsetSeconds }
        let reader = self.reader
        spectral = try reader.streams.indices.compactMap { index in
            guard let lfp = try reader.lfp(stream: index), lfp.rateHz > 0, let bands = try reader.bandPowerBands(stream: index), !bands.isEmpty else { return nil }
            return (index, lfp, bands)
        }
    }

    /// Closes the file. Reading afterwards traps.
    public func close() { reader.close() }

    /// The rows `read(shortestRangeSeconds:)` will give, their doses and notes, without computing a spectrum.
    public func timeline(shortestRangeSeconds: Double = .infinity) -> ReportTimeline { plan(shortestRangeSeconds).timeline }

    /// Every stream's band power, in spectra whose segments `shortestRangeSeconds`
    /// (the shorter of the baseline and the window to be reported) holds three of
    /// (8 s, shorter only for short ranges), and threshold crossings. `progress`
    /// hears of each stream's spectra as they start.
    public func read(shortestRangeSeconds: Double = .infinity, progress: (String) -> Void = { _ in }) throws -> ReportInput {
        // The timeline read will give is the one `timeline` promised: both come from `plan`.
        let (layouts, planned, timeline) = plan(shortestRangeSeconds)
        var grid = planned
        var powered: [BandPowerSeries] = []
        for (one, layout) in zip(spectral, layouts) {
            progress(LFPBandPower.describe(layout, stream: reader.streams[one.stream].name))
            powered.append(try LFPBandPower.read(reader, stream: one.stream, lfp: one.lfp, bands: one.bands, layout: layout))
        }
        grid.fill(powered)
        var crossings: [(seconds: Double, channel: Int)] = []
        for (index, stream) in reader.streams.enumerated() {
            for (channel, times) in try reader.thresholdCrossingTimes(stream: index).enumerated() {
                crossings += times.map { (seconds: $0 + shift[index], channel: stream.processedChannels.lowerBound + channel) }
            }
        }
        // Only channels with band power are columns of the report; crossings are renumbered to them.
        let columns = spectral.flatMap { reader.streams[$0.stream].processedChannels }
        let column = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($0.element, $0.offset) })
        crossings = crossings.compactMap { crossing in column[crossing.channel].map { (seconds: crossing.seconds, channel: $0) } }
        let contacts = reader.montage.channels
        var input = ReportInput(
            timeline: timeline,
            channels: columns.map { reader.processedChannels[$0] }.map { channel in
                ReportInput.Channel(
                    name: channel.name, region: channel.region, detectsSpikes: channel.detectsSpikes, position: Self.position(of: channel, in: reader.montage),
                    contacts: contacts[channel.anode].kind, isBoundary: channel.cathode.map { contacts[$0].region != contacts[channel.anode].region } ?? false)
            },
            power: grid.values, crossings: crossings, durationSeconds: Double(reader.frameCount) / reader.format.sampleRateHz)
        input.subjectID = reader.subjectID
        input.sessionID = reader.sessionID
        input.coordinateSpace = reader.montage.coordinateSpace
        if !layouts.isEmpty { input.bandPowerMethod = LFPBandPower.method(rowSeconds: timeline.rowSeconds) }
        return input
    }

    /// Each stream's rows in spectra sized for `shortestRangeSeconds`, their grid, and the timeline they make.
    private func plan(_ shortestRangeSeconds: Double) -> (layouts: [LFPBandPower.Layout], grid: PowerGrid, timeline: ReportTimeline) {
        let layouts = spectral.map { LFPBandPower.Layout(lfp: $0.lfp, shortestRangeSeconds: shortestRangeSeconds) }
        let grid = PowerGrid(zip(layouts, spectral).map { (layout: $0, shift: shift[$1.stream]) })
        let timeline = ReportTimeline(
            bands: spectral.first?.bands ?? [], bandPowerRateHz: grid.rateHz, bandPowerStartSeconds: grid.startSeconds, rowCount: grid.rowCount,
            rowSeconds: layouts.first?.rowSeconds ?? 0, doses: doses, voidedDoses: voidedDoses, notes: notes(grid, layouts))
        return (layouts, grid, timeline)
    }

    /// What the report must say about how the file is read: streams that ended early, segments shorter than 8 s.
    private func notes(_ grid: PowerGrid, _ layouts: [LFPBandPower.Layout]) -> [String] {
        var notes = grid.notes(spectral.map { reader.streams[$0.stream].name ?? "" })
        if let one = spectral.first, let first = layouts.first, first.segmentRows < SpectralBandPower.segmentRows(lfpRateHz: one.lfp.rateHz) {
            notes.append("\(LFPBandPower.method(rowSeconds: first.rowSeconds)): the baseline or the window is shorter than three 8 s segments")
        }
        return notes
    }

    /// Several streams' band power on one grid of rows: the first series' rate,
    /// over the span every series covers, each row taken from the nearest row
    /// of each series. One series is its own grid.
    struct PowerGrid {
        var rateHz = 1.0
        var startSeconds = 0.0
        var rowCount = 0
        /// `[row][channel][band]`, the series' channels side by side (after `fill`).
        var values: [Float] = []
        /// Each series' rows and shift, and where it ends, on the grid's clock.
        private let series: [(layout: LFPBandPower.Layout, shift: Double)]
        private var ends: [Double] = []

        /// `series`: each stream's rows and the shift from the grid's clock to its own.
        init(_ series: [(layout: LFPBandPower.Layout, shift: Double)]) {
            self.series = series
            guard let reference = series.first?.layout, reference.rateHz > 0 else { return }
            rateHz = reference.rateHz
            ends = series.map { $0.layout.startSeconds - $0.shift + Double($0.layout.rowCount) / max($0.layout.rateHz, .leastNonzeroMagnitude) }
            startSeconds = series.map { $0.layout.startSeconds - $0.shift }.max() ?? 0
            rowCount = max(0, Int(((ends.min() ?? 0) - startSeconds) * rateHz + 1e-9))
        }

        /// Takes the rows of `powers` (the series' band power, in the order given to `init`).
        mutating func fill(_ powers: [BandPowerSeries]) {
            guard let reference = powers.first, reference.rateHz > 0 else { return }
            guard powers.count > 1 || reference.startSeconds != startSeconds || reference.rowCount != rowCount else {
                values = reference.valuesMicrovoltsSquared
                return
            }
            let width = powers.reduce(0) { $0 + $1.channels.count * $1.bands.count }
            values.reserveCapacity(rowCount * width)
            for row in 0..<rowCount {
                let seconds = startSeconds + Double(row) / rateHz
                for (power, (_, shift)) in zip(powers, series) {
                    let own = min(power.rowCount - 1, max(0, Int(((seconds + shift - power.startSeconds) * power.rateHz).rounded())))
                    let rowWidth = power.channels.count * power.bands.count
                    values += power.valuesMicrovoltsSquared[(own * rowWidth)..<((own + 1) * rowWidth)]
                }
            }
        }

        /// A note for each stream that ended more than a row before the others did.
        func notes(_ names: [String]) -> [String] {
            guard let last = ends.max() else { return [] }
            return zip(names, ends).filter { last - $0.1 > 1 / rateHz }.map { name, end in
                "stream \(name) ends at \(StatusText.formatDuration(end)); the report covers the \(StatusText.formatDuration(end - startSeconds)) every stream recorded"
            }
        }
    }

    /// A processed channel's place: its contact's, or the midpoint of a bipolar pair.
    static func position(of channel: ProcessedChannel, in montage: Montage) -> ReportInput.Position? {
        let contacts = [channel.anode] + (channel.cathode.map { [$0] } ?? [])
        let points = contacts.compactMap { index -> ReportInput.Position? in
            let c = montage.channels[index]
            guard let x = c.x, let y = c.y, let z = c.z else { return nil }
            return ReportInput.Position(x: x, y: y, z: z)
        }
        guard points.count == contacts.count else { return nil }
        let n = Double(points.count)
        let x: Double = points.reduce(0) { $0 + $1.x } / n
        let y: Double = points.reduce(0) { $0 + $1.y } / n
        let z: Double = points.reduce(0) { $0 + $1.z } / n
        return ReportInput.Position(x: x, y: y, z: z)
    }
}
