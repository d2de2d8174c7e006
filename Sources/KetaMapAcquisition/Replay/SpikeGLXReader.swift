/// Reads a SpikeGLX run: each stream is a `.bin` of interleaved int16 frames
/// beside a `.meta` of `key=value` lines (`~key` for tables). From the meta:
/// `nSavedChans`, `imSampRate`/`niSampRate`, `fileSizeBytes`, the channel
/// names of `snsChanMap`, and the gains: per channel from `imroTbl` for
/// Neuropixels 1.0 (AP gain field 3, LF gain field 4), `imChan0apGain` or 80
/// for Neuropixels 2.0, with `imAiRangeMax`/`imMaxInt`; `niMNGain`/`niMAGain`
/// with `niAiRangeMax`/`niMaxInt` for NI-DAQ. The sync word (`SY0`) and NI
/// digital words (`XD…`) are left out: they are not voltages.
///
/// PATH may be a `.bin` or `.meta` file, or a folder holding the run (then
/// `stream=imec0.ap|imec0.lf|nidq` chooses when there are several).
enum SpikeGLXReader {
    /// The `.meta` file a path names, or nil when it is not a SpikeGLX run.
    static func metaPath(for path: String, stream wanted: String?) throws(ReplayError) -> String? {
        switch ReplayFiles.kind(path) {
        case .file where path.hasSuffix(".meta"):
            return path
        case .file where path.hasSuffix(".bin"):
            let meta = String(path.dropLast(".bin".count)) + ".meta"
            return ReplayFiles.kind(meta) == .file ? meta : nil
        case .directory:
            let metas = ReplayFiles.find(in: path, depth: 2) { $0.hasSuffix(".meta") }
            if metas.isEmpty { return nil }
            if let wanted {
                guard let match = metas.first(where: { streamName(of: $0) == wanted }) else {
                    throw ReplayError(
                        .badParameters, path: path, message: "has no SpikeGLX stream `\(wanted)`; it has \(metas.map(streamName(of:)).joined(separator: ", "))",
                        fix: "write `stream=` with one of those names")
                }
                return match
            }
            guard metas.count == 1 else {
                throw ReplayError(
                    .ambiguous, path: path, message: "holds \(metas.count) SpikeGLX streams: \(metas.map(streamName(of:)).joined(separator: ", "))",
                    fix: "choose one with `?stream=NAME` (e.g. `stream=imec0.ap`), or name its .bin file")
            }
            return metas[0]
        default:
            return nil
        }
    }

    /// `imec0.ap`, `imec0.lf` or `nidq`, from a file name such as `run_g0_t0.imec0.ap.meta`.
    static func streamName(of path: String) -> String {
        var parts = ReplayFiles.name(of: path).split(separator: ".").map(String.init)
        if parts.last == "meta" || parts.last == "bin" { parts.removeLast() }
        guard let last = parts.last else { return "" }
        if (last == "ap" || last == "lf"), parts.count >= 2 { return parts[parts.count - 2] + "." + last }
        return last
    }

    static func read(meta path: String) throws(ReplayError) -> Recording {
        let meta = parse(try ReplayFiles.text(path))
        func field(_ key: String) throws(ReplayError) -> String {
            guard let value = meta[key] else {
                throw ReplayError(.badHeader, path: path, message: "has no `\(key)`", fix: "expected the .meta file SpikeGLX writes beside each .bin")
            }
            return value
        }
        func number(_ key: String, default fallback: Double? = nil) throws(ReplayError) -> Double {
            guard let text = meta[key] else {
                if let fallback { return fallback }
                throw ReplayError(.badHeader, path: path, message: "has no `\(key)`", fix: "expected the .meta file SpikeGLX writes beside each .bin")
            }
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw ReplayError(.badHeader, path: path, message: "`\(key)=\(text)` is not a positive number", fix: "expected the value SpikeGLX writes")
            }
            return value
        }

        let stream = streamName(of: path)
        let kind = meta["typeThis"] ?? (stream.hasPrefix("imec") ? "imec" : stream)
        guard kind == "imec" || kind == "nidq" else {
            throw ReplayError(.unsupported, path: path, message: "is a SpikeGLX `\(kind)` stream", fix: "expected an imec (Neuropixels .ap/.lf) or nidq stream")
        }
        let savedText = try field("nSavedChans")
        guard let saved = Int(savedText), (1...4096).contains(saved) else {
            throw ReplayError(.badHeader, path: path, message: "`nSavedChans=\(savedText)` is not a channel count from 1 to 4096", fix: "expected the value SpikeGLX writes")
        }
        let rate = try number(kind == "imec" ? "imSampRate" : "niSampRate")
        let names = try chanMapNames(try field("snsChanMap"), path: path)
        guard names.count == saved else {
            throw ReplayError(
                .badHeader, path: path, message: "`snsChanMap` names \(names.count) channels but `nSavedChans=\(saved)`",
                fix: "expected one snsChanMap entry per saved channel")
        }
        let gains = kind == "imec" ? try imecMicrovolts(meta, names: names, stream: stream, path: path, number: number)
            : try nidqMicrovolts(names: names, number: number)

        let dataPath = String(path.dropLast(".meta".count)) + ".bin"
        let declaredText = try field("fileSizeBytes")
        guard let declared = Int64(declaredText), declared >= 0 else {
            throw ReplayError(.badHeader, path: path, message: "`fileSizeBytes=\(declaredText)` is not a size in bytes", fix: "expected the value SpikeGLX writes")
        }
        let actual = try ReplayFiles.size(dataPath)
        if actual < declared {
            throw ReplayError(
                .truncated, path: dataPath, message: "holds \(actual) bytes but \(ReplayFiles.name(of: path)) says fileSizeBytes=\(declared): the data file is cut short",
                fix: "copy the run again; KetaMap replays only complete files")
        }
        if actual > declared {
            throw ReplayError(
                .sizeMismatch, path: dataPath, message: "holds \(actual) bytes but \(ReplayFiles.name(of: path)) says fileSizeBytes=\(declared)",
                fix: "the .bin and .meta do not belong together; replay the pair SpikeGLX wrote")
        }
        let frames = try Recording.wholeFrames(bytes: actual, frameBytes: 2 * saved, dataPath: dataPath, header: path, what: "\(saved)-channel frames")

        var channels: [Recording.Channel] = []
        var leftOut: [String] = []
        for (column, name) in names.enumerated() {
            guard let microvolts = gains[column] else {
                leftOut.append(name)
                continue
            }
            channels.append(Recording.Channel(name: name, column: column, microvoltsPerCount: microvolts))
        }
        guard !channels.isEmpty else {
            throw ReplayError(.empty, path: path, message: "holds only sync and digital channels", fix: "replay an .ap, .lf or analog nidq stream")
        }
        return Recording(
            system: "SpikeGLX", stream: stream, dataPath: dataPath, layout: .interleaved(offset: 0, channelsPerFrame: saved), frameCount: frames,
            sampleRateHz: rate, channels: channels,
            provenance: [
                "format": "SpikeGLX", "meta": path, "probe_part_number": meta["imDatPrb_pn"] ?? "", "imro_table": kind == "imec" ? meta["imroTbl"] ?? "" : "",
                "left_out_channels": leftOut.joined(separator: ","),
            ])
    }

    /// The meta's `key=value` lines; a `~` before a key (tables) is dropped.
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var key = line[..<equals].trimmingCharacters(in: " \t")
            if key.hasPrefix("~") { key.removeFirst() }
            fields[String(key)] = String(line[line.index(after: equals)...].trimmingCharacters(in: " \t\r"))
        }
        return fields
    }

    /// The entries of a `(header)(entry)(entry)…` table, header first.
    static func tableEntries(_ text: String) -> [Substring] {
        text.split(separator: ")", omittingEmptySubsequences: true).map { $0.hasPrefix("(") ? $0.dropFirst() : $0 }
    }

    /// `snsChanMap=(384,384,1)(AP0;0:0)(AP1;1:1)…(SY0;768:768)` → `["AP0", "AP1", …, "SY0"]`.
    private static func chanMapNames(_ text: String, path: String) throws(ReplayError) -> [String] {
        let entries = tableEntries(text).dropFirst()
        var names: [String] = []
        for entry in entries {
            guard let semicolon = entry.firstIndex(of: ";"), semicolon > entry.startIndex else {
                throw ReplayError(.badHeader, path: path, message: "`snsChanMap` entry `(\(entry))` has no name", fix: "expected entries like (AP0;0:0)")
            }
            names.append(String(entry[..<semicolon]))
        }
        return names
    }

    /// µV per count of each saved imec channel (nil for the sync word), from `imroTbl` and the probe's range.
    private static func imecMicrovolts(
        _ meta: [String: String], names: [String], stream: String, path: String, number: (String, Double?) throws(ReplayError) -> Double
    ) throws(ReplayError) -> [Double?] {
        guard let table = meta["imroTbl"] else {
            throw ReplayError(.badHeader, path: path, message: "has no `imroTbl`", fix: "expected the .meta file SpikeGLX writes for a Neuropixels stream")
        }
        let entries = tableEntries(table)
        guard let header = entries.first, let type = Int(header.split(separator: ",").first ?? "") else {
            throw ReplayError(.badHeader, path: path, message: "`imroTbl` has no (type,channels) header", fix: "expected e.g. imroTbl=(0,384)(0 0 0 500 250 1)…")
        }
        let rows = entries.dropFirst().map { $0.split(separator: " ").map(String.init) }
        let isLF = stream.hasSuffix(".lf")
        let range = try number("imAiRangeMax", nil)
        // NP 1.0 rows are (channel bank reference apGain lfGain highPass); NP 2.0 (types 21, 24, 20xx) have fixed gain.
        let perChannelGain: (Int) throws(ReplayError) -> Double
        let maxInt: Double
        if let first = rows.first, first.count == 6 {
            maxInt = try number("imMaxInt", 512)
            perChannelGain = { (channel: Int) throws(ReplayError) -> Double in
                guard channel < rows.count, rows[channel].count == 6, let gain = Double(rows[channel][isLF ? 4 : 3]), gain > 0, gain.isFinite else {
                    throw ReplayError(
                        .badHeader, path: path, message: "`imroTbl` has no valid \(isLF ? "LF" : "AP") gain for channel \(channel)",
                        fix: "expected one (channel bank reference apGain lfGain highPass) entry per channel")
                }
                return gain
            }
        } else if type == 21 || type == 24 || (2000..<3000).contains(type) {
            guard !isLF else {
                throw ReplayError(.unsupported, path: path, message: "is an LF stream of a Neuropixels 2.0 probe (imroTbl type \(type))", fix: "replay the .ap stream")
            }
            maxInt = try number("imMaxInt", 8192)
            let gain = try number("imChan0apGain", 80)
            perChannelGain = { _ in gain }
        } else {
            throw ReplayError(
                .unsupported, path: path, message: "has imroTbl type \(type) with \(rows.first?.count ?? 0) fields per entry",
                fix: "expected a Neuropixels 1.0 table (6 fields: channel bank reference apGain lfGain highPass) or 2.0 (type 21, 24 or 20xx)")
        }
        var microvolts: [Double?] = []
        for name in names {
            if name.hasPrefix("SY") {
                microvolts.append(nil)
                continue
            }
            guard let channel = Int(name.drop(while: \.isLetter)), channel >= 0 else {
                throw ReplayError(.badHeader, path: path, message: "`snsChanMap` names a channel `\(name)`", fix: "expected AP<n>, LF<n> or SY<n>")
            }
            microvolts.append(range / maxInt / (try perChannelGain(channel)) * 1e6)
        }
        return microvolts
    }

    /// µV per count of each saved NI-DAQ channel (nil for digital words): MN and MA channels through their amplifier gain, XA direct.
    private static func nidqMicrovolts(names: [String], number: (String, Double?) throws(ReplayError) -> Double) throws(ReplayError) -> [Double?] {
        let voltsPerCount = try number("niAiRangeMax", nil) / (try number("niMaxInt", 32768))
        var microvolts: [Double?] = []
        for name in names {
            if name.hasPrefix("MN") {
                microvolts.append(voltsPerCount / (try number("niMNGain", nil)) * 1e6)
            } else if name.hasPrefix("MA") {
                microvolts.append(voltsPerCount / (try number("niMAGain", nil)) * 1e6)
            } else if name.hasPrefix("XA") {
                microvolts.append(voltsPerCount * 1e6)
            } else {
                microvolts.append(nil)  // XD digital words, SY
            }
        }
        return microvolts
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return text
    }
}
