import KetaMapCore
import KetaMapDSP

/// A session of several streams: `[[stream]]` tables instead of `[source]`,
/// each naming its own `channels.tsv`; `[montage]` names the one
/// `electrodes.tsv` every stream's channels are rows of.
extension ConfigurationLoader {
    static func loadStreams(
        _ tables: [TOMLTableReader], root: TOMLTableReader, session: SessionSettings, subject: SubjectSettings, configText: String,
        configPath: String, readFile: (String) throws(ConfigError) -> String
    ) throws(ConfigError) -> Configuration {
        if root.table["source"] != nil {
            throw root.error(
                .duplicate, "source", "a config lists its sources either in one `[source]` or in `[[stream]]` tables, not both",
                fix: "move the `[source]` keys into a `[[stream]]` table (with `name` and `channels`), or remove the `[[stream]]` tables")
        }
        guard let montageTable = try root.table("montage", known: Keys.streamMontage) else {
            throw ConfigError(
                .missingKey, file: configPath, line: nil, key: "montage",
                message: "a session of `[[stream]]` tables needs `[montage]` with the `electrodes` every stream's channels are rows of",
                fix: "add `[montage]` with `electrodes = \"electrodes.tsv\"`; each `[[stream]]` names its own `channels`")
        }
        let electrodesPath = ConfigurationFile.resolve(
            try montageTable.requiredString("electrodes", expected: "the path of a BIDS electrodes.tsv", example: "electrodes.tsv"), nextTo: configPath)
        let electrodesText = try readFile(electrodesPath)
        let space = try readSpace(montageTable)
        let processing = try readProcessing(root, file: configPath, sampleRateHz: 0)  // rate rules per stream, below

        var streams: [StreamSettings] = []
        for table in tables {
            let stream = try readStream(
                table, configPath: configPath, electrodesText: electrodesText, electrodesPath: electrodesPath, readFile: readFile)
            try checkAgainstEarlier(stream, table: table, earlier: streams)
            try checkProcessing(processing, for: stream, table: table)
            streams.append(stream)
        }
        var montage = Montage(channels: streams.flatMap(\.montage.channels), groups: [])
        for group in streams.flatMap(\.montage.groups) where !montage.groups.contains(where: { $0.name == group.name }) {
            montage.groups.append(group)
        }
        if let space {
            montage.coordinateSpace = space
            for i in streams.indices { streams[i].montage.coordinateSpace = space }
        }

        let source = streams[0].source
        let storage = try readStorage(root)
        let simulator = try readSimulator(root, bands: processing.bands)
        let schedule = try readSchedule(root, source: source, weightKilograms: subject.weightKilograms)
        for stream in streams {
            try Configuration.checkSchedule(schedule, file: configPath, source: stream.source.kind, applyToReplay: true)
        }
        return Configuration(
            session: session, subject: subject, source: source, montage: montage, processing: processing, storage: storage,
            simulator: simulator, schedule: schedule,
            provenance: ConfigurationProvenance(
                configPath: configPath, configText: configText, channelsText: streams[0].channelsText, electrodesText: electrodesText),
            declaredStreams: streams)
    }

    /// One `[[stream]]`: its name, source keys, fault policy and channels.
    static func readStream(
        _ t: TOMLTableReader, configPath: String, electrodesText: String, electrodesPath: String,
        readFile: (String) throws(ConfigError) -> String
    ) throws(ConfigError) -> StreamSettings {
        let name = try t.requiredString("name", expected: "the stream's name", example: "seeg")
        guard StreamSettings.isValidName(name) else {
            throw t.error(
                .invalidValue, "name", "`\(name)` is not a stream name (a letter, then letters, digits or `_`, at most \(StreamSettings.longestName) in all)",
                fix: "name the stream after what it records, e.g. `seeg` or `micro`")
        }
        let source = try readSource(table: t, configPath: configPath)
        let onFault = try t.choice("on_fault", StreamSettings.FaultPolicy.self) ?? .stop
        let channelsPath = ConfigurationFile.resolve(
            try t.requiredString("channels", expected: "the path of this stream's BIDS channels.tsv", example: "seeg-channels.tsv"), nextTo: configPath)
        let channelsText = try readFile(channelsPath)
        let montage = try MontageLoader.load(
            channelsText: channelsText, channelsFile: channelsPath, electrodesText: electrodesText, electrodesFile: electrodesPath,
            sampleRateHz: source.sampleRateHz > 0 ? source.sampleRateHz : nil)
        if let count = source.replay?.channelCount, count != montage.channels.count {
            throw t.error(
                .montage, "channels", "lists \(montage.channels.count) channels but the stream's replay has channels = \(count)",
                fix: "list one row per channel of the replayed file, or correct `channels` in the stream's replay table")
        }
        return StreamSettings(
            name: name, source: source, montage: montage, onFault: onFault, channelsPath: channelsPath, channelsText: channelsText)
    }

    /// Names, channels and cards are each the session's once.
    static func checkAgainstEarlier(_ stream: StreamSettings, table t: TOMLTableReader, earlier: [StreamSettings]) throws(ConfigError) {
        if earlier.contains(where: { $0.name == stream.name }) {
            throw t.error(.duplicate, "name", "stream `\(stream.name)` is defined twice", fix: "give each [[stream]] its own name")
        }
        for other in earlier {
            let names = Set(other.montage.channels.map(\.name))
            if let shared = stream.montage.channels.first(where: { names.contains($0.name) }) {
                throw t.error(
                    .duplicate, "channels", "channel `\(shared.name)` is already recorded by stream `\(other.name)`",
                    fix: "each contact is recorded by one stream: remove it from one of the two channels.tsv files")
            }
            if stream.source.kind == .comedi, other.source.kind == .comedi, stream.source.comedi.device == other.source.comedi.device {
                throw ConfigError(
                    .duplicate, file: t.file, line: t.line(of: "comedi"), key: t.dotted("comedi.device"),
                    message: "`\(stream.source.comedi.device)` is already the card of stream `\(other.name)`; one card streams one command",
                    fix: "give each comedi stream its own device, or record both sets of channels in one stream")
            }
        }
    }

    /// `[processing]` runs on every stream at its own rate: the rate rules hold
    /// for each, and spike detection's band for each stream with microwires.
    static func checkProcessing(_ processing: ProcessingSettings, for stream: StreamSettings, table t: TOMLTableReader) throws(ConfigError) {
        let rate = stream.source.sampleRateHz
        guard processing.enabled, rate > 0 else { return }
        let shown = TOMLTableReader.format(rate)
        if let conflict = processing.rateConflict(atSampleRateHz: rate) {
            throw t.error(
                .outOfRange, "sample_rate_hz", "is \(shown) Hz, at which processing.\(conflict.key) \(conflict.message)", fix: conflict.fix)
        }
        if stream.montage.channels.contains(where: { $0.kind == .micro }), processing.spikeHighHz >= rate / 2 {
            throw t.error(
                .outOfRange, "sample_rate_hz",
                "is \(shown) Hz, but spike detection on the stream's microwires needs more than twice processing.spike_high_hz (\(TOMLTableReader.format(processing.spikeHighHz)) Hz)",
                fix: "record the microwires at 30000 Hz, or lower spike_high_hz in [processing]")
        }
    }
}
