import Foundation

/// Reads an Open Ephys "binary" recording: the recording folder's
/// `structure.oebin` (JSON) lists each continuous stream's folder, rate and
/// channels (`channel_name`, `bit_volts`, `units`); the samples are
/// `continuous/<folder_name>/continuous.dat`, interleaved int16.
///
/// PATH may be the recording folder (or a folder above it holding exactly one),
/// its `structure.oebin`, or a stream's `continuous.dat` (which picks that
/// stream). ADC and SYNC channels are left out, as neo's reader separates them.
enum OpenEphysBinaryReader {
    static let structureFile = "structure.oebin"

    /// The `structure.oebin` a path names, or nil when it is not an Open Ephys binary recording.
    static func structurePath(for path: String) throws(ReplayError) -> (structure: String, stream: String?)? {
        let name = ReplayFiles.name(of: path)
        switch ReplayFiles.kind(path) {
        case .file where name == structureFile:
            return (path, nil)
        case .file where name == "continuous.dat":
            let streamFolder = ReplayFiles.directory(of: path)
            let recording = ReplayFiles.directory(of: ReplayFiles.directory(of: streamFolder))
            let structure = recording + "/" + structureFile
            guard ReplayFiles.kind(structure) == .file else { return nil }
            return (structure, ReplayFiles.name(of: streamFolder))
        case .directory:
            let found = ReplayFiles.find(in: path, depth: 4) { $0 == structureFile }
            if found.isEmpty {
                if !ReplayFiles.find(in: path, depth: 4, { $0.hasSuffix(".continuous") }).isEmpty {
                    throw ReplayError(
                        .unsupported, path: path, message: "holds Open Ephys legacy `.continuous` files, a format KetaMap does not replay",
                        fix: "record in (or convert to) the Open Ephys binary format, which saves structure.oebin and continuous.dat")
                }
                return nil
            }
            guard found.count == 1 else {
                throw ReplayError(
                    .ambiguous, path: path, message: "holds \(found.count) Open Ephys recordings: \(found.map(ReplayFiles.directory(of:)).joined(separator: ", "))",
                    fix: "name one recording folder")
            }
            return (found[0], nil)
        default:
            return nil
        }
    }

    private struct Structure: Decodable {
        var guiVersion: String?
        var continuous: [Stream]
        enum CodingKeys: String, CodingKey {
            case guiVersion = "GUI version"
            case continuous
        }
    }

    private struct Stream: Decodable {
        var folderName: String
        var sampleRate: Double
        var numChannels: Int
        var streamName: String?
        var channels: [Channel]
        enum CodingKeys: String, CodingKey {
            case folderName = "folder_name", sampleRate = "sample_rate", numChannels = "num_channels", streamName = "stream_name", channels
        }
        /// The folder name without its trailing slash.
        var folder: String { folderName.hasSuffix("/") ? String(folderName.dropLast()) : folderName }
    }

    private struct Channel: Decodable {
        var channelName: String
        var bitVolts: Double
        var units: String?
        enum CodingKeys: String, CodingKey { case channelName = "channel_name", bitVolts = "bit_volts", units }
    }

    static func read(structure path: String, stream wanted: String?) throws(ReplayError) -> Recording {
        let bytes = try ReplayFiles.contents(path)
        let structure: Structure
        do {
            structure = try JSONDecoder().decode(Structure.self, from: Data(bytes))
        } catch {
            throw ReplayError(
                .badHeader, path: path, message: "is not the structure.oebin Open Ephys writes (\(describe(error)))",
                fix: "expected JSON with a `continuous` list of streams, each with folder_name, sample_rate, num_channels and channels")
        }
        let streams = structure.continuous
        guard !streams.isEmpty else {
            throw ReplayError(.empty, path: path, message: "lists no continuous stream", fix: "replay a recording that saved continuous data")
        }
        let stream: Stream
        if let wanted {
            guard let match = streams.first(where: { $0.folder == wanted || $0.streamName == wanted }) else {
                throw ReplayError(
                    .badParameters, path: path, message: "has no stream `\(wanted)`; its streams are \(streams.map(\.folder).joined(separator: ", "))",
                    fix: "write `stream=` with one of those names")
            }
            stream = match
        } else if streams.count == 1 {
            stream = streams[0]
        } else {
            throw ReplayError(
                .ambiguous, path: path, message: "has \(streams.count) continuous streams: \(streams.map(\.folder).joined(separator: ", "))",
                fix: "choose one with `?stream=NAME` (or `stream = \"NAME\"` in [source.replay])")
        }
        guard stream.sampleRate > 0, stream.sampleRate.isFinite else {
            throw ReplayError(.badHeader, path: path, message: "gives stream \(stream.folder) the sample rate \(stream.sampleRate)", fix: "expected a positive rate in Hz")
        }
        guard stream.numChannels == stream.channels.count, stream.numChannels > 0 else {
            throw ReplayError(
                .badHeader, path: path, message: "says stream \(stream.folder) has \(stream.numChannels) channels but lists \(stream.channels.count)",
                fix: "expected num_channels to count the channels list")
        }
        guard !stream.folder.contains(".."), !stream.folder.hasPrefix("/") else {
            throw ReplayError(.badHeader, path: path, message: "names the stream folder `\(stream.folderName)`", fix: "expected a folder inside continuous/")
        }

        var channels: [Recording.Channel] = []
        var leftOut: [String] = []
        for (column, channel) in stream.channels.enumerated() {
            if channel.channelName.contains("ADC") || channel.channelName.contains("SYNC") {
                leftOut.append(channel.channelName)
                continue
            }
            let scale: Double
            switch channel.units ?? "" {
            case "", "uV", "µV": scale = 1
            case "mV": scale = 1e3
            case "V": scale = 1e6
            case let other:
                throw ReplayError(.unsupported, path: path, message: "gives channel \(channel.channelName) the units `\(other)`", fix: "expected uV, mV or V")
            }
            guard channel.bitVolts > 0, channel.bitVolts.isFinite else {
                throw ReplayError(.badHeader, path: path, message: "gives channel \(channel.channelName) bit_volts = \(channel.bitVolts)", fix: "expected a positive number")
            }
            channels.append(Recording.Channel(name: channel.channelName, column: column, microvoltsPerCount: channel.bitVolts * scale))
        }
        guard !channels.isEmpty else {
            throw ReplayError(.empty, path: path, message: "stream \(stream.folder) holds only ADC and SYNC channels", fix: "choose a stream of neural channels with `stream=`")
        }
        let dataPath = ReplayFiles.directory(of: path) + "/continuous/" + stream.folder + "/continuous.dat"
        let frames = try Recording.wholeFrames(
            bytes: try ReplayFiles.size(dataPath), frameBytes: 2 * stream.numChannels, dataPath: dataPath, header: path,
            what: "\(stream.numChannels)-channel frames")
        return Recording(
            system: "Open Ephys", stream: stream.folder, dataPath: dataPath, layout: .interleaved(offset: 0, channelsPerFrame: stream.numChannels),
            frameCount: frames, sampleRateHz: stream.sampleRate, channels: channels,
            provenance: [
                "format": "Open Ephys binary", "structure": path, "gui_version": structure.guiVersion ?? "unknown",
                "left_out_channels": leftOut.joined(separator: ","),
            ])
    }

    /// A decoding error in a sentence: the field and what was wrong with it.
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "`\(key.stringValue)` is missing" + where_(context)
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?: return "a field has the wrong type" + where_(context)
        case .dataCorrupted(let context)?: return "not valid JSON" + where_(context)
        default: return "\(error)"
        }
    }

    private static func where_(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return path.isEmpty ? "" : " at \(path)"
    }
}
