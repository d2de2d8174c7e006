import KetaMapConfiguration
import KetaMapCore

extension Recording {
    /// Opens what `settings.path` names with the reader of its format: an Open
    /// Ephys binary recording, a SpikeGLX stream, an Intan RHD recording, or
    /// (when channels, rate and µV per bit are given) a headless int16 file.
    /// A KetaMap `.nwb` session file is not a `Recording`: the daemon replays it itself.
    public static func open(_ settings: ReplaySettings) throws(ReplayError) -> Recording {
        if settings.isHeadless { return try HeadlessReader.read(settings) }
        let path = settings.path
        if ReplayFiles.kind(path) == .missing {
            throw ReplayError(.fileMissing, path: path, message: "there is no such file or folder", fix: "check the path (relative paths are relative to the config file or the working directory)")
        }
        if let (structure, stream) = try OpenEphysBinaryReader.structurePath(for: path) {
            return try OpenEphysBinaryReader.read(structure: structure, stream: settings.stream ?? stream)
        }
        if let meta = try SpikeGLXReader.metaPath(for: path, stream: settings.stream) {
            return try SpikeGLXReader.read(meta: meta)
        }
        if let header = try IntanReader.headerPath(for: path) {
            if let stream = settings.stream {
                throw ReplayError(.badParameters, path: path, message: "an Intan recording has one amplifier stream, not `\(stream)`", fix: "remove `stream`")
            }
            return try IntanReader.read(header: header)
        }
        throw ReplayError(
            .unsupported, path: path, message: "is not a recording KetaMap recognises",
            fix: "expected an Open Ephys recording folder (structure.oebin), a SpikeGLX .bin with its .meta, an Intan .rhd or info.rhd folder, "
                + "a KetaMap .nwb, or a headless int16 file with `?channels=N&rate=HZ&uv_per_bit=X`")
    }

    /// The montage the replay records, and the recording's channel behind each of its rows.
    ///
    /// With no montage (or an empty one) the recording's names make one, all
    /// microwires in one group named after the stream. A given montage is matched
    /// by name: it must name exactly the recording's channels (in any order; its
    /// order is the order recorded), and a mismatch names both sides. A headless
    /// file has no names: its montage is matched by position and must have one row per channel.
    public func montage(matching given: Montage?) throws(ReplayError) -> (montage: Montage, channels: [Channel]) {
        if system == "headless", let given, !given.channels.isEmpty {
            guard given.channels.count == channels.count else {
                throw ReplayError(
                    .montageMismatch, path: dataPath, message: "the montage lists \(given.channels.count) channels but the file is read as \(channels.count) channels",
                    fix: "give a montage with one row per channel of the file, or correct `channels`")
            }
            return (given, channels)
        }
        guard let given, !given.channels.isEmpty else {
            let group = system + " " + stream
            let montage = Montage(
                channels: channels.enumerated().map { MontageChannel(name: $1.name, kind: .micro, group: group, region: "unknown", hardwareChannel: $1.column) },
                groups: [ElectrodeGroup(name: group, description: "\(channels.count) channels of a \(system) recording replayed without a montage", region: "unknown")])
            return (montage, channels)
        }
        let byName = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let montageNames = Set(given.channels.map(\.name))
        let missing = given.channels.map(\.name).filter { byName[$0] == nil }
        let unlisted = channels.map(\.name).filter { !montageNames.contains($0) }
        guard missing.isEmpty, unlisted.isEmpty, given.channels.count == channels.count else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("the montage's \(Self.list(missing)) \(missing.count == 1 ? "is" : "are") not in the recording") }
            if !unlisted.isEmpty { parts.append("the recording's \(Self.list(unlisted)) \(unlisted.count == 1 ? "is" : "are") not in the montage") }
            if parts.isEmpty { parts.append("the montage names a channel twice") }
            throw ReplayError(
                .montageMismatch, path: dataPath,
                message: parts.joined(separator: "; ") + " (recording: \(Self.list(channels.map(\.name))); montage: \(Self.list(given.channels.map(\.name))))",
                fix: "name the montage's channels.tsv rows as the recording names its channels, one row per channel")
        }
        return (given, given.channels.map { byName[$0.name]! })
    }

    /// `A, B, C` (at most 8 names, then `… (N in all)`).
    private static func list(_ names: [String]) -> String {
        names.count <= 8 ? names.joined(separator: ", ") : names.prefix(8).joined(separator: ", ") + " … (\(names.count) in all)"
    }
}
