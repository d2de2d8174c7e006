import KetaMapDSP
import KetaMapCore

/// Turns `ketamapd.toml` and its montage files into a `Configuration`.
///
/// Every optional key defaults to what the model's initialisers give; every
/// problem is a `ConfigError` naming the file, line and key. Unknown keys and
/// tables are errors. Relative paths (montage, replay file) are relative to the
/// config file's folder. See `config/ketamapd.toml` for every key, documented.
public enum ConfigurationLoader {
    /// Reads and checks the config file at `path` and the montage files it names.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        let text = try ConfigurationFile.read(path)
        return try load(configText: text, configPath: path) { (file: String) throws(ConfigError) -> String in
            try ConfigurationFile.read(file)
        }
    }

    /// The built-in default (simulator, default montage): the texts of
    /// `config/ketamapd.toml`, `channels.tsv` and `electrodes.tsv` compiled into the binary.
    public static func loadDefault() throws(ConfigError) -> Configuration {
        let directory = DefaultConfiguration.directory
        return try load(configText: DefaultConfiguration.configText, configPath: directory + "/ketamapd.toml") {
            (file: String) throws(ConfigError) -> String in
            switch file {
            case directory + "/channels.tsv": return DefaultConfiguration.channelsText
            case directory + "/electrodes.tsv": return DefaultConfiguration.electrodesText
            default:
                throw ConfigError(
                    .unreadableFile, file: file, line: nil, key: nil, message: "the embedded default has no such file",
                    fix: "the embedded default names only channels.tsv and electrodes.tsv")
            }
        }
    }

    /// Parses `configText` (from `configPath`) and reads the montage through `readFile` (given resolved paths).
    public static func load(
        configText: String, configPath: String, readFile: (String) throws(ConfigError) -> String
    ) throws(ConfigError) -> Configuration {
        let document = try TOMLParser.parse(configText, file: configPath)
        let root = try TOMLTableReader(document, path: "", file: configPath, known: Keys.root)

        let session = try readSession(root, file: configPath)
        let subject = try readSubject(root, file: configPath)
        let streamTables = try root.arrayOfTables("stream", known: Keys.stream)
        if !streamTables.isEmpty {
            return try loadStreams(
                streamTables, root: root, session: session, subject: subject, configText: configText, configPath: configPath, readFile: readFile)
        }
        let source = try readSource(root, configPath: configPath)
        let processing = try readProcessing(root, file: configPath, sampleRateHz: source.sampleRateHz)
        let storage = try readStorage(root)
        let simulator = try readSimulator(root, bands: processing.bands)
        let schedule = try readSchedule(root, source: source, weightKilograms: subject.weightKilograms)

        try Configuration.checkSchedule(schedule, file: configPath, source: source.kind, applyToReplay: true)

        var channelsText = ""
        var electrodesText = ""
        let montage: Montage
        if let table = try root.table("montage", known: Keys.montage) {
            let channelsName = try table.requiredString("channels", expected: "the path of a BIDS channels.tsv", example: "channels.tsv")
            let electrodesName = try table.requiredString(
                "electrodes", expected: "the path of a BIDS electrodes.tsv", example: "electrodes.tsv")
            let channelsPath = ConfigurationFile.resolve(channelsName, nextTo: configPath)
            let electrodesPath = ConfigurationFile.resolve(electrodesName, nextTo: configPath)
            channelsText = try readFile(channelsPath)
            electrodesText = try readFile(electrodesPath)
            var loaded = try MontageLoader.load(
                channelsText: channelsText, channelsFile: channelsPath, electrodesText: electrodesText, electrodesFile: electrodesPath,
                sampleRateHz: source.sampleRateHz > 0 ? source.sampleRateHz : nil)
            if let space = try readSpace(table) { loaded.coordinateSpace = space }
            montage = loaded
            if let count = source.replay?.channelCount, count != montage.channels.count {
                throw ConfigError(
                    .montage, file: configPath, line: root.line(of: "montage"), key: "montage",
                    message: "the montage lists \(montage.channels.count) channels but [source.replay] channels = \(count)",
                    fix: "list one channels.tsv row per channel of the replayed file, or correct `channels`")
            }
        } else if let count = source.replay?.channelCount {
            montage = .numbered(count: count)
        } else if source.kind == .replay {
            // A KetaMap session file brings its own montage; the daemon fills it in from the file.
            montage = Montage(channels: [], groups: [])
        } else {
            throw ConfigError(
                .missingKey, file: configPath, line: nil, key: "montage",
                message: "a `[montage]` table is needed for the \(source.kind.rawValue) source",
                fix: "add `[montage]` with `channels = \"channels.tsv\"` and `electrodes = \"electrodes.tsv\"` (paths relative to this file)")
        }

        return Configuration(
            session: session, subject: subject, source: source, montage: montage, processing: processing, storage: storage,
            simulator: simulator, schedule: schedule,
            provenance: ConfigurationProvenance(
                configPath: configPath, configText: configText, channelsText: channelsText, electrodesText: electrodesText))
    }

    /// `[montage] space`: a BIDS coordinate space name, when given.
    static func readSpace(_ table: TOMLTableReader) throws(ConfigError) -> String? {
        guard let space = try table.string("space", example: "MNI152NLin2009cAsym") else { return nil }
        guard !space.isEmpty, space.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw table.error(
                .invalidValue, "space", "`\(space)` is not a BIDS coordinate space name",
                fix: "write the space as BIDS names it, letters and digits only: MNI152NLin2009cAsym, ACPC, ScanRAS or Other")
        }
        return space
    }

    /// The keys each table accepts.
    enum Keys {
        static let root = ["session", "subject", "source", "stream", "montage", "processing", "storage", "simulator", "schedule"]
        static let session = [
            "description", "experiment_description", "experimenters", "institution", "lab", "keywords", "output_dir", "control_dir",
        ]
        static let subject = ["id", "species", "sex", "age", "description", "weight_kg"]
        static let source = ["kind", "sample_rate_hz", "block_frames", "ring_seconds", "comedi", "replay"]
        static let stream = ["name", "channels", "on_fault"] + source
        static let streamMontage = ["electrodes", "space"]
        static let comedi = [
            "device", "subdevice", "range_index", "range_volts", "reference", "buffer_seconds", "rate_tolerance_percent", "read_timeout_ms",
        ]
        static let replay = ["path", "channels", "sample_rate_hz", "uv_per_bit", "stream", "loop"]
        static let montage = ["channels", "electrodes", "space"]
        static let processing = [
            "enabled", "reference", "line_frequency_hz", "line_harmonics", "line_bandwidth_hz", "lfp_rate_hz", "band_power_rate_hz", "spike_low_hz",
            "spike_high_hz", "spike_threshold_k", "spike_polarity", "spike_refractory_ms", "snippet_before_ms", "snippet_after_ms",
            "noise_window_seconds", "band",
        ]
        static let band = ["name", "low_hz", "high_hz"]
        static let storage = ["flush_seconds", "deflate_level", "chunk_seconds"]
        static let simulator = [
            "seed", "line_frequency_hz", "line_noise_uv", "artifacts_per_minute", "units_per_microwire", "onset_seconds", "peak_seconds",
            "half_life_seconds", "effect",
        ]
        static let effect = ["region", "band", "db"]
        static let schedule = ["dose"]
        static let dose = ["at_seconds", "drug", "amount", "unit", "route", "over_seconds", "operator", "note", "confirm"]
    }

    // MARK: - Tables

    static func readSession(_ root: TOMLTableReader, file: String) throws(ConfigError) -> SessionSettings {
        guard let t = try root.table("session", known: Keys.session) else {
            throw ConfigError(
                .missingKey, file: file, line: nil, key: "session", message: "the `[session]` table is missing",
                fix: "add `[session]` with at least `description = \"...\"` (NWB requires a session description)")
        }
        let defaults = SessionSettings(description: "")
        return SessionSettings(
            description: try t.requiredString("description", expected: "what this session records", example: "ketamine infusion, sEEG"),
            experimentDescription: try t.string("experiment_description", example: "...") ?? defaults.experimentDescription,
            experimenters: try t.strings("experimenters", example: "Surname, Given") ?? defaults.experimenters,
            institution: try t.string("institution", example: "...") ?? defaults.institution,
            lab: try t.string("lab", example: "...") ?? defaults.lab,
            keywords: try t.strings("keywords", example: "ketamine") ?? defaults.keywords,
            outputDirectory: try nonEmptyPath(t, "output_dir", example: "/var/lib/ketamap/sessions") ?? defaults.outputDirectory,
            controlDirectory: try nonEmptyPath(t, "control_dir", example: "/run/ketamap") ?? defaults.controlDirectory)
    }

    static func nonEmptyPath(_ t: TOMLTableReader, _ key: String, example: String) throws(ConfigError) -> String? {
        guard let path = try t.string(key, example: example) else { return nil }
        guard !path.isEmpty else { throw t.error(.outOfRange, key, "is empty; expected a folder", fix: "write e.g. `\(key) = \"\(example)\"`") }
        return path
    }

    static func readSubject(_ root: TOMLTableReader, file: String) throws(ConfigError) -> SubjectSettings {
        guard let t = try root.table("subject", known: Keys.subject) else {
            throw ConfigError(
                .missingKey, file: file, line: nil, key: "subject", message: "the `[subject]` table is missing",
                fix: "add `[subject]` with a pseudonymous `id`, `sex` (M/F/U/O) and `age` (ISO 8601, e.g. \"P35Y\"); NWB tools treat their absence as critical")
        }
        let id = try t.requiredString("id", expected: "a pseudonymous subject id, never a name", example: "sub-007")
        guard id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
            throw t.error(
                // The value is not repeated: it may be a name, and this message goes to the journal.
                .invalidValue, "id", "is not a pseudonymous code (letters, digits, `-` and `_` only)",
                fix: "use the study's code for the subject, e.g. \"sub-007\"; never a name")
        }
        let sex = try t.requiredChoice("sex", SubjectSettings.Sex.self, expected: "the subject's sex")
        let age = try t.requiredString("age", expected: "an ISO 8601 duration", example: "P35Y")
        guard isISO8601Duration(age) else {
            throw t.error(.invalidValue, "age", "`\(age)` is not an ISO 8601 duration", fix: "write years as \"P35Y\" (or e.g. \"P35Y6M\")")
        }
        let defaults = SubjectSettings(id: id, sex: sex, age: age)
        return SubjectSettings(
            id: id, species: try t.string("species", example: "Homo sapiens") ?? defaults.species, sex: sex, age: age,
            description: try t.string("description", example: "...") ?? defaults.description,
            weightKilograms: try t.double("weight_kg", unit: "kg", example: "72", rule: "must be a body weight from 0.3 to 500 kg") {
                WeightChange.check(kilograms: $0) == nil
            })
    }

    /// `P35Y`, `P35Y6M`, `P3W`, `P10D`, `PT36H`: a `P`, then numbers each followed by a designator, in order.
    static func isISO8601Duration(_ text: String) -> Bool {
        guard text.first == "P", text.count > 1 else { return false }
        var sawNumber = false
        var digits = ""
        var inTime = false
        var order = "YMWD"
        var sawDesignator = false
        for character in text.dropFirst() {
            if character.isNumber || character == "." {
                digits.append(character)
                continue
            }
            if character == "T" {
                guard digits.isEmpty, !inTime else { return false }
                inTime = true
                order = "HMS"
                continue
            }
            guard !digits.isEmpty, Double(digits) != nil, let position = order.firstIndex(of: character) else { return false }
            order = String(order[order.index(after: position)...])
            digits = ""
            sawNumber = true
            sawDesignator = true
        }
        return digits.isEmpty && sawNumber && sawDesignator
    }

    static func readSource(_ root: TOMLTableReader, configPath: String) throws(ConfigError) -> SourceSettings {
        guard let t = try root.table("source", known: Keys.source) else {
            throw ConfigError(
                .missingKey, file: configPath, line: nil, key: "source", message: "the `[source]` table is missing",
                fix: "add `[source]` with `kind = \"sim\"` (or comedi, replay) and `sample_rate_hz = 30000`")
        }
        return try readSource(table: t, configPath: configPath)
    }

    /// A source's keys, from `[source]` or one `[[stream]]`.
    static func readSource(table t: TOMLTableReader, configPath: String) throws(ConfigError) -> SourceSettings {
        let kind = try t.requiredChoice("kind", SourceSettings.Kind.self, expected: "where samples come from")
        let replay = try readReplay(t, configPath: configPath)
        if kind == .replay, replay == nil {
            throw t.error(
                .missingKey, "replay", "`kind = \"replay\"` needs a `[source.replay]` table",
                fix: "add `[source.replay]` with `path`, and for a raw int16 file `channels`, `sample_rate_hz` and `uv_per_bit`")
        }
        let rateRule = "must be a positive rate of at most \(TOMLTableReader.format(SourceSettings.highestSampleRateHz)) Hz"
        let plausibleRate = { (x: Double) in x > 0 && x <= SourceSettings.highestSampleRateHz }
        var rate = try t.double("sample_rate_hz", unit: "Hz", example: "30000", rule: rateRule, plausibleRate)
        if kind == .replay, let replayRate = replay?.sampleRateHz {
            if let rate, rate != replayRate {
                throw t.error(
                    .outOfRange, "sample_rate_hz", "is \(TOMLTableReader.format(rate)) Hz but [source.replay] says \(TOMLTableReader.format(replayRate)) Hz",
                    fix: "a replayed file runs at its own rate: remove one of the two or make them equal")
            }
            rate = replayRate
        }
        if rate == nil, kind != .replay {
            _ = try t.requiredDouble("sample_rate_hz", unit: "Hz", example: "30000", rule: rateRule, plausibleRate)
        }
        let defaults = SourceSettings(kind: kind, sampleRateHz: rate ?? 0)
        let blockFrames = try t.integer("block_frames", example: "300", rule: "must be between 1 and 1048576 frames") { $0 >= 1 && $0 <= 1 << 20 }
        let ringSeconds = try t.double("ring_seconds", unit: "s", example: "4", rule: "must be positive and at most 120 s") { $0 > 0 && $0 <= 120 }
        let settings = SourceSettings(
            kind: kind, sampleRateHz: rate ?? 0, blockFrames: blockFrames ?? defaults.blockFrames,
            ringSeconds: ringSeconds ?? defaults.ringSeconds, comedi: try readComedi(t), replay: replay)
        if let rate, settings.ringSeconds * rate < Double(settings.framesPerBlock) * 4 {
            throw t.error(
                .outOfRange, "ring_seconds", "holds fewer than 4 blocks of \(settings.framesPerBlock) frames",
                fix: "make ring_seconds larger (the default is 4 s) or block_frames smaller")
        }
        return settings
    }

    static func readComedi(_ source: TOMLTableReader) throws(ConfigError) -> ComediSettings {
        let defaults = ComediSettings()
        guard let t = try source.table("comedi", known: Keys.comedi) else { return defaults }
        let positive = { (x: Double) in x > 0 }
        return ComediSettings(
            device: try nonEmptyPath(t, "device", example: "/dev/comedi0") ?? defaults.device,
            subdevice: try t.integer("subdevice", example: "0", rule: "must be 0 or more") { $0 >= 0 } ?? defaults.subdevice,
            rangeIndex: try t.integer("range_index", example: "0", rule: "must be 0 or more") { $0 >= 0 } ?? defaults.rangeIndex,
            rangeVolts: try t.double("range_volts", unit: "V", example: "10", rule: "must be positive", positive) ?? defaults.rangeVolts,
            reference: try t.choice("reference", ComediSettings.Reference.self) ?? defaults.reference,
            bufferSeconds: try t.double("buffer_seconds", unit: "s", example: "2", rule: "must be positive and at most 60 s") { $0 > 0 && $0 <= 60 }
                ?? defaults.bufferSeconds,
            rateTolerancePercent: try t.double(
                "rate_tolerance_percent", unit: "%", example: "1", rule: "must be between 0 and 100", { $0 >= 0 && $0 <= 100 })
                ?? defaults.rateTolerancePercent,
            readTimeoutMilliseconds: try t.integer("read_timeout_ms", example: "2000", rule: "must be between 1 and 600000 ms") { $0 >= 1 && $0 <= 600_000 }
                ?? defaults.readTimeoutMilliseconds)
    }

    static func readReplay(_ source: TOMLTableReader, configPath: String) throws(ConfigError) -> ReplaySettings? {
        guard let t = try source.table("replay", known: Keys.replay) else { return nil }
        let relative = try t.requiredString("path", expected: "the file to replay", example: "recording.dat")
        let path = ConfigurationFile.resolve(relative, nextTo: configPath)
        let positive = { (x: Double) in x > 0 }
        let channels = try t.integer("channels", example: "64", rule: "must be between 1 and 4096") { $0 >= 1 && $0 <= 4096 }
        let rate = try t.double(
            "sample_rate_hz", unit: "Hz", example: "30000", rule: "must be a positive rate of at most \(TOMLTableReader.format(SourceSettings.highestSampleRateHz)) Hz"
        ) { $0 > 0 && $0 <= SourceSettings.highestSampleRateHz }
        let microvolts = try t.double("uv_per_bit", unit: "µV per bit", example: "0.195", rule: "must be positive", positive)
        let stream = try t.string("stream", example: "imec0.ap")
        let loop = try t.boolean("loop") ?? false
        if channels != nil || rate != nil || microvolts != nil {
            // Any of the three says the file is headless int16, which needs all three.
            let given: [(key: String, present: Bool, example: String)] = [
                ("channels", channels != nil, "64"), ("sample_rate_hz", rate != nil, "30000"), ("uv_per_bit", microvolts != nil, "0.195"),
            ]
            for entry in given where !entry.present {
                throw t.error(
                    .missingKey, entry.key, "a headless int16 file says nothing about itself, so [source.replay] needs `\(entry.key)`",
                    fix: "add `\(entry.key) = \(entry.example)` (a session file or an Open Ephys, SpikeGLX or Intan recording needs none)")
            }
        }
        return ReplaySettings(path: path, channelCount: channels, sampleRateHz: rate, microvoltsPerBit: microvolts, stream: stream, loop: loop)
    }

    static func readProcessing(_ root: TOMLTableReader, file: String, sampleRateHz rate: Double) throws(ConfigError) -> ProcessingSettings {
        let d = ProcessingSettings()
        guard let t = try root.table("processing", known: Keys.processing) else { return d }
        let positive = { (x: Double) in x > 0 }
        let nyquist = rate > 0 ? rate / 2 : Double.infinity
        let line = try t.double("line_frequency_hz", unit: "Hz", example: "50", rule: "must be 0 (line removal off) or a positive frequency") { $0 >= 0 }
        let lfpRate = try t.double("lfp_rate_hz", unit: "Hz", example: "1000", rule: "must be positive and at most the sample rate (\(TOMLTableReader.format(rate)) Hz)") {
            $0 > 0 && (rate <= 0 || $0 <= rate)
        } ?? d.lfpRateHz
        var bands = d.bands
        let bandTables = try t.arrayOfTables("band", known: Keys.band)
        if !bandTables.isEmpty {
            bands = []
            for b in bandTables {
                let name = try b.requiredString("name", expected: "the band's name", example: "gamma")
                if bands.contains(where: { $0.name == name }) {
                    throw b.error(.duplicate, "name", "band `\(name)` is defined twice", fix: "give each [[processing.band]] its own name")
                }
                let low = try b.requiredDouble("low_hz", unit: "Hz", example: "30", rule: "must not be negative") { $0 >= 0 }
                let high = try b.requiredDouble(
                    "high_hz", unit: "Hz", example: "80", rule: "must be above low_hz (\(TOMLTableReader.format(low)) Hz) and below half the LFP rate (\(TOMLTableReader.format(lfpRate / 2)) Hz)"
                ) { $0 > low && $0 < lfpRate / 2 }
                bands.append(.init(name: name, lowHz: low, highHz: high))
            }
        } else if let tooHigh = bands.first(where: { $0.highHz >= lfpRate / 2 }) {
            throw t.error(
                .outOfRange, "lfp_rate_hz", "is too low for the default band `\(tooHigh.name)` (up to \(TOMLTableReader.format(tooHigh.highHz)) Hz)",
                fix: "use an LFP rate above \(TOMLTableReader.format(tooHigh.highHz * 2)) Hz, or define your own [[processing.band]] entries")
        }
        let spikeLow = try t.double("spike_low_hz", unit: "Hz", example: "300", rule: "must be positive", positive) ?? d.spikeLowHz
        let spikeHigh = try t.double(
            "spike_high_hz", unit: "Hz", example: "6000",
            rule: "must be above spike_low_hz (\(TOMLTableReader.format(spikeLow)) Hz) and below half the sample rate (\(TOMLTableReader.format(nyquist)) Hz)"
        ) { $0 > spikeLow && $0 < nyquist } ?? d.spikeHighHz
        if spikeHigh >= nyquist || spikeHigh <= spikeLow {
            throw t.error(
                .outOfRange, "spike_high_hz", "is \(TOMLTableReader.format(spikeHigh)) Hz, which needs a sample rate above \(TOMLTableReader.format(spikeHigh * 2)) Hz and must be above spike_low_hz",
                fix: "set `spike_high_hz` below \(TOMLTableReader.format(nyquist)) Hz in [processing], or raise [source] sample_rate_hz")
        }
        let bandPowerRate = try t.double(
            "band_power_rate_hz", unit: "Hz", example: "10", rule: "must be positive and at most the LFP rate") { $0 > 0 && $0 <= lfpRate }
            ?? d.bandPowerRateHz
        let settings = ProcessingSettings(
            enabled: try t.boolean("enabled") ?? d.enabled,
            reference: try t.choice("reference", ProcessingSettings.Reference.self) ?? d.reference,
            lineFrequencyHz: line.map { $0 == 0 ? nil : $0 } ?? d.lineFrequencyHz,
            lineHarmonics: try t.integer("line_harmonics", example: "3", rule: "must be between 1 and 20") { $0 >= 1 && $0 <= 20 }
                ?? d.lineHarmonics,
            lineBandwidthHz: try t.double("line_bandwidth_hz", unit: "Hz", example: "0.1", rule: "must be above 0 and at most 5") {
                $0 > 0 && $0 <= 5
            } ?? d.lineBandwidthHz,
            lfpRateHz: lfpRate, bands: bands, bandPowerRateHz: bandPowerRate, spikeLowHz: spikeLow, spikeHighHz: spikeHigh,
            spikeThresholdK: try t.double("spike_threshold_k", unit: "× noise", example: "5", rule: "must be positive", positive)
                ?? d.spikeThresholdK,
            spikePolarity: try t.choice("spike_polarity", ProcessingSettings.Polarity.self) ?? d.spikePolarity,
            spikeRefractoryMilliseconds: try t.double("spike_refractory_ms", unit: "ms", example: "1", rule: "must be between 0 and 1000 ms") {
                $0 >= 0 && $0 <= 1000
            } ?? d.spikeRefractoryMilliseconds,
            snippetBeforeMilliseconds: try t.double("snippet_before_ms", unit: "ms", example: "0.5", rule: "must be between 0 and 10") {
                $0 >= 0 && $0 <= 10
            } ?? d.snippetBeforeMilliseconds,
            snippetAfterMilliseconds: try t.double("snippet_after_ms", unit: "ms", example: "1", rule: "must be above 0 and at most 10") {
                $0 > 0 && $0 <= 10
            } ?? d.snippetAfterMilliseconds,
            noiseWindowSeconds: try t.double("noise_window_seconds", unit: "s", example: "2", rule: "must be positive and at most 600 s") { $0 > 0 && $0 <= 600 }
                ?? d.noiseWindowSeconds)
        // The same rules SignalProcessor applies at the source's real rate.
        if rate > 0, let conflict = settings.rateConflict(atSampleRateHz: rate) {
            throw t.error(.outOfRange, conflict.key, conflict.message, fix: conflict.fix)
        }
        return settings
    }

    static func readStorage(_ root: TOMLTableReader) throws(ConfigError) -> StorageSettings {
        let d = StorageSettings()
        guard let t = try root.table("storage", known: Keys.storage) else { return d }
        let level = try t.integer("deflate_level", example: "4", rule: "must be 0 (no compression) or 1–9") { (0...9).contains($0) }
        return StorageSettings(
            flushSeconds: try t.double("flush_seconds", unit: "s", example: "1", rule: "must be positive and at most 3600 s") { $0 > 0 && $0 <= 3600 } ?? d.flushSeconds,
            deflateLevel: level.map { $0 == 0 ? nil : $0 } ?? d.deflateLevel,
            chunkSeconds: try t.double("chunk_seconds", unit: "s", example: "0.1", rule: "must be positive and at most 60 s") { $0 > 0 && $0 <= 60 } ?? d.chunkSeconds)
    }

    static func readSimulator(_ root: TOMLTableReader, bands: [ProcessingSettings.Band]) throws(ConfigError) -> SimulatorSettings {
        let d = SimulatorSettings()
        guard let t = try root.table("simulator", known: Keys.simulator) else {
            try checkEffectBands(d.effects, bands: bands, reader: root, key: "simulator")
            return d
        }
        let seed = try t.integer("seed", example: "1", rule: "must not be negative") { $0 >= 0 }
        let onset = try t.double("onset_seconds", unit: "s", example: "30", rule: "must not be negative") { $0 >= 0 } ?? d.onsetSeconds
        let peak = try t.double("peak_seconds", unit: "s after the dose", example: "300", rule: "must be after onset_seconds (\(TOMLTableReader.format(onset)) s)") {
            $0 > onset
        } ?? d.peakSeconds
        if peak <= onset {
            throw t.error(.outOfRange, "onset_seconds", "must be before peak_seconds (\(TOMLTableReader.format(peak)) s)", fix: "make onset_seconds smaller than peak_seconds")
        }
        let halfLife = try t.double("half_life_seconds", unit: "s", example: "9000", rule: "must be positive") { $0 > 0 } ?? d.halfLifeSeconds
        // One compartment with first-order absorption peaks at most 1/ke = half-life / ln 2 after the onset.
        if peak - onset >= halfLife / 0.693_147_180_559_945_3 {
            throw t.error(
                .outOfRange, "peak_seconds",
                "comes \(TOMLTableReader.format(peak - onset)) s after the onset, but with a half-life of \(TOMLTableReader.format(halfLife)) s a one-compartment effect peaks within \(TOMLTableReader.format((halfLife / 0.693_147_180_559_945_3).rounded(.down))) s of it",
                fix: "bring peak_seconds closer to onset_seconds or lengthen half_life_seconds")
        }
        var effects = d.effects
        let effectTables = try t.arrayOfTables("effect", known: Keys.effect)
        if !effectTables.isEmpty {
            effects = []
            for e in effectTables {
                let band = try e.requiredString("band", expected: "a band name from [processing]", example: "gamma")
                guard bands.contains(where: { $0.name == band }) else {
                    throw e.error(.invalidValue, "band", "`\(band)` is not one of the processing bands", fix: ConfigError.suggestion(for: band, in: bands.map(\.name)))
                }
                effects.append(
                    DoseEffect(
                        region: try e.requiredString("region", expected: "region keywords (`|` between alternatives) or *", example: "prefrontal"),
                        band: band,
                        decibels: try e.requiredDouble("db", unit: "dB at peak", example: "2", rule: "must be between -20 and 20 dB") { abs($0) <= 20 }))
            }
        } else {
            try checkEffectBands(effects, bands: bands, reader: t, key: "effect")
        }
        return SimulatorSettings(
            seed: seed.map { UInt64($0) } ?? d.seed,
            lineFrequencyHz: try t.double("line_frequency_hz", unit: "Hz", example: "50", rule: "must be positive") { $0 > 0 } ?? d.lineFrequencyHz,
            lineNoiseMicrovolts: try t.double("line_noise_uv", unit: "µV", example: "8", rule: "must be between 0 and 1000 µV") {
                $0 >= 0 && $0 <= 1000
            } ?? d.lineNoiseMicrovolts,
            artifactsPerMinute: try t.double("artifacts_per_minute", unit: "per minute", example: "0.5", rule: "must be between 0 and 60") {
                $0 >= 0 && $0 <= 60
            } ?? d.artifactsPerMinute,
            unitsPerMicrowire: try t.integer("units_per_microwire", example: "2", rule: "must be between 0 and 6") { (0...6).contains($0) }
                ?? d.unitsPerMicrowire,
            onsetSeconds: onset, peakSeconds: peak,
            halfLifeSeconds: halfLife,
            effects: effects)
    }

    /// The default effects name bands; a custom band list must still contain them.
    static func checkEffectBands(_ effects: [DoseEffect], bands: [ProcessingSettings.Band], reader: TOMLTableReader, key: String) throws(ConfigError) {
        for effect in effects where !bands.contains(where: { $0.name == effect.band }) {
            throw reader.error(
                .montage, key, "the default simulator effects use band `\(effect.band)`, which [[processing.band]] does not define",
                fix: "define a `\(effect.band)` band, or list your own [[simulator.effect]] entries")
        }
    }

    /// Reads the schedule and checks each dose as the session will (weight,
    /// plausibility limits, the session limit), so that a scheduled dose is never refused at run time.
    static func readSchedule(_ root: TOMLTableReader, source: SourceSettings, weightKilograms: Double?) throws(ConfigError) -> [ScheduledDose] {
        guard let t = try root.table("schedule", known: Keys.schedule) else { return [] }
        var doses: [ScheduledDose] = []
        var ledger = DoseLedger(weightKilograms: weightKilograms)
        for d in try t.arrayOfTables("dose", known: Keys.dose) {
            let at = try d.requiredDouble("at_seconds", unit: "s since session start", example: "20", rule: "must not be negative") { $0 >= 0 }
            let request = DoseRequest(
                drug: try d.requiredString("drug", expected: "the drug's name", example: "ketamine"),
                amount: try d.requiredDouble("amount", unit: "the dose unit", example: "0.5", rule: "must be positive") { $0 > 0 },
                unit: try d.requiredChoice("unit", DoseUnit.self, expected: "the amount's unit"),
                route: try d.requiredChoice("route", Route.self, expected: "how it is given"),
                overSeconds: try d.double("over_seconds", unit: "s", example: "2400", rule: "must be positive") { $0 > 0 },
                operator: try d.string("operator", example: "Dr. A") ?? "", note: try d.string("note", example: "...") ?? "",
                confirmed: try d.boolean("confirm") ?? false,
                atSample: source.sampleRateHz > 0 ? UInt64((at * source.sampleRateHz).rounded()) : nil)
            do {
                let assessed = try ledger.assess(request)
                ledger.record(
                    DoseEvent(
                        request: request, normalized: assessed.normalized, sampleIndex: 0, startSeconds: at, stopSeconds: at, wallClock: "",
                        eventID: ledger.takeEventID()))
            } catch {
                let key = ["over": "over_seconds", "weight": "weight_kg", "limit_override": "confirm"][error.field] ?? error.field
                let fix = error.field == "weight" ? "add `weight_kg` to [subject]" : error.brokenLimits != nil ? "correct the dose, or add `confirm = true` if it is right" : "see `ketamapctl dose --help` for what a dose needs"
                throw d.error(.outOfRange, key, error.reason, fix: fix)
            }
            if doses.contains(where: { $0.atSeconds == at }) {
                throw d.error(.duplicate, "at_seconds", "another dose is already scheduled at \(TOMLTableReader.format(at)) s", fix: "two doses never share a start time; move one")
            }
            doses.append(ScheduledDose(atSeconds: at, request: request, line: d.line(of: "at_seconds")))
        }
        return doses
    }
}
