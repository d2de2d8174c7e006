/// Reads Intan RHD2000 recordings in their two common layouts:
///
/// - **one file per signal type**: a folder with `info.rhd` (the header
///   alone), `amplifier.dat` (interleaved int16, 0.195 µV per count) and
///   `time.dat` (one int32 per frame);
/// - **traditional**: one `.rhd` file, the header followed by data blocks of
///   60 samples (128 from file version 2.0 on) per channel, amplifier samples
///   stored as offset-binary uint16 (µV = 0.195 × (raw − 32768)). They are
///   replayed re-centred (raw − 32768), as the Comedi source stores its counts.
///
/// Only amplifier channels are replayed; auxiliary, supply, ADC and digital
/// channels are left out. `.rhs` (stimulation) files and the "one file per
/// channel" layout are refused by name.
enum IntanReader {
    /// µV per count of every RHD2000 amplifier channel (Intan's data file formats note).
    static let microvoltsPerCount = 0.195
    static let rhdMagic: UInt32 = 0xC691_2702
    static let rhsMagic: UInt32 = 0xD691_27AC

    /// The header file a path names (an `.rhd`, or the `info.rhd` of a folder or beside `amplifier.dat`), or nil.
    static func headerPath(for path: String) throws(ReplayError) -> String? {
        let name = ReplayFiles.name(of: path)
        switch ReplayFiles.kind(path) {
        case .file where name.hasSuffix(".rhs"):
            throw ReplayError(.unsupported, path: path, message: "is an Intan RHS2000 (stimulation) file", fix: "expected an RHD2000 recording (.rhd)")
        case .file where name.hasSuffix(".rhd"):
            return path
        case .file where name == "amplifier.dat":
            let info = ReplayFiles.directory(of: path) + "/info.rhd"
            return ReplayFiles.kind(info) == .file ? info : nil
        case .directory:
            if ReplayFiles.kind(path + "/info.rhd") == .file { return path + "/info.rhd" }
            if ReplayFiles.kind(path + "/info.rhs") == .file {
                throw ReplayError(.unsupported, path: path + "/info.rhs", message: "is an Intan RHS2000 (stimulation) header", fix: "expected an RHD2000 recording (info.rhd)")
            }
            let rhd = ReplayFiles.names(in: path).filter { $0.hasSuffix(".rhd") }
            guard !rhd.isEmpty else { return nil }
            guard rhd.count == 1 else {
                throw ReplayError(.ambiguous, path: path, message: "holds \(rhd.count) Intan files: \(rhd.joined(separator: ", "))", fix: "name one .rhd file")
            }
            return path + "/" + rhd[0]
        default:
            return nil
        }
    }

    static func read(header path: String) throws(ReplayError) -> Recording {
        let isInfoFile = ReplayFiles.name(of: path) == "info.rhd"
        // A traditional file is mostly samples: read only what a header can hold.
        let header = try parseHeader(ReplayFiles.prefix(path, bytes: 1 << 20), path: path)
        guard !header.amplifierNames.isEmpty else {
            throw ReplayError(.empty, path: path, message: "lists no enabled amplifier channel", fix: "replay a recording with amplifier channels")
        }
        let channels = header.amplifierNames.enumerated().map {
            Recording.Channel(name: $1, column: $0, microvoltsPerCount: microvoltsPerCount)
        }
        var provenance = [
            "format": isInfoFile ? "Intan RHD one file per signal type" : "Intan RHD traditional", "header": path,
            "rhd_version": "\(header.major).\(header.minor)", "left_out_channels": header.leftOut.joined(separator: ","),
        ]
        if isInfoFile {
            let folder = ReplayFiles.directory(of: path)
            let amplifier = folder + "/amplifier.dat"
            guard ReplayFiles.kind(amplifier) == .file else {
                if ReplayFiles.names(in: folder).contains(where: { $0.hasPrefix("amp-") && $0.hasSuffix(".dat") }) {
                    throw ReplayError(
                        .unsupported, path: folder, message: "is an Intan \"one file per channel\" recording (amp-*.dat)",
                        fix: "expected \"one file per signal type\" (amplifier.dat) or a traditional .rhd file")
                }
                throw ReplayError(.fileMissing, path: amplifier, message: "there is no amplifier.dat beside info.rhd", fix: "copy the whole recording folder")
            }
            let count = header.amplifierNames.count
            let frames = try Recording.wholeFrames(
                bytes: try ReplayFiles.size(amplifier), frameBytes: 2 * count, dataPath: amplifier, header: path, what: "\(count)-channel frames")
            let time = folder + "/time.dat"
            let timeFrames = try Recording.wholeFrames(bytes: try ReplayFiles.size(time), frameBytes: 4, dataPath: time, header: "time.dat's int32 stamps", what: "int32 stamps")
            guard timeFrames == frames else {
                throw ReplayError(
                    timeFrames > frames ? .truncated : .sizeMismatch, path: amplifier,
                    message: "holds \(frames) frames of \(count) channels but time.dat holds \(timeFrames) time stamps",
                    fix: "one of the two was cut short or they are from different recordings; copy the folder again")
            }
            provenance["time_file"] = time
            return Recording(
                system: "Intan", stream: "amplifier", dataPath: amplifier, layout: .interleaved(offset: 0, channelsPerFrame: count), frameCount: frames,
                sampleRateHz: header.sampleRateHz, channels: channels, provenance: provenance)
        }

        let dataBytes = try ReplayFiles.size(path) - Int64(header.headerBytes)
        guard dataBytes > 0 else {
            throw ReplayError(.empty, path: path, message: "holds a header and no data block", fix: "replay a recording that holds samples")
        }
        guard dataBytes % Int64(header.blockBytes) == 0 else {
            throw ReplayError(
                .truncated, path: path,
                message: "its \(dataBytes) bytes after the \(header.headerBytes)-byte header are \(dataBytes / Int64(header.blockBytes)) data blocks of "
                    + "\(header.blockBytes) bytes (as the header's channels make them) and \(dataBytes % Int64(header.blockBytes)) bytes over",
                fix: "the file was cut short (or its header lists other channels than were saved); copy it again")
        }
        let blocks = UInt64(dataBytes / Int64(header.blockBytes))
        return Recording(
            system: "Intan", stream: "amplifier", dataPath: path,
            layout: .intanBlocks(
                offset: Int64(header.headerBytes), blockBytes: header.blockBytes, samplesPerBlock: header.samplesPerBlock,
                amplifierOffset: 4 * header.samplesPerBlock, amplifierChannels: header.amplifierNames.count),
            frameCount: blocks * UInt64(header.samplesPerBlock), sampleRateHz: header.sampleRateHz, channels: channels, provenance: provenance)
    }

    /// What KetaMap needs of an RHD2000 header.
    struct Header {
        var major: Int
        var minor: Int
        var sampleRateHz: Double
        /// Custom names of the enabled amplifier channels, in file order.
        var amplifierNames: [String]
        /// Enabled channels of other signal types, by native name.
        var leftOut: [String]
        /// Bytes the header occupies (where the first data block starts).
        var headerBytes: Int
        var samplesPerBlock: Int
        /// Bytes of one data block of the traditional layout.
        var blockBytes: Int
    }

    /// Parses the standard RHD2000 header (Intan, "RHD2000 data file formats"), every field bounds-checked.
    static func parseHeader(_ bytes: [UInt8], path: String) throws(ReplayError) -> Header {
        var reader = LittleEndianReader(bytes)
        do {
            let magic = try reader.uint32()
            if magic == rhsMagic {
                throw ReplayError(.unsupported, path: path, message: "is an Intan RHS2000 (stimulation) file", fix: "expected an RHD2000 recording (.rhd)")
            }
            guard magic == rhdMagic else {
                throw ReplayError(
                    .badHeader, path: path, message: "does not start with the RHD2000 magic number 0xC6912702",
                    fix: "expected a file saved by Intan's RHD software")
            }
            let major = Int(try reader.int16())
            let minor = Int(try reader.int16())
            guard (1...3).contains(major) else {
                throw ReplayError(.unsupported, path: path, message: "is RHD file version \(major).\(minor)", fix: "expected RHD file versions 1.x to 3.x")
            }
            let rate = Double(try reader.float32())
            guard rate > 0, rate.isFinite, rate <= 1_000_000 else {
                throw ReplayError(.badHeader, path: path, message: "gives the sample rate \(rate) Hz", fix: "expected a positive rate up to 1 MHz")
            }
            try reader.skip(2 + 6 * 4)  // dsp enabled; actual and desired DSP cutoff, lower and upper bandwidth
            try reader.skip(2 + 2 * 4)  // notch mode; desired and actual impedance test frequency
            for _ in 0..<3 { _ = try reader.qString() }  // notes
            let versionAtLeast = { (a: Int, b: Int) in major > a || (major == a && minor >= b) }
            let temperatureSensors = versionAtLeast(1, 1) ? Int(try reader.int16()) : 0
            let boardMode = versionAtLeast(1, 3) ? Int(try reader.int16()) : 0
            if versionAtLeast(2, 0) { _ = try reader.qString() }  // reference channel
            let groups = Int(try reader.int16())
            guard groups >= 0 else { throw ReplayError(.badHeader, path: path, message: "gives \(groups) signal groups", fix: "expected a count of 0 or more") }

            var amplifier: [String] = []
            var leftOut: [String] = []
            var counts = [Int](repeating: 0, count: 6)  // by signal type: amplifier, aux, supply, ADC, digital in, digital out
            for _ in 0..<groups {
                _ = try reader.qString()  // group name
                _ = try reader.qString()  // prefix
                let enabled = try reader.int16()
                let channelCount = Int(try reader.int16())
                _ = try reader.int16()  // amplifier channels
                guard enabled != 0, channelCount > 0 else { continue }
                for _ in 0..<channelCount {
                    let native = try reader.qString()
                    let custom = try reader.qString()
                    try reader.skip(2 * 2)  // native order, custom order
                    let type = Int(try reader.int16())
                    let channelEnabled = try reader.int16()
                    try reader.skip(6 * 2 + 2 * 4)  // chip channel, board stream, trigger fields; impedance magnitude and phase
                    guard channelEnabled != 0 else { continue }
                    guard (0..<6).contains(type) else {
                        throw ReplayError(.badHeader, path: path, message: "channel \(native) has signal type \(type)", fix: "expected signal types 0 to 5")
                    }
                    counts[type] += 1
                    if type == 0 { amplifier.append(custom.isEmpty ? native : custom) } else { leftOut.append(native) }
                }
            }
            _ = boardMode
            let samples = major == 1 ? 60 : 128
            // Intan's layout: timestamps, amplifier, aux (1 in 4), supply and temperature (once), ADC, digital words.
            var block = 4 * samples + 2 * samples * counts[0] + 2 * (samples / 4) * counts[1] + 2 * counts[2] + 2 * temperatureSensors
            block += 2 * samples * counts[3]
            if counts[4] > 0 { block += 2 * samples }
            if counts[5] > 0 { block += 2 * samples }
            return Header(
                major: major, minor: minor, sampleRateHz: rate, amplifierNames: amplifier, leftOut: leftOut, headerBytes: reader.offset,
                samplesPerBlock: samples, blockBytes: block)
        } catch let failure as LittleEndianReader.Failure {
            switch failure {
            case .cutShort(let offset, let needed, let available):
                throw ReplayError(
                    .badHeader, path: path, message: "the header ends at byte \(offset + available) but a field needs \(needed) bytes at byte \(offset)",
                    fix: "the file is cut short or not an RHD2000 header")
            case .badText(let offset):
                throw ReplayError(.badHeader, path: path, message: "the text field at byte \(offset) is not valid UTF-16", fix: "the file is damaged or not an RHD2000 header")
            }
        } catch let error as ReplayError {
            throw error
        } catch {
            throw ReplayError(.badHeader, path: path, message: "\(error)", fix: "the file is damaged or not an RHD2000 header")
        }
    }
}
