import Foundation
import KetaMapAcquisition

/// Small recordings in the layouts Open Ephys, SpikeGLX and Intan save, for
/// the readers' unit tests (the end-to-end tests write theirs with Python and
/// check them against neo).
enum RecordingFixtures {
    /// `Record Node 101/experiment1/recording1` with one stream per entry; returns the recording folder.
    @discardableResult
    static func openEphys(
        in directory: String, streams: [(folder: String, rate: Double, channels: [(name: String, bitVolts: Double, units: String)])], frames: Int
    ) throws -> String {
        let recording = directory + "/Record Node 101/experiment1/recording1"
        var continuous: [[String: Any]] = []
        for (index, stream) in streams.enumerated() {
            let folder = recording + "/continuous/" + stream.folder
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            writeSamples(folder + "/continuous.dat", RecordingFixtures.samples(frames: frames, channels: stream.channels.count, seed: UInt64(index + 1)))
            continuous.append([
                "folder_name": stream.folder + "/", "sample_rate": stream.rate, "num_channels": stream.channels.count, "stream_name": stream.folder,
                "channels": stream.channels.map { ["channel_name": $0.name, "bit_volts": $0.bitVolts, "units": $0.units, "description": ""] },
            ])
        }
        let json = try JSONSerialization.data(withJSONObject: ["GUI version": "0.6.7", "continuous": continuous, "events": [], "spikes": []])
        try json.write(to: URL(fileURLWithPath: recording + "/structure.oebin"))
        return recording
    }

    /// A `name.bin` + `name.meta` pair; the meta gets `nSavedChans`, `fileSizeBytes` and the fields given.
    static func spikeGLX(_ base: String, channels: Int, frames: Int, fields: [String: String]) {
        writeSamples(base + ".bin", samples(frames: frames, channels: channels, seed: 9))
        var all = fields
        all["nSavedChans"] = all["nSavedChans"] ?? String(channels)
        all["fileSizeBytes"] = all["fileSizeBytes"] ?? String(frames * channels * 2)
        let text = all.keys.sorted().map { "\($0)=\(all[$0]!)\n" }.joined()
        writeFile(base + ".meta", Array(text.utf8))
    }

    /// Meta fields of a Neuropixels 1.0 AP stream saving `saved` channels and the sync word, AP gain `gain(c)`.
    static func neuropixels1(saved: Int, gain: (Int) -> Int = { _ in 500 }) -> [String: String] {
        [
            "typeThis": "imec", "imSampRate": "30000", "imAiRangeMax": "0.6", "imMaxInt": "512",
            "~imroTbl": "(0,384)" + (0..<384).map { "(\($0) 0 0 \(gain($0)) 250 1)" }.joined(),
            "~snsChanMap": "(384,384,1)" + (0..<saved).map { "(AP\($0);\($0):\($0))" }.joined() + "(SY0;768:768)",
        ]
    }

    /// An RHD2000 header: amplifier channels `names` in one enabled port, then `adc` board ADC channels.
    static func rhdHeader(major: Int16 = 3, minor: Int16 = 0, rate: Float = 20000, names: [String], adc: Int = 0, magic: UInt32 = 0xC691_2702) -> [UInt8] {
        var out: [UInt8] = []
        func u16(_ v: Int16) { out += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u32(_ v: UInt32) { out += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func f32(_ v: Float) { u32(v.bitPattern) }
        func qString(_ s: String) {
            let units = Array(s.utf16)
            u32(UInt32(units.count * 2))
            for unit in units { u16(Int16(bitPattern: unit)) }
        }
        u32(magic)
        u16(major)
        u16(minor)
        f32(rate)
        u16(1)
        for _ in 0..<6 { f32(1) }
        u16(0)
        f32(1000)
        f32(1000)
        for _ in 0..<3 { qString("") }
        if major > 1 || minor >= 1 { u16(0) }  // temperature sensors
        if major > 1 || minor >= 3 { u16(0) }  // board mode
        if major >= 2 { qString("Hardware") }
        u16(adc > 0 ? 2 : 1)
        func group(_ name: String, _ channels: [(native: String, custom: String, type: Int16)]) {
            qString(name)
            qString(name)
            u16(1)
            u16(Int16(channels.count))
            u16(Int16(channels.filter { $0.type == 0 }.count))
            for (order, channel) in channels.enumerated() {
                qString(channel.native)
                qString(channel.custom)
                for value in [Int16(order), Int16(order), channel.type, 1, Int16(order), 0, 0, 0, 0, 0] { u16(value) }
                f32(1)
                f32(0)
            }
        }
        group("Port A", names.enumerated().map { ("A-\($0.offset)", $0.element, 0) })
        if adc > 0 { group("Board ADC", (0..<adc).map { ("ANALOG-IN-\($0)", "ANALOG-IN-\($0)", 3) }) }
        return out
    }

    /// Seeded samples covering the whole Int16 range.
    static func samples(frames: Int, channels: Int, seed: UInt64) -> [Int16] {
        recording(frames: frames, channels: channels, seed: seed)
    }
}
