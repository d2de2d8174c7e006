import Foundation
import KetaMapCore

/// Writes one session as an NWB 2.11.0 file through HDF5, in SWMR mode so
/// that readers can open it while it grows.
///
/// Call order (all on the recorder thread; HDF5 is treated as single-threaded):
/// ```
/// init(creating:description:)    create the file, write all structure and metadata, start SWMR
///   appendRaw / appendLFP / appendBandPower / appendThresholdCrossing   (hot path, no allocation)
///   addDose / addVoid / addWeight / addMark / addGap / addClockSample   (rare rows)
///   flush()                       (also done by appendRaw every `storage.flushSeconds` of samples)
/// close(fault:)                   write what is buffered, close; reopen without SWMR to drop empty tables
/// ```
/// Raw row n of `/acquisition/ElectricalSeries/data` is sample index n.
/// Raw samples are buffered and written a whole row of chunks at a time;
/// `flush()` also writes the part of a chunk row received so far, so a crash
/// loses at most what came after the last flush.
public final class NWBSessionWriter {
    /// The session file.
    public let path: String
    /// What the file was created with.
    public let sessionDescription: SessionDescription

    private var file: HDF5File?
    private let raw: HDF5Dataset
    private let lfp: HDF5Dataset?
    private let bandPower: HDF5Dataset?
    private let crossings: NWBTable?
    private let marks: NWBTable
    private let clock: NWBTable
    private let dosing: NWBTable
    private let voids: NWBTable
    private let weights: NWBTable
    private let gaps: NWBTable

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

    private let processedRowOffset: Int
    private let processedCount: Int
    private let bandCount: Int
    private let snippetCount: Int
    private let crossingCapacity = 1024
    private var crossingCount = 0
    private let crossingTimes: UnsafeMutableBufferPointer<Double>
    private let crossingSamples: UnsafeMutableBufferPointer<Int64>
    private let crossingElectrodes: UnsafeMutableBufferPointer<Int64>
    private let crossingAmplitudes: UnsafeMutableBufferPointer<Float>
    private let crossingWaveforms: UnsafeMutableBufferPointer<Float>
    private var lastDoseStart: UInt64?
    /// Row of `/intervals/dosing` of each dose, by event id (a void overwrites the row's `voided_by`).
    private var doseRows: [UInt64: UInt64] = [:]

    /// Frames received by `appendRaw` so far (written or buffered): the next raw row's sample index.
    public var framesWritten: UInt64 { chunkStartFrame + UInt64(bufferedFrames) }
    /// Frames on disk as of the last `flush()`.
    public private(set) var framesFlushed: UInt64 = 0

    /// Creates `path` (refusing to overwrite an existing file), writes the
    /// whole NWB structure and metadata, caches the specifications in
    /// `/specifications`, and starts SWMR. The file is built as
    /// `<path>.creating` and linked to `path` once SWMR runs, so `path` is
    /// always openable. Recorder thread.
    /// The C functions are `H5Fcreate`, `H5Dcreate2`, `H5Acreate2` and `H5Fstart_swmr_write`.
    public init(creating path: String, description: SessionDescription) throws {
        if FileManager.default.fileExists(atPath: path) {
            throw SessionFileError("exists already; a session never overwrites a file (a restart continues in <session>-2.nwb)", path: path)
        }
        precondition(description.montage.channels.count == description.format.channelCount, "one montage channel per frame column")
        self.path = path
        self.sessionDescription = description
        let d = description
        channelCount = d.format.channelCount
        rateHz = d.format.sampleRateHz
        chunkFrames = max(1, Int((d.storage.chunkSeconds * rateHz).rounded()))
        flushFrames = max(1, UInt64((d.storage.flushSeconds * rateHz).rounded()))
        nextFlushFrame = flushFrames
        processedCount = d.processedChannels.count
        bandCount = d.processing.bands.count
        snippetCount = max(1, d.snippetSampleCount)
        processedRowOffset = d.processedChannelsAreRawRows ? 0 : channelCount

        HDF5Calls.silenceErrorPrinting()
        // The structure is written under a temporary name and given its real
        // name only once SWMR runs: a crash during set-up never leaves a
        // `<session>.nwb` that cannot be opened (no sample was accepted yet).
        let creatingPath = path + ".creating"
        try? FileManager.default.removeItem(atPath: creatingPath)
        let file = try HDF5File.create(creatingPath)
        try? POSIXCalls.setPermissions(creatingPath, 0o640)  // the session's group may read it, nobody else; set explicitly, whatever the umask
        let root = file.root
        try Self.writeFileMetadata(root, d)
        try Self.writeElectrodes(root, d)

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
        let series = try acquisition.location.createGroup("ElectricalSeries")
        try Self.tagTimeSeries(series.location, type: "ElectricalSeries", description: "Raw samples as the card gives them, re-centred to signed int16; row n is sample index n. Volts = data × conversion × channel_conversion + offset.")
        let raw = try series.location.createDataset(
            "data", of: Int16.self,
            shape: HDF5DatasetShape(
                dims: [0, UInt64(channelCount)], maxDims: [nil, UInt64(channelCount)], chunk: [UInt64(chunkFrames), UInt64(chunkChannels)],
                deflateLevel: d.storage.deflateLevel, chunkCacheBytes: 2 * rowBytes + (1 << 20)))
        try Self.setDataAttributes(raw.location, unit: "volts", conversion: d.format.calibration.voltsPerCount, offset: d.format.calibration.offsetVolts, resolution: d.format.calibration.voltsPerCount)
        try Self.writeStartingTime(series.location, rate: rateHz, start: 0)
        try Self.writeRegion(series.location, root: root, rows: Array(0..<channelCount), description: "every recorded contact, in frame-column order")
        let conversion = try series.location.writeArray("channel_conversion", d.format.calibration.channelGains, dims: [UInt64(channelCount)])
        try conversion.location.setAttribute("axis", Int64(1))
        try conversion.close()
        try series.close()
        try acquisition.close()

        // Online processing: LFP and band power.
        if d.processing.enabled && processedCount > 0 {
            let processing = try root.openGroup("processing")
            let module = try processing.location.createGroup("ecephys")
            try NWBObject.tag(module.location, type: "ProcessingModule")
            try module.location.setAttribute("description", "Online processing by ketamapd \(d.softwareVersion): re-referencing (\(d.processing.reference.rawValue)), decimation to LFP, line-noise cancelling, band power, threshold crossings.")
            let lfpContainer = try module.location.createGroup("LFP")
            try NWBObject.tag(lfpContainer.location, type: "LFP")
            let lfpSeries = try lfpContainer.location.createGroup("LFP")
            try Self.tagTimeSeries(lfpSeries.location, type: "ElectricalSeries", description: "Decimated LFP of the processed channels, in microvolts (conversion 1e-6 gives volts).")
            try lfpSeries.location.setAttribute("filtering", "re-reference \(d.processing.reference.rawValue); anti-alias and decimate to \(d.processing.lfpRateHz) Hz; line canceller \(d.processing.lineFrequencyHz.map { "\($0) Hz × \(d.processing.lineHarmonics), null \(d.processing.lineBandwidthHz) Hz wide" } ?? "off")")
            let lfpChunkRows = UInt64(max(1, Int(d.processing.lfpRateHz.rounded())))
            let lfpData = try lfpSeries.location.createDataset(
                "data", of: Float.self, shape: .growable(rowDims: [UInt64(processedCount)], chunkRows: lfpChunkRows, chunkCacheBytes: 4 * Int(lfpChunkRows) * processedCount * 4))
            lfp = lfpData
            try Self.setDataAttributes(lfpData.location, unit: "volts", conversion: 1e-6, offset: 0, resolution: -1)
            try Self.writeStartingTime(lfpSeries.location, rate: d.processing.lfpRateHz, start: d.lfpStartSeconds)
            try Self.writeRegion(lfpSeries.location, root: root, rows: Array(processedRowOffset..<(processedRowOffset + processedCount)), description: "processed channels")
            try lfpSeries.close()
            try lfpContainer.close()

            let power = try module.location.createGroup("BandPower")
            try Self.tagTimeSeries(power.location, type: "DecompositionSeries", description: "Band power: mean square of the band-filtered LFP over max(1 s, 3 cycles of the band's low edge), in µV². dB = 10·log10(P / 1 µV²).")
            let powerChunkRows = UInt64(max(16, Int((d.processing.bandPowerRateHz * 10).rounded())))
            // The cache holds the chunk being filled row by row (no read-modify-write per row).
            let powerChunkBytes = Int(powerChunkRows) * processedCount * bandCount * MemoryLayout<Float>.stride
            let powerData = try power.location.createDataset(
                "data", of: Float.self,
                shape: .growable(rowDims: [UInt64(processedCount), UInt64(bandCount)], chunkRows: powerChunkRows, chunkCacheBytes: 2 * powerChunkBytes + (1 << 20)))
            bandPower = powerData
            try Self.setDataAttributes(powerData.location, unit: "uV^2", conversion: 1, offset: 0, resolution: -1)
            try power.location.writeString("metric", "power")
            try Self.writeStartingTime(power.location, rate: d.processing.bandPowerRateHz, start: d.bandPowerStartSeconds)
            try Self.writeRegion(power.location, root: root, rows: Array(processedRowOffset..<(processedRowOffset + processedCount)), description: "processed channels", name: "source_channels")
            try power.location.createSoftLink("source_timeseries", to: NWBLayout.lfp)
            try Self.writeBands(power.location, d.processing.bands)
            try power.close()
            try module.close()
            try processing.close()
        } else {
            lfp = nil
            bandPower = nil
        }

        // Events and intervals: growable tables, created now (nothing may be created under SWMR).
        let events = try root.openGroup("events")
        let resolution = 1 / rateHz
        let timestamp = NWBColumn(name: "timestamp", description: "Time of the event in seconds from session start (sample index / rate).", kind: .float64, type: "TimestampVectorData", numberAttributes: ["resolution": resolution], textAttributes: ["unit": "seconds"])
        let sampleIndex = NWBColumn(name: "sample_index", description: "Sample index of the event (raw row of ElectricalSeries).", kind: .int64)
        let operatorColumns: [NWBColumn] = ["uid", "gid", "pid"].map { (id: String) -> NWBColumn in
            NWBColumn(name: "operator_" + id, description: "The control socket peer's " + id + " (SO_PEERCRED); -1 for the config.", kind: .int64)
        }
        let eventID = NWBColumn(name: "event_id", description: "The session's number for the event, as in <session>.events.jsonl and the acknowledgement (ketamapctl void names it).", kind: .int64)
        if d.processing.enabled && d.processedChannels.contains(where: \.detectsSpikes) {
            crossings = try NWBTable(
                in: events.location, name: "threshold_crossings", type: "EventsTable",
                description: "Threshold crossings of the spike band (\(d.processing.spikeLowHz)–\(d.processing.spikeHighHz) Hz) at \(d.processing.spikeThresholdK) × median(|x|)/0.6745, polarity \(d.processing.spikePolarity.rawValue), refractory \(d.processing.spikeRefractoryMilliseconds) ms.",
                columns: [
                    timestamp, sampleIndex,
                    NWBColumn(name: "electrode", description: "Processed channel (row of the electrodes table) the crossing was detected on.", kind: .region(table: NWBLayout.electrodes)),
                    NWBColumn(name: "amplitude", description: "Peak amplitude of the spike-band signal, in microvolts.", kind: .float32, textAttributes: ["unit": "uV"]),
                    NWBColumn(name: "waveform", description: "Spike-band snippet around the crossing (\(d.processing.snippetBeforeMilliseconds) ms before, \(d.processing.snippetAfterMilliseconds) ms after), in microvolts, at the raw rate.", kind: .float32Row(width: snippetCount), textAttributes: ["unit": "uV"]),
                ],
                chunkRows: 1024, root: root, sourceDescription: "ketamapd online threshold detector")
        } else {
            crossings = nil
        }
        let marks = try NWBTable(
            in: events.location, name: "marks", type: "EventsTable", description: "Free-text marks (ketamapd mark).",
            columns: [
                timestamp,
                NWBColumn(name: "annotation", description: "The mark's text.", kind: .text(maxBytes: NWBLayout.TextBytes.mark)),
                sampleIndex,
                NWBColumn(name: "wall_clock", description: "Wall-clock time of the mark, ISO 8601 UTC.", kind: .text(maxBytes: NWBLayout.TextBytes.wallClock)),
                eventID,
            ] as [NWBColumn] + operatorColumns, chunkRows: 16, root: root)
        let voids = try NWBTable(
            in: events.location, name: "dose_voids", type: "EventsTable",
            description: "Corrections (ketamapctl void): each names a dose of /intervals/dosing, which stays there with voided_by set; totals and the report leave it out.",
            columns: [
                timestamp, sampleIndex, eventID,
                NWBColumn(name: "voided_event_id", description: "event_id of the dose this voids (a row of /intervals/dosing).", kind: .int64),
                NWBColumn(name: "reason", description: "Why the dose was voided.", kind: .text(maxBytes: NWBLayout.TextBytes.reason)),
                NWBColumn(name: "wall_clock", description: "Wall-clock time of the correction, ISO 8601 UTC.", kind: .text(maxBytes: NWBLayout.TextBytes.wallClock)),
                NWBColumn(name: "operator", description: "Who voided it: the peer's account, by name.", kind: .text(maxBytes: NWBLayout.TextBytes.operator)),
            ] as [NWBColumn] + operatorColumns, chunkRows: 16, root: root)
        let weights = try NWBTable(
            in: events.location, name: "subject_weight", type: "EventsTable",
            description: "The subject's body weight (the config's at start, ketamapctl weight later); doses after a row are converted with it.",
            columns: [
                timestamp, sampleIndex, eventID,
                NWBColumn(name: "weight_kg", description: "Body weight, in kg.", kind: .float64, textAttributes: ["unit": "kg"]),
                NWBColumn(name: "wall_clock", description: "Wall-clock time of the change, ISO 8601 UTC.", kind: .text(maxBytes: NWBLayout.TextBytes.wallClock)),
                NWBColumn(name: "operator", description: "Who gave it: the peer's account, by name; empty for the config's weight.", kind: .text(maxBytes: NWBLayout.TextBytes.operator)),
            ] as [NWBColumn] + operatorColumns, chunkRows: 16, root: root)
        let clock = try NWBTable(
            in: events.location, name: "sample_clock", type: "EventsTable",
            description: "Sample clock against the wall clock and the monotonic clock, every few seconds.",
            columns: [
                timestamp, sampleIndex,
                NWBColumn(name: "wall_clock_unix_seconds", description: "Wall-clock (CLOCK_REALTIME) time of that sample, seconds since 1970-01-01 UTC.", kind: .float64),
                NWBColumn(name: "monotonic_seconds", description: "CLOCK_MONOTONIC time of that sample, in seconds.", kind: .float64),
            ], chunkRows: 64, root: root)
        try events.close()

        let intervals = try root.openGroup("intervals")
        let start = NWBColumn(name: "start_time", description: "Start time of the interval, in seconds from session start.", kind: .float64)
        let stop = NWBColumn(name: "stop_time", description: "Stop time of the interval, in seconds from session start.", kind: .float64)
        let dosing = try NWBTable(
            in: intervals.location, name: "dosing", type: "TimeIntervals",
            description: "Drug administrations, stamped on the sample clock; a bolus lasts one sample, an infusion its duration. amount and unit are as entered; amount_mg, amount_mg_per_kg and rate_mg_per_kg_per_h are normalised with weight_kg. A voided dose stays, with voided_by naming the correction in /events/dose_voids.",
            columns: [
                start, stop, eventID,
                NWBColumn(name: "drug", description: "Drug given.", kind: .text(maxBytes: NWBLayout.TextBytes.drug)),
                NWBColumn(name: "amount", description: "Amount as entered, in `unit` (for a rate unit, the infusion rate).", kind: .float64),
                NWBColumn(name: "unit", description: "Unit of `amount` as entered: mg, ug, mg/kg, ug/kg, mg/kg/h or ug/kg/min (ug is µg).", kind: .text(maxBytes: NWBLayout.TextBytes.unit)),
                NWBColumn(name: "route", description: "Route: iv-bolus, iv-infusion, im, intranasal, oral or subcutaneous.", kind: .text(maxBytes: NWBLayout.TextBytes.route)),
                NWBColumn(name: "duration_s", description: "An infusion's duration as entered, in seconds; NaN for a bolus.", kind: .float64, textAttributes: ["unit": "seconds"]),
                NWBColumn(name: "amount_mg", description: "The whole dose (an infusion: rate × duration), in mg.", kind: .float64, textAttributes: ["unit": "mg"]),
                NWBColumn(name: "amount_mg_per_kg", description: "The whole dose per kg of body weight, in mg/kg.", kind: .float64, textAttributes: ["unit": "mg/kg"]),
                NWBColumn(name: "rate_mg_per_kg_per_h", description: "An infusion's rate, in mg/kg/h; NaN for a bolus.", kind: .float64, textAttributes: ["unit": "mg/kg/h"]),
                NWBColumn(name: "weight_kg", description: "Body weight the dose was converted with, in kg.", kind: .float64, textAttributes: ["unit": "kg"]),
                NWBColumn(name: "operator", description: "Who gave it: the account of the control socket's peer (SO_PEERCRED), by name; empty for the config's schedule.", kind: .text(maxBytes: NWBLayout.TextBytes.operator)),
            ] as [NWBColumn] + operatorColumns + ([
                NWBColumn(name: "operator_note", description: "A name typed with --operator (or the schedule's operator), kept beside the account.", kind: .text(maxBytes: NWBLayout.TextBytes.operator)),
                NWBColumn(name: "note", description: "Free text.", kind: .text(maxBytes: NWBLayout.TextBytes.note)),
                NWBColumn(name: "limit_override", description: "The plausibility limits the dose broke, recorded because it was confirmed (--confirm); empty when it broke none.", kind: .text(maxBytes: NWBLayout.TextBytes.limitOverride)),
                NWBColumn(name: "voided_by", description: "event_id of the correction in /events/dose_voids that voids this dose; -1 while it stands.", kind: .int64),
                NWBColumn(name: "wall_clock", description: "Wall-clock time of the request, ISO 8601 UTC.", kind: .text(maxBytes: NWBLayout.TextBytes.wallClock)),
                NWBColumn(name: "sample_index", description: "Sample index the dose starts at.", kind: .int64),
            ] as [NWBColumn]), chunkRows: 16, root: root)
        let gaps = try NWBTable(
            in: intervals.location, name: "acquisition_gaps", type: "TimeIntervals",
            description: "Sample ranges with no real samples (stored as zeros): card overruns, ring overruns, command restarts.",
            columns: [
                start, stop,
                NWBColumn(name: "first_sample", description: "First missing sample index.", kind: .int64),
                NWBColumn(name: "sample_count", description: "Number of missing frames.", kind: .int64),
                NWBColumn(name: "cause", description: "device-overrun, ring-overrun, command-restart or replay-gap.", kind: .text(maxBytes: NWBLayout.TextBytes.cause)),
                NWBColumn(name: "is_exact", description: "False when sample_count was estimated from the monotonic clock.", kind: .bool),
            ], chunkRows: 16, root: root)
        try intervals.close()

        try Self.writeSpecifications(root)
        try root.setAttribute(".specloc", try root.reference(to: "/specifications"))

        // One row of chunks in stored layout: [chunk column][frame][channel within the chunk],
        // zero-padded at the right edge, so that each chunk is contiguous and goes out as it is.
        rowBuffer = .allocate(capacity: chunkColumns * chunkFrames * chunkChannels)
        rowBuffer.initialize(repeating: 0)
        crossingTimes = .allocate(capacity: crossingCapacity)
        crossingSamples = .allocate(capacity: crossingCapacity)
        crossingElectrodes = .allocate(capacity: crossingCapacity)
        crossingAmplitudes = .allocate(capacity: crossingCapacity)
        crossingWaveforms = .allocate(capacity: crossingCapacity * snippetCount)

        self.raw = raw
        self.marks = marks
        self.clock = clock
        self.dosing = dosing
        self.voids = voids
        self.weights = weights
        self.gaps = gaps
        try file.flush()
        try file.startSWMRWrite()
        // link(2) fails if `path` appeared meanwhile: never overwrite a session. File systems
        // without hard links get a rename after one more existence check.
        do {
            try POSIXCalls.link(creatingPath, path)
            try? POSIXCalls.unlink(creatingPath)
        } catch {
            if error == .fileExists || FileManager.default.fileExists(atPath: path) || (try? POSIXCalls.rename(creatingPath, path)) == nil {
                try? file.close()
                try? POSIXCalls.unlink(creatingPath)
                throw SessionFileError("cannot be created (\(error)); a session never overwrites a file", path: path)
            }
        }
        self.file = consume file
    }

    deinit {
        if file != nil { try? close(fault: "the writer was released without close()") }
        rowBuffer.deallocate()
        crossingTimes.deallocate()
        crossingSamples.deallocate()
        crossingElectrodes.deallocate()
        crossingAmplitudes.deallocate()
        crossingWaveforms.deallocate()
    }

    // MARK: Hot path

    /// Appends interleaved raw frames `[frame][channel]` (`frames.count` a
    /// multiple of the channel count); their sample indices continue from
    /// `framesWritten`. Buffers up to a row of chunks and writes whole rows
    /// of chunks; flushes every `storage.flushSeconds` of samples.
    /// No allocation. The C functions are `H5Dset_extent`, `H5Dwrite` and `H5Fflush`.
    public func appendRaw(_ frames: UnsafeBufferPointer<Int16>) throws {
        precondition(file != nil, "appendRaw after close")
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
            if framesWritten >= nextFlushFrame {
                try flush()
                nextFlushFrame = (framesWritten / flushFrames + 1) * flushFrames
            }
        }
    }

    /// Writes the buffered frames not yet on disk; starts a new chunk row when the current one is full.
    /// A full row of chunks goes out as whole chunks (`H5Dwrite_chunk`) unless HDF5 must compress it;
    /// a partial one (at a flush), or any with deflate, through `H5Dwrite`, one chunk column at a time.
    private func writeBufferedRaw() throws(HDF5Error) {
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

    /// Appends LFP rows `[row][processedChannel]` in microvolts at `lfpRateHz`.
    /// No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendLFP(_ rows: UnsafeBufferPointer<Float>) throws {
        guard let lfp else { return }
        try lfp.append(rows)
    }

    /// Appends one band-power row `[processedChannel][band]` in µV² at `bandPowerRateHz`.
    /// No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendBandPower(_ row: UnsafeBufferPointer<Float>) throws {
        guard let bandPower else { return }
        try bandPower.append(row)
    }

    /// Records a threshold crossing at `sampleIndex` on processed channel
    /// `processedChannel` with its peak amplitude (µV) and waveform snippet
    /// (µV, `snippetSampleCount` samples; shorter is zero-padded, longer cut).
    /// Buffered (1024 rows) and written on `flush()`. No allocation.
    public func appendThresholdCrossing(sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>) throws {
        guard crossings != nil else { return }
        precondition(processedChannel >= 0 && processedChannel < processedCount, "processed channel \(processedChannel) out of range")
        if crossingCount == crossingCapacity { try writeCrossings() }
        let i = crossingCount
        crossingTimes[i] = Double(sampleIndex) / rateHz
        crossingSamples[i] = Int64(sampleIndex)
        crossingElectrodes[i] = Int64(processedRowOffset + processedChannel)
        crossingAmplitudes[i] = amplitudeMicrovolts
        let n = min(snippetCount, waveform.count)
        let target = crossingWaveforms.baseAddress! + i * snippetCount
        if n > 0 { target.update(from: waveform.baseAddress!, count: n) }
        if n < snippetCount { (target + n).update(repeating: 0, count: snippetCount - n) }
        crossingCount += 1
    }

    private func writeCrossings() throws(HDF5Error) {
        guard let crossings, crossingCount > 0 else { return }
        let n = crossingCount
        try crossings.column("timestamp").append(UnsafeBufferPointer(rebasing: crossingTimes[0..<n]))
        try crossings.column("sample_index").append(UnsafeBufferPointer(rebasing: crossingSamples[0..<n]))
        try crossings.column("electrode").append(UnsafeBufferPointer(rebasing: crossingElectrodes[0..<n]))
        try crossings.column("amplitude").append(UnsafeBufferPointer(rebasing: crossingAmplitudes[0..<n]))
        try crossings.column("waveform").append(UnsafeBufferPointer(rebasing: crossingWaveforms[0..<(n * snippetCount)]))
        try crossings.appendIDs(count: n)
        crossingCount = 0
    }

    // MARK: Rare rows

    /// Adds a dose to `/intervals/dosing`. Two doses never share a start
    /// sample (a later one at the same or an earlier sample is refused).
    /// Call `flush()` before acknowledging it.
    public func addDose(_ dose: DoseEvent) throws {
        if let last = lastDoseStart, dose.sampleIndex <= last {
            throw SessionFileError("dose at sample \(dose.sampleIndex) does not start after the previous dose (sample \(last)); two doses never share a start time", path: path)
        }
        let r = dose.request, n = dose.normalized
        let row = dosing.rowCount
        var cells: [NWBCell] = [
            .double(dose.startSeconds), .double(dose.stopSeconds), .int(Int64(dose.eventID)), .text(r.drug), .double(r.amount),
            .text(r.unit.rawValue), .text(r.route.rawValue), .double(r.overSeconds ?? .nan), .double(n.milligrams), .double(n.milligramsPerKilogram),
            .double(n.milligramsPerKilogramPerHour ?? .nan), .double(n.weightKilograms), .text(dose.operatorAccount ?? ""),
        ]
        cells += Self.operatorCells(dose.peer)
        cells += [.text(r.operator), .text(r.note), .text(dose.limitOverride ?? ""), .int(-1), .text(dose.wallClock), .int(Int64(dose.sampleIndex))]
        try dosing.appendRow(cells)
        lastDoseStart = dose.sampleIndex
        doseRows[dose.eventID] = row
    }

    /// Records a correction in `/events/dose_voids` and sets `voided_by` on the
    /// dose it names (which stays in `/intervals/dosing`). Call `flush()` before acknowledging it.
    public func addVoid(_ void: DoseVoid) throws {
        guard let row = doseRows[void.voidedEventID] else {
            throw SessionFileError("void \(void.eventID) names event \(void.voidedEventID), which is no dose in this file", path: path)
        }
        var cells: [NWBCell] = [
            .double(void.seconds), .int(Int64(void.sampleIndex)), .int(Int64(void.eventID)), .int(Int64(void.voidedEventID)), .text(void.reason),
            .text(void.wallClock), .text(void.operatorAccount ?? ""),
        ]
        cells += Self.operatorCells(void.peer)
        try voids.appendRow(cells)
        try [Int64(void.eventID)].withUnsafeBufferPointer { (value) throws(HDF5Error) in try dosing.column("voided_by").writeRows(at: row, value) }
    }

    /// Records the subject's weight in `/events/subject_weight`.
    public func addWeight(_ weight: WeightChange) throws {
        var cells: [NWBCell] = [
            .double(weight.seconds), .int(Int64(weight.sampleIndex)), .int(Int64(weight.eventID)), .double(weight.kilograms), .text(weight.wallClock),
            .text(weight.operatorAccount ?? ""),
        ]
        cells += Self.operatorCells(weight.peer)
        try weights.appendRow(cells)
    }

    /// Adds a free-text mark to `/events/marks`.
    public func addMark(_ mark: Mark) throws {
        var cells: [NWBCell] = [.double(mark.seconds), .text(mark.text), .int(Int64(mark.sampleIndex)), .text(mark.wallClock), .int(Int64(mark.eventID))]
        cells += Self.operatorCells(mark.peer)
        try marks.appendRow(cells)
    }

    /// The `operator_uid`, `operator_gid` and `operator_pid` cells (-1 when nobody asked: the config).
    private static func operatorCells(_ peer: PeerCredentials?) -> [NWBCell] {
        guard let peer else { return [.int(-1), .int(-1), .int(-1)] }
        return [.int(Int64(peer.uid)), .int(Int64(peer.gid)), .int(Int64(peer.pid))]
    }

    /// Records a gap in `/intervals/acquisition_gaps` (the caller writes its zeros with `appendRaw`).
    public func addGap(_ gap: AcquisitionGap) throws {
        try gaps.appendRow([
            .double(Double(gap.firstSample) / rateHz), .double(Double(gap.endSample) / rateHz), .int(Int64(gap.firstSample)),
            .int(Int64(gap.sampleCount)), .text(gap.cause.rawValue), .bool(gap.isExact),
        ])
    }

    /// Adds a row to `/events/sample_clock`: sample index ↔ wall clock ↔ monotonic clock (seconds).
    public func addClockSample(sampleIndex: UInt64, wallClock: Date, monotonicSeconds: Double) throws {
        try clock.appendRow([
            .double(Double(sampleIndex) / rateHz), .int(Int64(sampleIndex)), .double(wallClock.timeIntervalSince1970), .double(monotonicSeconds),
        ])
    }

    /// Writes buffered raw frames and threshold crossings, then flushes the
    /// whole file (`H5Fflush`, global scope): everything appended so far is
    /// what a reader or a crash sees.
    public func flush() throws {
        guard file != nil else { return }
        HDF5Calls.silenceErrorPrinting()  // per thread: errors become HDF5Error, not stderr text
        try writeBufferedRaw()
        try writeCrossings()
        try file?.flush()
        framesFlushed = framesWritten
    }

    /// Writes what is buffered and closes the file; then reopens it without
    /// SWMR to record `fault` (in `/general/notes`) and delete tables left
    /// empty (nwbinspector rejects empty tables). Calling it twice does nothing.
    public func close(fault: String? = nil) throws {
        guard file != nil else { return }
        var firstError: (any Error)?
        do { try flush() } catch { firstError = error }
        for dataset in [raw, lfp, bandPower].compactMap({ $0 }) {
            do { try dataset.close() } catch { firstError = firstError ?? error }
        }
        for table in [crossings, marks, clock, dosing, voids, weights, gaps].compactMap({ $0 }) {
            do { try table.close() } catch { firstError = firstError ?? error }
        }
        if let open = file.take() {
            do { try open.close() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
        // The reopen needs an exclusive lock: a reader still holding the file
        // (e.g. h5py with swmr=True) makes it fail. The data is complete either
        // way; retry for a while, then leave the empty tables in place.
        var lastError: HDF5Error?
        for attempt in 0..<20 {
            do {
                try Self.finish(path: path, fault: fault)
                cleanupSkippedReason = nil
                return
            } catch {
                lastError = error
                if attempt < 19 { MonotonicClock.sleep(microseconds: 100_000) }
            }
        }
        cleanupSkippedReason = "could not reopen the file to remove empty tables\(fault == nil ? "" : " and record the fault") (is a reader still holding it?): \(lastError.map { "\($0)" } ?? "")"
    }

    /// Why the clean-up after `close` (recording the fault, removing empty
    /// tables) did not happen, or nil when it did. The samples and rows are
    /// complete either way.
    public private(set) var cleanupSkippedReason: String?

    /// Rewrites a table's fixed-length text columns (needed while recording
    /// under SWMR) as variable-length UTF-8, as pynwb writes text, so that
    /// readers get `str` rather than `bytes`. Keeps each column's attributes.
    static func convertTextColumnsToVariableLength(_ root: HDF5Location, table: String) throws(HDF5Error) {
        let group = try root.openGroup(table)
        let columns = try group.location.stringsAttribute("colnames") ?? []
        for name in columns {
            let column = try group.location.openDataset(name)
            guard let length = column.stringLength, length > 0 else {
                try column.close()
                continue
            }
            let values = try column.readStrings()
            try column.close()
            try replaceTextColumn(group.location, name, with: values)
        }
        try group.close()
    }

    /// Replaces a table's text column by `values` as variable-length UTF-8,
    /// keeping its `object_id` and `description`.
    static func replaceTextColumn(_ table: HDF5Location, _ name: String, with values: [String]) throws(HDF5Error) {
        let column = try table.openDataset(name)
        let objectID = try column.location.stringAttribute("object_id") ?? UUID().uuidString.lowercased()
        let description = try column.location.stringAttribute("description") ?? ""
        try column.close()
        try table.delete(name)
        let replacement = try table.writeStrings(name, values, growable: true)
        try replacement.location.setAttribute("namespace", "hdmf-common")
        try replacement.location.setAttribute("neurodata_type", "VectorData")
        try replacement.location.setAttribute("object_id", objectID)
        try replacement.location.setAttribute("description", description)
        try replacement.close()
    }

    /// Reopens the closed file without SWMR: records the fault, removes empty tables and series.
    static func finish(path: String, fault: String?) throws(HDF5Error) {
        let file = try HDF5File.open(path, mode: .readWrite)
        let root = file.root
        if let fault { try root.writeString(String(NWBLayout.notes.dropFirst()), "Session ended by a fault: \(fault)") }
        for table in NWBLayout.optionalTables where try root.exists(table) {
            let ids = try root.openDataset(table + "/id")
            let rows = ids.rowCount
            try ids.close()
            if rows == 0 {
                try root.delete(table)
            } else {
                try convertTextColumnsToVariableLength(root, table: table)
            }
        }
        for series in [NWBLayout.lfp, NWBLayout.bandPower] where try root.exists(series) {
            let data = try root.openDataset(series + "/data")
            let rows = data.rowCount
            try data.close()
            if rows == 0 {
                try root.delete(series == NWBLayout.lfp ? "/processing/ecephys/LFP" : series)
            }
        }
        if try root.exists(NWBLayout.ecephys) {
            let module = try root.openGroup(NWBLayout.ecephys)
            let count = try module.linkCount()
            try module.close()
            if count == 0 { try root.delete(NWBLayout.ecephys) }
        }
        let intervals = try root.openGroup("intervals")
        let count = try intervals.linkCount()
        try intervals.close()
        if count == 0 { try root.delete("intervals") }
        try file.close()
    }
}
