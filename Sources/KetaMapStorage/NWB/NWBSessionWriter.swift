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
/// close(fault:)                   write what is buffered, close; reopen without SWMR to drop empty tables and sort intervals
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
    /// One per stream, in the description's order (one for a single-source session).
    public let streams: [NWBStreamWriter]
    private let marks: NWBTable<Mark>
    private let clock: NWBTable<NWBSchema.ClockRow>
    private let dosing: NWBTable<NWBSchema.DosingRow>
    private let voids: NWBTable<DoseVoid>
    private let weights: NWBTable<WeightChange>
    private let gaps: NWBTable<NWBSchema.GapRow>
    private let rateHz: Double
    private var lastDoseStart: UInt64?
    /// Row of `/intervals/dosing` of each dose, by event id (a void overwrites the row's `voided_by`).
    private var doseRows: [UInt64: UInt64] = [:]

    /// Frames of the first stream received by `appendRaw` so far (written or buffered): the next raw row's sample index.
    public var framesWritten: UInt64 { streams[0].framesWritten }
    /// Frames of the first stream on disk as of the last `flush()`.
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
        precondition(d.streams.map(\.format.channelCount).reduce(0, +) == d.format.channelCount, "the streams' channels are the montage's")
        rateHz = d.format.sampleRateHz

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

        // Online processing: the module and the LFP container every stream's series go in.
        var streams: [NWBStreamWriter] = []
        if d.processing.enabled && !d.processedChannels.isEmpty {
            let processing = try root.openGroup("processing")
            let ecephys = try processing.location.createGroup("ecephys")
            try NWBObject.tag(ecephys.location, type: "ProcessingModule")
            try ecephys.location.setAttribute("description", "Online processing by ketamapd \(d.softwareVersion): re-referencing (\(d.processing.reference.rawValue)), decimation to LFP, line-noise cancelling, band power, threshold crossings.")
            let container = try ecephys.location.createGroup("LFP")
            try NWBObject.tag(container.location, type: "LFP")
            for stream in d.streams {
                streams.append(try NWBStreamWriter(stream, of: d, root: root, ecephys: ecephys.location, lfpContainer: container.location))
            }
            try container.close()
            try ecephys.close()
            try processing.close()
        } else {
            for stream in d.streams { streams.append(try NWBStreamWriter(stream, of: d, root: root, ecephys: nil, lfpContainer: nil)) }
        }
        self.streams = streams

        // Events and intervals: growable tables, created now (nothing may be created under SWMR).
        let events = try root.openGroup("events")
        let clock = NWBSchema.EventClock(rateHz: rateHz, firstStream: d.streams.count > 1 ? d.streams[0].name ?? "" : nil)
        let marks = try NWBTable(
            in: events.location, name: "marks", type: "EventsTable", description: "Free-text marks (ketamapd mark).",
            fields: NWBSchema.marks(clock), chunkRows: 16, root: root)
        let voids = try NWBTable(
            in: events.location, name: "dose_voids", type: "EventsTable",
            description: "Corrections (ketamapctl void): each names a dose of /intervals/dosing, which stays there with voided_by set; totals and the report leave it out.",
            fields: NWBSchema.doseVoids(clock), chunkRows: 16, root: root)
        let weights = try NWBTable(
            in: events.location, name: "subject_weight", type: "EventsTable",
            description: "The subject's body weight (the config's at start, ketamapctl weight later); doses after a row are converted with it.",
            fields: NWBSchema.subjectWeight(clock), chunkRows: 16, root: root)
        let sampleClock = try NWBTable(
            in: events.location, name: "sample_clock", type: "EventsTable",
            description: "Sample clock against the wall clock and the monotonic clock, every few seconds.",
            fields: NWBSchema.sampleClock(clock), chunkRows: 64, root: root)
        try events.close()

        let intervals = try root.openGroup("intervals")
        let dosing = try NWBTable(
            in: intervals.location, name: "dosing", type: "TimeIntervals",
            description: "Drug administrations, stamped on the sample clock; a bolus lasts one sample, an infusion its duration. amount and unit are as entered; amount_mg, amount_mg_per_kg and rate_mg_per_kg_per_h are normalised with weight_kg. A voided dose stays, with voided_by naming the correction in /events/dose_voids.",
            fields: NWBSchema.dosing(firstStream: clock.firstStream, otherStreams: d.streams.dropFirst().map { $0.name ?? "" }), chunkRows: 16, root: root)
        let gaps = try NWBTable(
            in: intervals.location, name: "acquisition_gaps", type: "TimeIntervals",
            description: "Sample ranges with no real samples (stored as zeros): card overruns, ring overruns, command restarts, stopped streams; in start_time order once the file is closed.",
            fields: NWBSchema.acquisitionGaps(severalStreams: d.streams.count > 1), chunkRows: 16, root: root)
        try intervals.close()

        try Self.writeSpecifications(root)
        try root.setAttribute(".specloc", try root.reference(to: "/specifications"))

        self.marks = marks
        self.clock = sampleClock
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
    }

    // MARK: Hot path

    /// Appends interleaved raw frames `[frame][channel]` of stream `stream`
    /// (`frames.count` a multiple of its channel count); their sample indices
    /// continue from its `framesWritten`. Whole rows of chunks are written as
    /// they fill; the file is flushed every `storage.flushSeconds` of samples.
    /// No allocation. The C functions are `H5Dset_extent`, `H5Dwrite` and `H5Fflush`.
    public func appendRaw(_ frames: UnsafeBufferPointer<Int16>, stream: Int = 0) throws {
        precondition(file != nil, "appendRaw after close")
        let writer = streams[stream]
        try writer.appendRaw(frames)
        if writer.flushDue {
            try flush()
            writer.scheduleNextFlush()
        }
    }

    /// Appends LFP rows `[row][processedChannel]` of stream `stream` in microvolts at `lfpRateHz`, gathered into runs.
    /// No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendLFP(_ rows: UnsafeBufferPointer<Float>, stream: Int = 0) throws {
        try streams[stream].appendLFP(rows)
    }

    /// Appends band-power rows `[row][processedChannel][band]` of stream `stream` in µV² at `bandPowerRateHz`, gathered into runs.
    /// No allocation. The C functions are `H5Dset_extent` and `H5Dwrite`.
    public func appendBandPower(_ row: UnsafeBufferPointer<Float>, stream: Int = 0) throws {
        try streams[stream].appendBandPower(row)
    }

    /// Records a threshold crossing at `sampleIndex` of stream `stream` on its processed
    /// channel `processedChannel`; see `NWBStreamWriter.appendThresholdCrossing`. No allocation.
    public func appendThresholdCrossing(
        sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>, stream: Int = 0
    ) throws {
        try streams[stream].appendThresholdCrossing(
            sampleIndex: sampleIndex, processedChannel: processedChannel, amplitudeMicrovolts: amplitudeMicrovolts, waveform: waveform)
    }

    // MARK: Rare rows

    /// Adds a dose to `/intervals/dosing`. Two doses never share a start
    /// sample (a later one at the same or an earlier sample is refused).
    /// Call `flush()` before acknowledging it.
    public func addDose(_ dose: DoseEvent) throws {
        if let last = lastDoseStart, dose.sampleIndex <= last {
            throw SessionFileError("dose at sample \(dose.sampleIndex) does not start after the previous dose (sample \(last)); two doses never share a start time", path: path)
        }
        let row = dosing.rowCount
        try dosing.append(dosingRow(dose))
        lastDoseStart = dose.sampleIndex
        doseRows[dose.eventID] = row
    }

    /// A dose's row: in a session of several streams also its session-clock time and
    /// its sample index in every other stream, through the newest clock-table offsets
    /// (the first stream's sample clock → the session clock → each other stream's).
    private func dosingRow(_ dose: DoseEvent) -> NWBSchema.DosingRow {
        guard streams.count > 1 else { return NWBSchema.DosingRow(dose: dose) }
        let sessionSeconds = dose.startSeconds + streams[0].latestOffsetSeconds
        return NWBSchema.DosingRow(
            dose: dose, sessionSeconds: sessionSeconds,
            otherStreamSampleIndices: streams.dropFirst().map { stream in
                Int64(max(0, ((sessionSeconds - stream.latestOffsetSeconds) * stream.format.sampleRateHz).rounded()))
            })
    }

    /// Records a correction in `/events/dose_voids` and sets `voided_by` on the
    /// dose it names (which stays in `/intervals/dosing`). Call `flush()` before acknowledging it.
    public func addVoid(_ void: DoseVoid) throws {
        guard let row = doseRows[void.voidedEventID] else {
            throw SessionFileError("void \(void.eventID) names event \(void.voidedEventID), which is no dose in this file", path: path)
        }
        try voids.append(void)
        try [Int64(void.eventID)].withUnsafeBufferPointer { (value) throws(HDF5Error) in try dosing.column("voided_by").writeRows(at: row, value) }
    }

    /// Records the subject's weight in `/events/subject_weight`.
    public func addWeight(_ weight: WeightChange) throws {
        try weights.append(weight)
    }

    /// Adds a free-text mark to `/events/marks`.
    public func addMark(_ mark: Mark) throws {
        try marks.append(mark)
    }

    /// Records a gap of stream `stream` in `/intervals/acquisition_gaps` (the
    /// caller writes its zeros with `appendRaw`; a stopped stream's gap has none).
    public func addGap(_ gap: AcquisitionGap, stream: Int = 0) throws {
        try gaps.append(NWBSchema.GapRow(gap: gap, rateHz: streams[stream].format.sampleRateHz, stream: streams.count > 1 ? streams[stream].name ?? "" : ""))
    }

    /// Adds a row to stream `stream`'s clock table (`/events/sample_clock_<name>`,
    /// see `NWBStreamWriter.addClockSample`); for a session of one stream, to
    /// `/events/sample_clock`, whose sample clock is the session clock.
    public func addClockSample(stream: Int, sampleIndex: UInt64, sessionSeconds: Double, wallClock: Date, monotonicSeconds: Double) throws {
        if streams[stream].name == nil {
            try addClockSample(sampleIndex: sampleIndex, wallClock: wallClock, monotonicSeconds: monotonicSeconds)
        } else {
            try streams[stream].addClockSample(sampleIndex: sampleIndex, sessionSeconds: sessionSeconds, wallClock: wallClock, monotonicSeconds: monotonicSeconds)
        }
    }

    /// Adds a row to `/events/sample_clock`: sample index ↔ wall clock ↔ monotonic clock (seconds).
    public func addClockSample(sampleIndex: UInt64, wallClock: Date, monotonicSeconds: Double) throws {
        try clock.append(NWBSchema.ClockRow(sampleIndex: sampleIndex, wallClock: wallClock, monotonicSeconds: monotonicSeconds))
    }

    /// Writes buffered raw frames, threshold crossings and feature rows, then flushes the
    /// whole file (`H5Fflush`, global scope): everything appended so far is
    /// what a reader or a crash sees.
    public func flush() throws {
        guard file != nil else { return }
        HDF5Calls.silenceErrorPrinting()  // per thread: errors become HDF5Error, not stderr text
        for stream in streams { try stream.writeBuffered() }
        try file?.flush()
        framesFlushed = framesWritten
    }

    /// Writes what is buffered and closes the file; then reopens it without
    /// SWMR to record `fault` (in `/general/notes`), delete tables left
    /// empty (nwbinspector rejects empty tables) and put the interval tables in
    /// `start_time` order. Calling it twice does nothing.
    public func close(fault: String? = nil) throws {
        guard file != nil else { return }
        var firstError: (any Error)?
        do { try flush() } catch { firstError = error }
        for stream in streams {
            if let error = stream.close() { firstError = firstError ?? error }
        }
        let tables: [() throws -> Void] = [marks.close, clock.close, dosing.close, voids.close, weights.close, gaps.close]
        for close in tables {
            do { try close() } catch { firstError = firstError ?? error }
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
                try Self.finish(path: path, fault: fault, streams: sessionDescription.streams.map(\.name))
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

    /// Puts the rows of a `TimeIntervals` table in `start_time` order, every column alike
    /// (rows that start together keep their order; `id` stays 0, 1, …). Rows are written as
    /// they are noticed: across streams, and for a stopped stream's gap (written at the
    /// close), that is not their order in time, and NWB wants intervals ascending. Done when
    /// the file is finished, by a close or by `recover`; a sorted table is left as it is.
    static func sortByStartTime(_ root: HDF5Location, table: String) throws(HDF5Error) {
        let group = try root.openGroup(table)
        let startColumn = try group.location.openDataset("start_time")
        let starts = try startColumn.readAll(as: Double.self)
        try startColumn.close()
        let order = starts.indices.sorted { (starts[$0], $0) < (starts[$1], $1) }
        if order != Array(starts.indices) {
            for name in try group.location.stringsAttribute("colnames") ?? [] {
                let column = try group.location.openDataset(name)
                try column.reorderRows(order)
                try column.close()
            }
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

    /// Reopens the closed file without SWMR: records the fault, removes empty tables and series,
    /// sorts the interval tables by `start_time`, stores text columns as variable-length.
    static func finish(path: String, fault: String?, streams: [String?] = [nil]) throws(HDF5Error) {
        let file = try HDF5File.open(path, mode: .readWrite)
        let root = file.root
        if let fault { try root.writeString(String(NWBLayout.notes.dropFirst()), "Session ended by a fault: \(fault)") }
        let suffixes = streams.map(NWBLayout.streamSuffix)
        let streamTables = suffixes.flatMap { [NWBLayout.thresholdCrossings + $0, NWBLayout.clock + $0] }
        for table in Set(NWBLayout.optionalTables + streamTables).sorted() where try root.exists(table) {
            let ids = try root.openDataset(table + "/id")
            let rows = ids.rowCount
            try ids.close()
            if rows == 0 {
                try root.delete(table)
            } else {
                if NWBLayout.intervalTables.contains(table) { try sortByStartTime(root, table: table) }
                try convertTextColumnsToVariableLength(root, table: table)
            }
        }
        for series in suffixes.flatMap({ [NWBLayout.lfp + $0, NWBLayout.bandPower + $0] }) where try root.exists(series) {
            let data = try root.openDataset(series + "/data")
            let rows = data.rowCount
            try data.close()
            if rows == 0 { try root.delete(series) }
        }
        if try root.exists(NWBLayout.lfpContainer) {
            let container = try root.openGroup(NWBLayout.lfpContainer)
            let count = try container.linkCount()
            try container.close()
            if count == 0 { try root.delete(NWBLayout.lfpContainer) }
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
