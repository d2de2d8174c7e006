import Foundation
import KetaMapCore
import KetaMapDSP

/// One stream's part of the session file: its `ElectricalSeries` (raw
/// samples, chunk-buffered), its LFP and band-power series, its threshold
/// crossings and (in a session of several streams) its clock table.
/// Created and called by `NWBSessionWriter` on the recorder thread only.
///
/// Raw row n of the stream's series is the stream's sample index n. A
/// session of one stream keeps the paths of `NWBLayout`; a named stream
/// adds `_<name>` to each (`ElectricalSeries_micro`, `LFP_micro`, …).
public final class NWBStreamWriter {
    /// The stream's name, or nil for the one stream of a single-source session.
    public let name: String?
    public let format: SampleFormat

    let raw: HDF5Dataset
    let lfp: NWBRowRun?
    let bandPower: NWBRowRun?
    let crossings: NWBTable<NWBSchema.CrossingRow>?
    /// The stream's `sample_clock_<name>` (nil for the one stream: the session's `sample_clock` is its).
    let clock: NWBTable<NWBSchema.StreamClockRow>?
    private var firstClockRow: (sessionSeconds: Double, offsetSeconds: Double)?
    /// The newest clock row's offset (session time − sample index / rate), in seconds; 0 before the first.
    public private(set) var latestOffsetSeconds = 0.0

    private let channelCount: Int
    private let rateHz: Double
    private let chunkFrames: Int
    private let chunkChannels: Int
    private let chunkColumns: Int
    private let directChunkWrites: Bool
    private let rowBuffer: UnsafeMutableBufferPointer<Int16>
    private var bufferedFrames = 0
    private var persistedFrames = 0
    private var chunkStartFrame: UInt64 = 0
    private let flushFrames: UInt64
    private var nextFlushFrame: UInt64

    /// Electrodes row of processed channel 0 of this stream.
    private let processedRowOffset: Int
    private let processedCount: Int
    private let snippetCount: Int
    private let crossingCapacity = 1024
    private var crossingCount = 0
    private let crossingRows: UnsafeMutableBufferPointer<NWBSchema.CrossingRow>
    /// Row i's waveform is `snippetCount` floats from i × snippetCount.
    private let crossingWaveforms: UnsafeMutableBufferPointer<Float>

    /// Frames received by `appendRaw` so far (written or buffered): the next raw row's sample index.
    public var framesWritten: UInt64 { chunkStartFrame + UInt64(bufferedFrames) }

    /// Paths of this stream's objects.
    var rawPath: String { NWBLayout.raw + suffix }
    var lfpPath: String { NWBLayout.lfp + suffix }
    var bandPowerPath: String { NWBLayout.bandPower + suffix }
    var crossingsPath: String { NWBLayout.thresholdCrossings + suffix }
    var clockPath: String { NWBLayout.clock + suffix }
    private var suffix: String { NWBLayout.streamSuffix(name) }

    /// Creates the stream's series and tables (before SWMR starts).
    init(
        _ stream: StreamDescription, of d: SessionDescription, root: HDF5Location, ecephys: HDF5Location?, lfpContainer: HDF5Location?
    ) throws {
        name = stream.name
        format = stream.format
        channelCount = stream.format.channelCount
        rateHz = stream.format.sampleRateHz
        chunkFrames = max(1, Int((d.storage.chunkSeconds * rateHz).rounded()))
        flushFrames = max(1, UInt64((d.storage.flushSeconds * rateHz).rounded()))
        nextFlushFrame = flushFrames
        let processed = Array(d.processedChannels[stream.processedChannels])
        processedCount = processed.count
        snippetCount = max(1, stream.name == nil ? d.snippetSampleCount : stream.snippetSampleCount(d.processing))
        processedRowOffset = (d.processedChannelsAreRawRows ? 0 : d.montage.channels.count) + stream.processedChannels.lowerBound
        let label = stream.name.map { " of stream \($0)" } ?? ""
        let suffix = NWBLayout.streamSuffix(stream.name)

        // Raw samples: [frame, channel] int16, chunks of chunkSeconds × at most 64 channels,
        // the channels shared evenly among the chunk columns: 108 channels are 2 × 54, not
        // 2 × 64 with 20 channels of padding stored in every row of chunks.
        let widest = min(channelCount, max(1, d.rawChunkChannels ?? 64))
        chunkColumns = (channelCount + widest - 1) / widest
        let chunkChannels = (channelCount + chunkColumns - 1) / chunkColumns
        self.chunkChannels = chunkChannels
        directChunkWrites = d.storage.deflateLevel == nil
        let rowBytes = chunkFrames * channelCount * MemoryLayout<Int16>.stride
        let acquisition = try root.openGroup("acquisition")
        let series = try acquisition.location.createGroup("ElectricalSeries" + suffix)
        try NWBSessionWriter.tagTimeSeries(
            series.location, type: "ElectricalSeries",
            description: "Raw samples\(label) as the card gives them, re-centred to signed int16; row n is the stream's sample index n"
                + (stream.name == nil ? "" : " (\(Self.hertz(rateHz)) Hz; its sample_clock\(suffix) table maps it to the session clock)")
                + ". Volts = data × conversion × channel_conversion + offset.")
        raw = try series.location.createDataset(
            "data", of: Int16.self,
            shape: HDF5DatasetShape(
                dims: [0, UInt64(channelCount)], maxDims: [nil, UInt64(channelCount)], chunk: [UInt64(chunkFrames), UInt64(chunkChannels)],
                deflateLevel: d.storage.deflateLevel, chunkCacheBytes: 2 * rowBytes + (1 << 20)))
        let calibration = stream.format.calibration
        try NWBSessionWriter.setDataAttributes(
            raw.location, unit: "volts", conversion: calibration.voltsPerCount, offset: calibration.offsetVolts, resolution: calibration.voltsPerCount)
        try NWBSessionWriter.writeStartingTime(series.location, rate: rateHz, start: 0)
        try NWBSessionWriter.writeRegion(
            series.location, root: root, rows: Array(stream.firstRow..<(stream.firstRow + channelCount)),
            description: stream.name == nil ? "every recorded contact, in frame-column order" : "the contacts of stream \(stream.name!), in frame-column order")
        let conversion = try series.location.writeArray("channel_conversion", calibration.channelGains, dims: [UInt64(channelCount)])
        try conversion.location.setAttribute("axis", Int64(1))
        try conversion.close()
        try series.close()
        try acquisition.close()

        let processedRows = Array(processedRowOffset..<(processedRowOffset + processedCount))
        if let ecephys, let lfpContainer, processedCount > 0 {
            let lfpSeries = try lfpContainer.createGroup("LFP" + suffix)
            try NWBSessionWriter.tagTimeSeries(
                lfpSeries.location, type: "ElectricalSeries", description: "Decimated LFP of the processed channels\(label), in microvolts (conversion 1e-6 gives volts).")
            try lfpSeries.location.setAttribute("filtering", "re-reference \(d.processing.reference.rawValue); anti-alias and decimate to \(d.processing.lfpRateHz) Hz; line canceller \(d.processing.lineFrequencyHz.map { "\($0) Hz × \(d.processing.lineHarmonics), null \(d.processing.lineBandwidthHz) Hz wide" } ?? "off")")
            let lfpChunkRows = UInt64(max(1, Int(d.processing.lfpRateHz.rounded())))
            let lfpData = try lfpSeries.location.createDataset(
                "data", of: Float.self, shape: .growable(rowDims: [UInt64(processedCount)], chunkRows: lfpChunkRows, chunkCacheBytes: 4 * Int(lfpChunkRows) * processedCount * 4))
            lfp = NWBRowRun(lfpData, rowValues: processedCount, chunkRows: Int(lfpChunkRows))
            try NWBSessionWriter.setDataAttributes(lfpData.location, unit: "volts", conversion: 1e-6, offset: 0, resolution: -1)
            try NWBSessionWriter.writeStartingTime(lfpSeries.location, rate: d.processing.lfpRateHz, start: stream.name == nil ? d.lfpStartSeconds : 0)
            try NWBSessionWriter.writeRegion(lfpSeries.location, root: root, rows: processedRows, description: "processed channels\(label)")
            try lfpSeries.close()

            let bandCount = d.processing.bands.count
            let power = try ecephys.createGroup("BandPower" + suffix)
            try NWBSessionWriter.tagTimeSeries(power.location, type: "DecompositionSeries", description: "Band power\(label): mean square of the band-filtered LFP over max(1 s, 3 cycles of the band's low edge), in µV². dB = 10·log10(P / 1 µV²).")
            let powerChunkRows = UInt64(max(16, Int((d.processing.bandPowerRateHz * 10).rounded())))
            // The cache holds the chunk being filled row by row (no read-modify-write per row).
            let powerChunkBytes = Int(powerChunkRows) * processedCount * bandCount * MemoryLayout<Float>.stride
            let powerData = try power.location.createDataset(
                "data", of: Float.self,
                shape: .growable(rowDims: [UInt64(processedCount), UInt64(bandCount)], chunkRows: powerChunkRows, chunkCacheBytes: 2 * powerChunkBytes + (1 << 20)))
            bandPower = NWBRowRun(powerData, rowValues: processedCount * bandCount, chunkRows: Int(powerChunkRows))
            try NWBSessionWriter.setDataAttributes(powerData.location, unit: "uV^2", conversion: 1, offset: 0, resolution: -1)
            try power.location.writeString("metric", "power")
            try NWBSessionWriter.writeStartingTime(power.location, rate: d.processing.bandPowerRateHz, start: stream.name == nil ? d.bandPowerStartSeconds : 0)
            try NWBSessionWriter.writeRegion(power.location, root: root, rows: processedRows, description: "processed channels\(label)", name: "source_channels")
            try power.location.createSoftLink("source_timeseries", to: NWBLayout.lfp + suffix)
            try NWBSessionWriter.writeBands(power.location, d.processing.bands)
            try power.close()
        } else {
            lfp = nil
            bandPower = nil
        }

        crossingRows = .allocate(capacity: crossingCapacity)
        crossingWaveforms = .allocate(capacity: crossingCapacity * snippetCount)
        let events = try root.openGroup("events")
        if d.processing.enabled && processed.contains(where: \.detectsSpikes) {
            crossings = try NWBTable(
                in: events.location, name: "threshold_crossings" + suffix, type: "EventsTable",
                description: "Threshold crossings\(label) of the spike band (\(d.processing.spikeLowHz)–\(d.processing.spikeHighHz) Hz) at \(d.processing.spikeThresholdK) × median(|x|)/0.6745, polarity \(d.processing.spikePolarity.rawValue), refractory \(d.processing.spikeRefractoryMilliseconds) ms.",
                fields: NWBSchema.thresholdCrossings(
                    rateHz: rateHz, series: "ElectricalSeries" + suffix, snippetCount: snippetCount, waveforms: UnsafePointer(crossingWaveforms.baseAddress!),
                    d.processing),
                chunkRows: 1024, runRows: crossingCapacity, root: root, sourceDescription: "ketamapd online threshold detector")
        } else {
            crossings = nil
        }
        if let name = stream.name {
            clock = try NWBTable(
                in: events.location, name: "sample_clock" + suffix, type: "EventsTable",
                description: "Stream \(name)'s sample clock against the session clock (CLOCK_MONOTONIC since the session started), every few seconds: the session time of sample_index is timestamp; offset_seconds = timestamp − sample_index / rate; its slope is the drift of the stream's oscillator.",
                fields: NWBSchema.streamClock(), chunkRows: 64, root: root)
        } else {
            clock = nil
        }
        try events.close()

        // One row of chunks in stored layout: [chunk column][frame][channel within the chunk],
        // zero-padded at the right edge, so that each chunk is contiguous and goes out as it is.
        rowBuffer = .allocate(capacity: chunkColumns * chunkFrames * chunkChannels)
        rowBuffer.initialize(repeating: 0)
    }

    /// `30000`, `2000.5`: a rate as people write it.
    static func hertz(_ value: Double) -> String { value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value) }

    deinit {
        rowBuffer.deallocate()
        crossingRows.deallocate()
        crossingWaveforms.deallocate()
    }

    // MARK: Hot path

    /// Appends interleaved raw frames `[frame][channel]` (`frames.count` a
    /// multiple of the channel count); their sample indices continue from
    /// `framesWritten`. Buffers up to a row of chunks and writes whole rows
    /// of chunks (`flushDue` says when `storage.flushSeconds` of samples have come).
    /// No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendRaw(_ frames: UnsafeBufferPointer<Int16>) throws {
        precondition(frames.count % channelCount == 0, "\(frames.count) samples is not a whole number of \(channelCount)-channel frames")
        guard var source = frames.baseAddress else { return }
        var remaining = frames.count / channelCount
        while remaining > 0 {
            let take = min(remaining, chunkFrames - bufferedFrames)
            let chunkSize = chunkFrames * chunkChannels
            for frame in 0..<take {
                let target = rowBuffer.baseAddress! + (bufferedFrames + frame) * chunkChannels
                var column = 0
                var firstChannel = 0
                while firstChannel + chunkChannels <= channelCount {
                    (target + column * chunkSize).update(from: source + firstChannel, count: chunkChannels)
                    column += 1
                    firstChannel += chunkChannels
                }
                if firstChannel < channelCount {
                    (target + column * chunkSize).update(from: source + firstChannel, count: channelCount - firstChannel)
                }
                source += channelCount
            }
            bufferedFrames += take
            remaining -= take
            if bufferedFrames == chunkFrames { try writeBufferedRaw() }
        }
    }

    /// `true` once `storage.flushSeconds` of samples came since the last cadence flush.
    var flushDue: Bool { framesWritten >= nextFlushFrame }

    /// The session writer flushed for the cadence: the next flush is one period on.
    func scheduleNextFlush() { nextFlushFrame = (framesWritten / flushFrames + 1) * flushFrames }

    /// Writes the buffered frames not yet on disk; starts a new chunk row when the current one is full.
    /// A full row of chunks goes out as whole chunks (`H5Dwrite_chunk`) unless HDF5 must compress it;
    /// a partial one (at a flush), or any with deflate, through `H5Dwrite`, one chunk column at a time.
    func writeBufferedRaw() throws(HDF5Error) {
        let chunkSize = chunkFrames * chunkChannels
        if bufferedFrames == chunkFrames && directChunkWrites {
            try raw.grow(toRows: chunkStartFrame + UInt64(chunkFrames))
            for column in 0..<chunkColumns {
                try raw.writeChunk(
                    row: chunkStartFrame, column: UInt64(column * chunkChannels),
                    UnsafeBufferPointer(start: rowBuffer.baseAddress! + column * chunkSize, count: chunkSize))
            }
            persistedFrames = bufferedFrames
        } else if bufferedFrames > persistedFrames {
            try raw.grow(toRows: chunkStartFrame + UInt64(bufferedFrames))
            for column in 0..<chunkColumns {
                let firstChannel = column * chunkChannels
                try raw.writeBlock(
                    row: chunkStartFrame + UInt64(persistedFrames), column: UInt64(firstChannel), rows: bufferedFrames - persistedFrames,
                    columns: min(chunkChannels, channelCount - firstChannel), stride: chunkChannels,
                    from: UnsafePointer(rowBuffer.baseAddress! + column * chunkSize + persistedFrames * chunkChannels))
            }
            persistedFrames = bufferedFrames
        }
        if bufferedFrames == chunkFrames {
            chunkStartFrame += UInt64(chunkFrames)
            bufferedFrames = 0
            persistedFrames = 0
        }
    }

    /// Appends LFP rows `[row][processedChannel]` in microvolts at `lfpRateHz`,
    /// gathered into runs of up to a chunk (written when the chunk fills and at
    /// `flush()`). No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendLFP(_ rows: UnsafeBufferPointer<Float>) throws {
        guard let lfp else { return }
        try lfp.append(rows)
    }

    /// Appends band-power rows `[row][processedChannel][band]` in µV² at `bandPowerRateHz`,
    /// gathered into runs as the LFP is. No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendBandPower(_ row: UnsafeBufferPointer<Float>) throws {
        guard let bandPower else { return }
        try bandPower.append(row)
    }

    /// Records a threshold crossing at the stream's `sampleIndex` on its processed
    /// channel `processedChannel` with its peak amplitude (µV) and waveform snippet
    /// (µV, `snippetSampleCount` samples; shorter is zero-padded, longer cut).
    /// Buffered (1024 rows) and written on `flush()`. No allocation.
    public func appendThresholdCrossing(sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>) throws {
        guard crossings != nil else { return }
        precondition(processedChannel >= 0 && processedChannel < processedCount, "processed channel \(processedChannel) out of range")
        if crossingCount == crossingCapacity { try writeCrossings() }
        let i = crossingCount
        crossingRows[i] = NWBSchema.CrossingRow(
            sampleIndex: sampleIndex, electrodeRow: Int64(processedRowOffset + processedChannel), amplitudeMicrovolts: amplitudeMicrovolts, waveformRow: i)
        let n = min(snippetCount, waveform.count)
        let target = crossingWaveforms.baseAddress! + i * snippetCount
        if n > 0 { target.update(from: waveform.baseAddress!, count: n) }
        if n < snippetCount { (target + n).update(repeating: 0, count: snippetCount - n) }
        crossingCount += 1
    }

    /// Writes what is gathered and not yet on disk: raw frames, threshold crossings, LFP and band-power rows.
    func writeBuffered() throws(HDF5Error) {
        try writeBufferedRaw()
        try writeCrossings()
        try lfp?.write()
        try bandPower?.write()
    }

    private func writeCrossings() throws(HDF5Error) {
        guard let crossings, crossingCount > 0 else { return }
        try crossings.append(UnsafeBufferPointer(rebasing: crossingRows[0..<crossingCount]))
        crossingCount = 0
    }

    // MARK: Rare rows

    /// Adds a row to the stream's clock table: its newest sample index at
    /// `sessionSeconds` of the session clock, the offset of its nominal time
    /// (index / rate) from that, and the drift since the first row. A session
    /// of one stream has no table of its own (its sample clock is the session clock).
    public func addClockSample(sampleIndex: UInt64, sessionSeconds: Double, wallClock: Date, monotonicSeconds: Double) throws {
        guard let clock else { return }
        let offset = sessionSeconds - Double(sampleIndex) / rateHz
        latestOffsetSeconds = offset
        var drift = Double.nan
        if let first = firstClockRow, sessionSeconds > first.sessionSeconds {
            drift = (offset - first.offsetSeconds) / (sessionSeconds - first.sessionSeconds) * 1e6
        } else if firstClockRow == nil {
            firstClockRow = (sessionSeconds, offset)
        }
        try clock.append(
            NWBSchema.StreamClockRow(
                sessionSeconds: sessionSeconds, sampleIndex: sampleIndex, offsetSeconds: offset, driftPPM: drift, wallClock: wallClock,
                monotonicSeconds: monotonicSeconds))
    }

    /// Closes the stream's datasets and tables, reporting the first error.
    func close() -> (any Error)? {
        var firstError: (any Error)?
        for dataset in [raw, lfp?.dataset, bandPower?.dataset].compactMap({ $0 }) {
            do { try dataset.close() } catch { firstError = firstError ?? error }
        }
        let tables: [() throws -> Void] = [crossings?.close, clock?.close].compactMap { $0 }
        for close in tables {
            do { try close() } catch { firstError = firstError ?? error }
        }
        return firstError
    }
}

/// Where one stream sits in the session file: its name, sample format, its
/// rows of the electrodes table and its processed channels.
public struct StreamDescription: Sendable, Equatable {
    /// nil for the one stream of a single-source session (the paths without a suffix).
    public var name: String?
    public var format: SampleFormat
    /// Electrodes row of the stream's first channel (its channels are the next `format.channelCount` rows).
    public var firstRow: Int
    /// The stream's processed channels: indices into `SessionDescription.processedChannels`.
    public var processedChannels: Range<Int>

    public init(name: String?, format: SampleFormat, firstRow: Int, processedChannels: Range<Int>) {
        self.name = name
        self.format = format
        self.firstRow = firstRow
        self.processedChannels = processedChannels
    }

    /// Samples per threshold-crossing waveform at this stream's rate.
    func snippetSampleCount(_ processing: ProcessingSettings) -> Int {
        Int(((processing.snippetBeforeMilliseconds + processing.snippetAfterMilliseconds) * format.sampleRateHz / 1000).rounded())
    }
}
