import KetaMapControl
import KetaMapCore
import KetaMapDSP
import KetaMapStorage

/// Reads what the report needs from a session file: every stream's band
/// power (from its stored LFP, `LFPBandPower`) and threshold crossings, placed
/// on the first stream's clock (the one doses are stamped on) through the
/// streams' clock tables.
public enum SessionReportInput {
    /// `shortestRangeSeconds`: the shorter of the baseline and the window to be
    /// reported, which sets the spectra's segment length (8 s, shorter only for short ranges).
    public static func read(path: String, shortestRangeSeconds: Double = .infinity) throws -> ReportInput {
        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        let voided = try reader.voidedDoses()
        let doses = try reader.doses()
        let first = reader.streams[0]
        // A stream's time t is the first stream's t + shift: both are session-clock time minus their clock offsets.
        let shift = reader.streams.map { $0.clockOffsetSeconds - first.clockOffsetSeconds }
        let spectral = try reader.streams.indices.compactMap { index in try LFPBandPower.read(reader, stream: index, shortestRangeSeconds: shortestRangeSeconds).map { (index, $0) } }
        let powered = spectral.map { ($0.0, $0.1.power) }
        let grid = PowerGrid(powered.map { (index, power) in (power, shift[index]) })
        var crossings: [(seconds: Double, channel: Int)] = []
        for (index, stream) in reader.streams.enumerated() {
            for (channel, times) in try reader.thresholdCrossingTimes(stream: index).enumerated() {
                crossings += times.map { (seconds: $0 + shift[index], channel: stream.processedChannels.lowerBound + channel) }
            }
        }
        // Only channels with band power are columns of the report; crossings are renumbered to them.
        let columns = powered.flatMap { reader.streams[$0.0].processedChannels }
        let column = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($0.element, $0.offset) })
        crossings = crossings.compactMap { crossing in column[crossing.channel].map { (seconds: crossing.seconds, channel: $0) } }
        var input = ReportInput(
            bands: powered.first?.1.bands ?? [], bandPowerRateHz: grid.rateHz, bandPowerStartSeconds: grid.startSeconds,
            channels: columns.map { reader.processedChannels[$0] }.map { channel in
                let contacts = reader.montage.channels
                return ReportInput.Channel(
                    name: channel.name, region: channel.region, detectsSpikes: channel.detectsSpikes, position: position(of: channel, in: reader.montage),
                    contacts: contacts[channel.anode].kind, isBoundary: channel.cathode.map { contacts[$0].region != contacts[channel.anode].region } ?? false)
            },
            power: grid.values, doses: doses.filter { voided[$0.eventID] == nil }, crossings: crossings,
            durationSeconds: Double(reader.frameCount) / reader.format.sampleRateHz, voidedDoses: doses.filter { voided[$0.eventID] != nil })
        input.subjectID = reader.subjectID
        input.sessionID = reader.sessionID
        input.coordinateSpace = reader.montage.coordinateSpace
        input.notes = grid.notes(powered.map { reader.streams[$0.0].name ?? "" })
        if let (stream, first) = spectral.first, let lfp = try reader.lfp(stream: stream) {
            input.rowSeconds = first.rowSeconds
            input.bandPowerMethod = LFPBandPower.method(rowSeconds: first.rowSeconds)
            if first.rowSeconds * lfp.rateHz < Double(SpectralBandPower.segmentRows(lfpRateHz: lfp.rateHz)) {
                input.notes.append("\(input.bandPowerMethod): the baseline or the window is shorter than three 8 s segments")
            }
        }
        return input
    }

    /// Several streams' band power on one grid of rows: the first series' rate,
    /// over the span every series covers, each row taken from the nearest row
    /// of each series. One series is its own grid.
    struct PowerGrid {
        var rateHz = 1.0
        var startSeconds = 0.0
        var rowCount = 0
        /// `[row][channel][band]`, the series' channels side by side.
        var values: [Float] = []
        /// Where each series ends, on the grid's clock.
        private var ends: [Double] = []

        /// `series`: each stream's band power and the shift from the grid's clock to its own.
        init(_ series: [(power: BandPowerSeries, shift: Double)]) {
            guard let reference = series.first?.power, reference.rateHz > 0 else { return }
            rateHz = reference.rateHz
            ends = series.map { $0.power.startSeconds - $0.shift + Double($0.power.rowCount) / max($0.power.rateHz, .leastNonzeroMagnitude) }
            startSeconds = series.map { $0.power.startSeconds - $0.shift }.max() ?? 0
            rowCount = max(0, Int(((ends.min() ?? 0) - startSeconds) * rateHz + 1e-9))
            guard series.count > 1 || reference.startSeconds != startSeconds || reference.rowCount != rowCount else {
                values = reference.valuesMicrovoltsSquared
                return
            }
            let width = series.reduce(0) { $0 + $1.power.channels.count * $1.power.bands.count }
            values.reserveCapacity(rowCount * width)
            for row in 0..<rowCount {
                let seconds = startSeconds + Double(row) / rateHz
                for (power, shift) in series {
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
