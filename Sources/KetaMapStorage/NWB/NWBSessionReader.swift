import Foundation
import KetaMapCore
import KetaMapConfiguration
import KetaMapDSP

/// Reads a KetaMap session file, also while `ketamapd` is still writing it
/// (HDF5 SWMR read). Used to replay a session through the pipeline and by
/// `ketamapctl report`.
///
/// Not thread-safe: use one reader from one thread at a time. After a crash
/// of the writer, run `h5clear -s --increment=0 FILE` once before opening.
public final class NWBSessionReader {
    /// The session file.
    public let path: String
    /// NWB `identifier` (a UUID string).
    public let identifier: String
    /// NWB `session_id`, e.g. `20261126T090000Z`.
    public let sessionID: String
    /// The montage files as recorded in the provenance (with what the electrodes
    /// table does not hold, such as filter cut-offs); nil when the file has none.
    public let recordedMontage: Montage?
    /// The ketamapd version that wrote the file (empty when unknown).
    public let softwareVersion: String
    /// `/general/subject/subject_id` (empty when absent).
    public let subjectID: String
    /// The recorded streams, in electrodes-table order: the one unnamed stream
    /// of a single-source session, or each `ElectricalSeries_<name>`.
    public let streams: [Stream]
    /// Channels, rate and calibration of the first stream's raw samples (a
    /// single-source session's only stream).
    public var format: SampleFormat { streams[0].format }
    /// The implant, rebuilt from the electrodes table and electrode groups:
    /// every stream's contacts, stream after stream.
    public let montage: Montage
    /// Processed channels (the columns of LFP and band power), from the
    /// electrodes table: every stream's, stream after stream (`Stream.processedChannels`).
    public let processedChannels: [ProcessedChannel]
    /// The processing parameters the session ran with (from `/general/data_collection`), when present.
    public let processing: ProcessingSettings?
    /// Samples per threshold-crossing waveform, when known.
    public let snippetSampleCount: Int?
    /// Why the session ended on a fault (`/general/notes`), or nil after a clean stop.
    public let faultNote: String?

    /// One stream of the file: its raw series and where its rows are.
    public struct Stream: Sendable {
        /// The stream's name (`ElectricalSeries_<name>`), or nil for a single-source session's series.
        public let name: String?
        /// Channels, rate and calibration of its raw samples.
        public let format: SampleFormat
        /// Electrodes-table (and `montage`) row of its channel 0.
        public let firstRow: Int
        /// Its processed channels, as indices of `NWBSessionReader.processedChannels`.
        public let processedChannels: Range<Int>
        /// Session-clock time minus sample index / rate at its first clock row,
        /// in seconds (`offset_seconds` of `/events/sample_clock_<name>`); 0 without one.
        public let clockOffsetSeconds: Double

        /// What the stream's objects add to the single-source paths (`_<name>`).
        var suffix: String { NWBLayout.streamSuffix(name) }
    }

    private var file: HDF5File?
    /// Each stream's raw `data`, in `streams` order.
    private let raw: [HDF5Dataset]
    /// Electrodes row of each processed channel.
    private let processedRows: [Int]

    /// Opens `path` read-only in SWMR-read mode. The C functions are `H5Fopen`
    /// (with `H5F_ACC_SWMR_READ`), `H5Dopen2`, `H5Aread` and `H5Dread`.
    public init(path: String) throws {
        self.path = path
        let file = try HDF5File.open(path, mode: .swmrRead)
        let root = file.root
        let names = try Self.streamNames(root)
        guard !names.isEmpty else {
            throw SessionFileError("is not a KetaMap session file (no \(NWBLayout.raw) or \(NWBLayout.raw)_<stream>)", path: path)
        }
        let ids = try root.openDataset("identifier")
        identifier = try ids.readStrings().first ?? ""
        try ids.close()
        if try root.exists("general/session_id") {
            let sid = try root.openDataset("general/session_id")
            sessionID = try sid.readStrings().first ?? ""
            try sid.close()
        } else {
            sessionID = ""
        }
        if try root.exists("general/subject/subject_id") {
            let subject = try root.openDataset("general/subject/subject_id")
            subjectID = try subject.readStrings().first ?? ""
            try subject.close()
        } else {
            subjectID = ""
        }

        // Each stream's series: its calibration, rate and rows of the electrodes table.
        struct Series {
            var name: String?, data: HDF5Dataset, rate: Double, conversion: Double, offset: Double, gains: [Double], firstRow: Int
        }
        var series: [Series] = []
        for name in names {
            let path = NWBLayout.raw + NWBLayout.streamSuffix(name)
            let data = try root.openDataset(path + "/data", chunkCacheBytes: 16 << 20)
            let channelCount = Int(data.extent[1])
            let start = try root.openDataset(path + "/starting_time")
            guard let rate = try start.location.attribute("rate", as: Double.self) else {
                throw SessionFileError("\(path) has no rate", path: self.path)
            }
            try start.close()
            var gains = [Double](repeating: 1, count: channelCount)
            if try root.exists(String(path.dropFirst()) + "/channel_conversion") {
                let c = try root.openDataset(path + "/channel_conversion")
                gains = try c.readAll(as: Double.self)
                try c.close()
            }
            let region = try root.openDataset(path + "/electrodes")
            let firstRow = Int(try region.readAll(as: Int64.self).min() ?? 0)
            try region.close()
            series.append(Series(
                name: name, data: data, rate: rate, conversion: try data.location.attribute("conversion", as: Double.self) ?? 1,
                offset: try data.location.attribute("offset", as: Double.self) ?? 0, gains: gains, firstRow: firstRow))
        }
        series.sort { $0.firstRow < $1.firstRow }
        let channelCount = series.map { Int($0.data.extent[1]) }.reduce(0, +)

        // Electrodes table.
        let e = NWBLayout.electrodes
        func strings(_ column: String) throws(HDF5Error) -> [String]? {
            guard try root.exists(String(e.dropFirst()) + "/" + column) else { return nil }
            let d = try root.openDataset(e + "/" + column)
            defer { try? d.close() }
            return try d.readStrings()
        }
        func doubles(_ column: String) throws(HDF5Error) -> [Double]? {
            guard try root.exists(String(e.dropFirst()) + "/" + column) else { return nil }
            let d = try root.openDataset(e + "/" + column)
            defer { try? d.close() }
            return try d.readAll(as: Double.self)
        }
        func ints(_ column: String) throws(HDF5Error) -> [Int64]? {
            guard try root.exists(String(e.dropFirst()) + "/" + column) else { return nil }
            let d = try root.openDataset(e + "/" + column)
            defer { try? d.close() }
            return try d.readAll(as: Int64.self)
        }
        let channelNames = try strings("channel_name") ?? []
        let locations = try strings("location") ?? []
        let groupNames = try strings("group_name") ?? []
        let kinds = try strings("contact_type")
        let status = try strings("status")
        let relY = try doubles("rel_y")
        let xs = try doubles("x"), ys = try doubles("y"), zs = try doubles("z")
        let hardware = try ints("hardware_channel")
        let references = try strings("reference")
        let anodes = try ints("anode"), cathodes = try ints("cathode")
        var polynomials: [[Double]] = []
        if try root.exists(String(e.dropFirst()) + "/calibration_polynomial") {
            let d = try root.openDataset(e + "/calibration_polynomial")
            let width = Int(d.extent[1])
            let values = try d.readAll(as: Double.self)
            try d.close()
            polynomials = (0..<min(channelCount, values.count / max(1, width))).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
        }
        guard channelNames.count >= channelCount, locations.count >= channelCount, groupNames.count >= channelCount else {
            throw SessionFileError("the electrodes table has fewer rows than the \(channelCount) raw channels", path: path)
        }
        // Files that state their coordinate space hold NWB's µm and axes; older ones held RAS mm.
        let table = try root.openGroup(String(e.dropFirst()))
        let space = try table.location.stringAttribute("coordinate_space")
        try table.close()
        func position(_ i: Int) -> (x: Double, y: Double, z: Double)? {
            guard let x = xs?[i], let y = ys?[i], let z = zs?[i], !x.isNaN, !y.isNaN, !z.isNaN else { return nil }
            return space == nil ? (x, y, z) : NWBCoordinates.ras(nwbMicrometres: x, y, z)
        }
        let alongScale = space == nil ? 1 : 1 / NWBCoordinates.micrometresPerMillimetre
        let channels = (0..<channelCount).map { i in
            MontageChannel(
                name: channelNames[i], kind: MontageChannel.Kind(rawValue: kinds?[i] ?? "SEEG") ?? .seeg, group: groupNames[i], region: locations[i],
                x: position(i)?.x, y: position(i)?.y, z: position(i)?.z, alongShaftMillimeters: (relY?[i] ?? 0) * alongScale,
                hardwareChannel: Int(hardware?[i] ?? Int64(i)), units: "µV", isGood: (status?[i] ?? "good") == "good")
        }
        var groups: [ElectrodeGroup] = []
        for name in groupNames.prefix(channelCount) where !groups.contains(where: { $0.name == name }) {
            let g = try root.openGroup("general/extracellular_ephys/" + name)
            groups.append(ElectrodeGroup(
                name: name, description: try g.location.stringAttribute("description") ?? "", region: try g.location.stringAttribute("location") ?? ""))
            try g.close()
        }
        montage = Montage(channels: channels, groups: groups, coordinateSpace: space ?? Montage.unstatedSpace)

        // Per stream: its processed channels (the rows its LFP or band power refers to) and its clock offset.
        var streams: [Stream] = []
        var processedRows: [Int] = []
        for s in series {
            let suffix = NWBLayout.streamSuffix(s.name)
            var rows: [Int] = []
            for region in [NWBLayout.lfp + suffix + "/electrodes", NWBLayout.bandPower + suffix + "/source_channels"] where rows.isEmpty {
                if try root.exists(String(region.dropFirst())) {
                    let d = try root.openDataset(region)
                    rows = try d.readAll(as: Int64.self).map { Int($0) }
                    try d.close()
                }
            }
            var clockOffset = 0.0
            if s.name != nil, try root.exists(String((NWBLayout.clock + suffix).dropFirst()) + "/offset_seconds") {
                let d = try root.openDataset(NWBLayout.clock + suffix + "/offset_seconds")
                clockOffset = try d.readAll(as: Double.self).first ?? 0
                try d.close()
            }
            let count = Int(s.data.extent[1])
            let stream = Array(polynomials.dropFirst(s.firstRow).prefix(count))
            streams.append(Stream(
                name: s.name,
                format: SampleFormat(
                    channelCount: count, sampleRateHz: s.rate,
                    calibration: Calibration(voltsPerCount: s.conversion, channelGains: s.gains, offsetVolts: s.offset, polynomials: stream)),
                firstRow: s.firstRow, processedChannels: processedRows.count..<(processedRows.count + rows.count), clockOffsetSeconds: clockOffset))
            processedRows += rows
        }
        self.streams = streams
        raw = series.map(\.data)
        self.processedRows = processedRows
        processedChannels = processedRows.map { row in
            let anode = Int(anodes?[row] ?? Int64(row))
            let cathode = cathodes.flatMap { $0[row] >= 0 ? Int($0[row]) : nil }
            return ProcessedChannel(
                name: channelNames[row], anode: anode, cathode: cathode, referenceDescription: references?[row] ?? "recording reference",
                region: locations[row], group: groupNames[row], detectsSpikes: (kinds?[row] ?? "") == MontageChannel.Kind.micro.rawValue)
        }

        // Provenance.
        var softwareVersion = ""
        var recordedMontage: Montage?
        var processing: ProcessingSettings?
        var snippet: Int?
        if try root.exists(String(NWBLayout.provenance.dropFirst())) {
            let d = try root.openDataset(NWBLayout.provenance)
            let text = try d.readStrings().first ?? ""
            try d.close()
            if let record = try? JSONDecoder().decode(NWBProvenance.self, from: Data(text.utf8)) {
                processing = record.processing
                snippet = record.snippet_sample_count
                softwareVersion = record.software_version
                recordedMontage = try? MontageLoader.load(
                    channelsText: record.configuration.channels_tsv, channelsFile: "channels.tsv (recorded)",
                    electrodesText: record.configuration.electrodes_tsv, electrodesFile: "electrodes.tsv (recorded)")
            }
        }
        self.processing = processing
        self.softwareVersion = softwareVersion
        self.recordedMontage = recordedMontage
        snippetSampleCount = snippet
        if try root.exists(String(NWBLayout.notes.dropFirst())) {
            let d = try root.openDataset(NWBLayout.notes)
            faultNote = try d.readStrings().first
            try d.close()
        } else {
            faultNote = nil
        }
        self.file = consume file
    }

    deinit { close() }

    /// Closes the file. Reading afterwards traps.
    public func close() {
        for data in raw { try? data.close() }
        if let open = file.take() { try? open.close() }
    }

    var root: HDF5Location {
        guard let location = file?.root else { preconditionFailure("\(path) is used after close()") }
        return location
    }

    /// The names of the file's raw series: `[nil]` for a single-source
    /// session's `ElectricalSeries`, else each `ElectricalSeries_<name>`'s name.
    private static func streamNames(_ root: HDF5Location) throws -> [String?] {
        if try root.exists(String(NWBLayout.raw.dropFirst()) + "/data") { return [nil] }
        let acquisition = String(NWBLayout.raw.dropFirst()).split(separator: "/").dropLast().joined(separator: "/")
        let prefix = String(NWBLayout.raw.split(separator: "/").last!) + "_"
        guard try root.exists(acquisition) else { return [] }
        let group = try root.openGroup(acquisition)
        let links = try group.linkNames()
        try group.close()
        return links.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }.map { String($0.dropFirst(prefix.count)) }
    }

    /// Raw frames of the first stream in the file as of the last `refresh()` (or opening).
    public var frameCount: UInt64 { raw[0].rowCount }

    /// Raw frames of stream `stream` (an index of `streams`) as of the last `refresh()` (or opening).
    public func frameCount(stream: Int) -> UInt64 { raw[stream].rowCount }

    /// Looks again at what a SWMR writer has appended since. The C function is `H5Drefresh`.
    public func refresh() throws {
        for data in raw { try data.refresh() }
    }

    /// Reads `frameCount` raw frames of stream `stream` from `firstFrame` into `buffer`
    /// (interleaved `[frame][channel]`, at least `frameCount × channelCount` values).
    /// The C function is `H5Dread` on a hyperslab.
    public func readRaw(firstFrame: UInt64, frameCount: Int, into buffer: UnsafeMutableBufferPointer<Int16>, stream: Int = 0) throws {
        let raw = self.raw[stream]
        guard firstFrame + UInt64(frameCount) <= raw.rowCount else {
            throw SessionFileError("frames \(firstFrame)..<\(firstFrame + UInt64(frameCount)) are past the end (\(raw.rowCount) frames)", path: path)
        }
        try raw.readRows(from: firstFrame, rows: UInt64(frameCount), into: buffer)
    }

    /// Reads one channel's samples of stream `stream` over `frameCount` frames from `firstFrame`.
    /// The C function is `H5Dread` on a one-column hyperslab.
    public func readChannel(_ channel: Int, firstFrame: UInt64, frameCount: Int, into buffer: UnsafeMutableBufferPointer<Int16>, stream: Int = 0) throws {
        try raw[stream].readSlab(start: [firstFrame, UInt64(channel)], count: [UInt64(frameCount), 1], into: buffer)
    }

    // MARK: Tables

    private func table(_ path: String) throws -> [String: HDF5Dataset]? {
        let root = self.root
        guard try root.exists(String(path.dropFirst())) else { return nil }
        let group = try root.openGroup(path)
        let names = try group.location.stringsAttribute("colnames") ?? []
        try group.close()
        var columns: [String: HDF5Dataset] = [:]
        for name in names + ["id"] { columns[name] = try root.openDataset(path + "/" + name) }
        return columns
    }

    private func closeAll(_ columns: [String: HDF5Dataset]) { for c in columns.values { try? c.close() } }

    /// The `operator_uid`, `operator_gid` and `operator_pid` columns of a table, row by row (nil where -1: the config).
    private func peers(_ t: [String: HDF5Dataset]) throws -> [PeerCredentials?] {
        let uid = try t["operator_uid"]!.readAll(as: Int64.self), gid = try t["operator_gid"]!.readAll(as: Int64.self)
        let pid = try t["operator_pid"]!.readAll(as: Int64.self)
        return (0..<min(uid.count, gid.count, pid.count)).map { i in
            uid[i] < 0 ? nil : PeerCredentials(uid: UInt32(clamping: uid[i]), gid: UInt32(clamping: gid[i]), pid: Int32(clamping: pid[i]))
        }
    }

    /// Doses in `/intervals/dosing`, in the order recorded, voided ones included (see `voidedDoses()`).
    public func doses() throws -> [DoseEvent] {
        guard let t = try table(NWBLayout.dosing) else { return [] }
        defer { closeAll(t) }
        let start = try t["start_time"]!.readAll(as: Double.self), stop = try t["stop_time"]!.readAll(as: Double.self)
        let ids = try t["event_id"]!.readAll(as: Int64.self)
        let drug = try t["drug"]!.readStrings(), amount = try t["amount"]!.readAll(as: Double.self)
        let unit = try t["unit"]!.readStrings(), route = try t["route"]!.readStrings(), duration = try t["duration_s"]!.readAll(as: Double.self)
        let mg = try t["amount_mg"]!.readAll(as: Double.self), mgPerKg = try t["amount_mg_per_kg"]!.readAll(as: Double.self)
        let rate = try t["rate_mg_per_kg_per_h"]!.readAll(as: Double.self), weight = try t["weight_kg"]!.readAll(as: Double.self)
        let account = try t["operator"]!.readStrings(), op = try t["operator_note"]!.readStrings(), peer = try peers(t)
        let note = try t["note"]!.readStrings(), override = try t["limit_override"]!.readStrings()
        let wall = try t["wall_clock"]!.readStrings(), sample = try t["sample_index"]!.readAll(as: Int64.self)
        let numberCounts: [Int] = [start.count, stop.count, ids.count, amount.count, duration.count, mg.count, mgPerKg.count, rate.count, weight.count, sample.count]
        let textCounts: [Int] = [drug.count, unit.count, route.count, account.count, peer.count, op.count, note.count, override.count, wall.count]
        let n = (numberCounts + textCounts).min() ?? 0
        return (0..<n).map { i in
            let request = DoseRequest(
                drug: drug[i], amount: amount[i], unit: DoseUnit(rawValue: unit[i]) ?? .milligramsPerKilogram, route: Route(rawValue: route[i]) ?? .ivBolus,
                overSeconds: duration[i].isNaN ? nil : duration[i], operator: op[i], note: note[i], confirmed: !override[i].isEmpty)
            let normalized = NormalizedDose(
                weightKilograms: weight[i], milligrams: mg[i], milligramsPerKilogram: mgPerKg[i], milligramsPerKilogramPerHour: rate[i].isNaN ? nil : rate[i])
            return DoseEvent(
                request: request, normalized: normalized, sampleIndex: UInt64(sample[i]), startSeconds: start[i], stopSeconds: stop[i], wallClock: wall[i],
                eventID: UInt64(ids[i]), peer: peer[i], operatorAccount: peer[i] == nil ? nil : account[i], limitOverride: override[i].isEmpty ? nil : override[i])
        }
    }

    /// The `voided_by` column of `/intervals/dosing`: voided dose → the correction's event id.
    public func voidedDoses() throws -> [UInt64: UInt64] {
        guard let t = try table(NWBLayout.dosing) else { return [:] }
        defer { closeAll(t) }
        let ids = try t["event_id"]!.readAll(as: Int64.self), by = try t["voided_by"]!.readAll(as: Int64.self)
        var voided: [UInt64: UInt64] = [:]
        for (id, void) in zip(ids, by) where void >= 0 { voided[UInt64(id)] = UInt64(void) }
        return voided
    }

    /// Corrections in `/events/dose_voids`.
    public func doseVoids() throws -> [DoseVoid] {
        guard let t = try table(NWBLayout.doseVoids) else { return [] }
        defer { closeAll(t) }
        let time = try t["timestamp"]!.readAll(as: Double.self), sample = try t["sample_index"]!.readAll(as: Int64.self)
        let ids = try t["event_id"]!.readAll(as: Int64.self), voided = try t["voided_event_id"]!.readAll(as: Int64.self)
        let reason = try t["reason"]!.readStrings(), wall = try t["wall_clock"]!.readStrings()
        let account = try t["operator"]!.readStrings(), peer = try peers(t)
        let n = [time.count, sample.count, ids.count, voided.count, reason.count, wall.count, account.count, peer.count].min() ?? 0
        return (0..<n).map {
            DoseVoid(
                eventID: UInt64(ids[$0]), voidedEventID: UInt64(voided[$0]), reason: reason[$0], sampleIndex: UInt64(sample[$0]), seconds: time[$0],
                wallClock: wall[$0], peer: peer[$0], operatorAccount: peer[$0] == nil ? nil : account[$0])
        }
    }

    /// Weight changes in `/events/subject_weight`.
    public func weightChanges() throws -> [WeightChange] {
        guard let t = try table(NWBLayout.subjectWeight) else { return [] }
        defer { closeAll(t) }
        let time = try t["timestamp"]!.readAll(as: Double.self), sample = try t["sample_index"]!.readAll(as: Int64.self)
        let ids = try t["event_id"]!.readAll(as: Int64.self), kilograms = try t["weight_kg"]!.readAll(as: Double.self)
        let wall = try t["wall_clock"]!.readStrings(), account = try t["operator"]!.readStrings(), peer = try peers(t)
        let n = [time.count, sample.count, ids.count, kilograms.count, wall.count, account.count, peer.count].min() ?? 0
        return (0..<n).map {
            WeightChange(
                eventID: UInt64(ids[$0]), kilograms: kilograms[$0], sampleIndex: UInt64(sample[$0]), seconds: time[$0], wallClock: wall[$0], peer: peer[$0],
                operatorAccount: peer[$0] == nil ? nil : account[$0])
        }
    }

    /// Gaps in `/intervals/acquisition_gaps`.
    public func gaps() throws -> [AcquisitionGap] {
        guard let t = try table(NWBLayout.gaps) else { return [] }
        defer { closeAll(t) }
        let first = try t["first_sample"]!.readAll(as: Int64.self), count = try t["sample_count"]!.readAll(as: Int64.self)
        let cause = try t["cause"]!.readStrings(), exact = try t["is_exact"]!.readBools()
        let n = [first.count, count.count, cause.count, exact.count].min() ?? 0
        return (0..<n).map { i in
            AcquisitionGap(firstSample: UInt64(first[i]), sampleCount: UInt64(count[i]), cause: AcquisitionGap.Cause(rawValue: cause[i]) ?? .ringOverrun, isExact: exact[i])
        }
    }

    /// One row of `/events/sample_clock`.
    public struct ClockSample: Sendable, Equatable {
        public var sampleIndex: UInt64
        public var wallClockUnixSeconds: Double
        public var monotonicSeconds: Double
    }

    /// The sample clock's rows, in the order recorded.
    public func clockSamples() throws -> [ClockSample] {
        guard let t = try table(NWBLayout.clock) else { return [] }
        defer { closeAll(t) }
        let sample = try t["sample_index"]!.readAll(as: Int64.self)
        let wall = try t["wall_clock_unix_seconds"]!.readAll(as: Double.self), monotonic = try t["monotonic_seconds"]!.readAll(as: Double.self)
        let n = [sample.count, wall.count, monotonic.count].min() ?? 0
        return (0..<n).map { ClockSample(sampleIndex: UInt64(max(0, sample[$0])), wallClockUnixSeconds: wall[$0], monotonicSeconds: monotonic[$0]) }
    }

    /// One row of a stream's `/events/sample_clock_<name>`.
    public struct StreamClockRow: Sendable, Equatable {
        public var sampleIndex: UInt64
        /// Session-clock time of `sampleIndex`, in seconds.
        public var sessionSeconds: Double
        /// `sessionSeconds` − `sampleIndex` / rate.
        public var offsetSeconds: Double
    }

    /// Stream `stream`'s clock rows, in the order recorded (none for a single-source session's stream).
    public func streamClock(stream: Int) throws -> [StreamClockRow] {
        guard streams[stream].name != nil, let t = try table(NWBLayout.clock + streams[stream].suffix) else { return [] }
        defer { closeAll(t) }
        let sample = try t["sample_index"]!.readAll(as: Int64.self)
        let time = try t["timestamp"]!.readAll(as: Double.self), offset = try t["offset_seconds"]!.readAll(as: Double.self)
        let n = [sample.count, time.count, offset.count].min() ?? 0
        return (0..<n).map { StreamClockRow(sampleIndex: UInt64(max(0, sample[$0])), sessionSeconds: time[$0], offsetSeconds: offset[$0]) }
    }

    /// Marks in `/events/marks`.
    public func marks() throws -> [Mark] {
        guard let t = try table(NWBLayout.marks) else { return [] }
        defer { closeAll(t) }
        let time = try t["timestamp"]!.readAll(as: Double.self), text = try t["annotation"]!.readStrings()
        let sample = try t["sample_index"]!.readAll(as: Int64.self), wall = try t["wall_clock"]!.readStrings()
        let ids = try t["event_id"]!.readAll(as: Int64.self), peer = try peers(t)
        let n = [time.count, text.count, sample.count, wall.count, ids.count, peer.count].min() ?? 0
        return (0..<n).map {
            Mark(text: text[$0], sampleIndex: UInt64(sample[$0]), seconds: time[$0], wallClock: wall[$0], eventID: UInt64(ids[$0]), peer: peer[$0])
        }
    }

    /// Band power of stream `stream` (an index of `streams`) as stored, or nil when it has none.
    /// Its times are the stream's own (sample index / its rate).
    public func bandPower(stream: Int = 0) throws -> BandPowerSeries? {
        let root = self.root
        let series = NWBLayout.bandPower + streams[stream].suffix
        guard try root.exists(String(series.dropFirst()) + "/data") else { return nil }
        let data = try root.openDataset(series + "/data")
        defer { try? data.close() }
        try data.refresh()
        let values = try data.readAll(as: Float.self)
        let start = try root.openDataset(series + "/starting_time")
        let rate = try start.location.attribute("rate", as: Double.self) ?? 0
        let startSeconds = try start.readAll(as: Double.self).first ?? 0
        try start.close()
        let bands = try bandPowerBands(stream: stream) ?? []
        return BandPowerSeries(
            bands: bands, rateHz: rate, startSeconds: startSeconds, channels: Array(processedChannels[streams[stream].processedChannels]),
            rowCount: Int(data.extent[0]), valuesMicrovoltsSquared: values)
    }

    /// Threshold-crossing times of stream `stream` in seconds of its own clock, one array
    /// per processed channel of the stream (in `processedChannels[streams[stream].processedChannels]` order).
    public func thresholdCrossingTimes(stream: Int = 0) throws -> [[Double]] {
        let range = streams[stream].processedChannels
        var perChannel = [[Double]](repeating: [], count: range.count)
        guard let t = try table(NWBLayout.thresholdCrossings + streams[stream].suffix) else { return perChannel }
        defer { closeAll(t) }
        let times = try t["timestamp"]!.readAll(as: Double.self), rows = try t["electrode"]!.readAll(as: Int64.self)
        var channelOfRow: [Int: Int] = [:]
        for (i, row) in processedRows[range].enumerated() { channelOfRow[row] = i }
        for (time, row) in zip(times, rows) {
            if let channel = channelOfRow[Int(row)] { perChannel[channel].append(time) }
        }
        return perChannel
    }
}

/// Band power of a session: `[row][processedChannel][band]` in µV².
public struct BandPowerSeries: Sendable {
    /// The bands, in storage order.
    public var bands: [ProcessingSettings.Band]
    /// Rows per second, in Hz.
    public var rateHz: Double
    /// Time of row 0, in seconds since session start.
    public var startSeconds: Double
    /// The processed channels (second axis).
    public var channels: [ProcessedChannel]
    /// Rows stored.
    public var rowCount: Int
    /// Every value, row-major `[row][channel][band]`, in µV².
    public var valuesMicrovoltsSquared: [Float]

    public init(bands: [ProcessingSettings.Band], rateHz: Double, startSeconds: Double, channels: [ProcessedChannel], rowCount: Int, valuesMicrovoltsSquared: [Float]) {
        self.bands = bands
        self.rateHz = rateHz
        self.startSeconds = startSeconds
        self.channels = channels
        self.rowCount = rowCount
        self.valuesMicrovoltsSquared = valuesMicrovoltsSquared
    }

    /// Power of `band` on `channel` at `row`, in µV².
    public func value(row: Int, channel: Int, band: Int) -> Float {
        valuesMicrovoltsSquared[(row * channels.count + channel) * bands.count + band]
    }

    /// Time of `row` in seconds since session start.
    public func seconds(atRow row: Int) -> Double { startSeconds + Double(row) / rateHz }
}
