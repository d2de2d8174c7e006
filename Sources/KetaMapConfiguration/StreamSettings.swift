import KetaMapCore

/// One `[[stream]]`: a source with its own rate, channels and montage rows.
/// A session of several streams records each through its own ring,
/// acquisition thread, processing chain and `ElectricalSeries`, all rows of
/// the one electrodes table. A config with `[source]` instead is one stream.
public struct StreamSettings: Sendable, Equatable {
    /// What a fault in this stream (a vanished card, a failed read) does to the session.
    public enum FaultPolicy: String, Sendable, Codable, CaseIterable {
        /// The stream ends: what it recorded stays in the file, the rest of it
        /// is one gap listed as such; the other streams record on.
        case `continue`
        /// The session ends, as a fault of a one-stream session does.
        case stop
    }

    /// `seeg`, `micro`, …: names the stream's series (`ElectricalSeries_<name>`) and threads.
    public var name: String
    public var source: SourceSettings
    /// The stream's channels in frame-column order (its rows of the session's electrodes table).
    public var montage: Montage
    public var onFault: FaultPolicy
    /// The stream's `channels.tsv`: path and text, stored in the file.
    public var channelsPath: String
    public var channelsText: String

    public init(
        name: String, source: SourceSettings, montage: Montage, onFault: FaultPolicy = .stop, channelsPath: String = "",
        channelsText: String = ""
    ) {
        self.name = name
        self.source = source
        self.montage = montage
        self.onFault = onFault
        self.channelsPath = channelsPath
        self.channelsText = channelsText
    }

    /// Longest stream name: it becomes part of thread names, which Linux cuts at 15 bytes.
    public static let longestName = 8

    /// Letters, digits and `_`, at most `longestName` of them, starting with a letter.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= longestName, first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "_" }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

extension Configuration {
    /// The session's streams: the `[[stream]]` tables, or the one stream of
    /// `[source]` and `[montage]` (named `main`), in the order they were written.
    public var streams: [StreamSettings] {
        if !declaredStreams.isEmpty { return declaredStreams }
        return [
            StreamSettings(
                name: StreamSettings.singleStreamName, source: source, montage: montage, onFault: .stop, channelsPath: "",
                channelsText: provenance.channelsText)
        ]
    }

    /// `true` when the config lists `[[stream]]` tables (even just one).
    public var hasDeclaredStreams: Bool { !declaredStreams.isEmpty }
}

extension StreamSettings {
    /// The name of the one stream of a `[source]` config.
    public static let singleStreamName = "main"
}
