// WriterThroughput: session-file write speed as a ratio to a raw sequential
// write of the same bytes on the same disk in the same run, with and without
// deflate, plus the analysts' two common reads.
//
// Usage (release build, from the repository root):
//   swift run --package-path Benchmarks -c release WriterThroughput [--channels 1024] [--rate 30000]
//       [--seconds 60] [--deflate-seconds 10] [--dir /var/tmp] [--chunk-channels 64] [--chunk-seconds 0.05] [--rounds 2]
//
// Each session run writes `seconds` of int16 samples in 10 ms blocks (as the
// recorder does), flushes every second (SWMR, H5Fflush), closes the file and
// fsyncs it; the raw baseline writes the same bytes with write(2) in 4 MiB
// pieces and fsyncs. `rounds` session runs alternate with rounds + 1 raw runs.
// The files are deleted at the end.
import Foundation
import BenchmarkSupport
import KetaMapCore
import KetaMapStorage

#if canImport(Glibc)
import Glibc
import KetaMapDSP
import KetaMapConfiguration
#endif

struct Options {
    var channels = 1024
    var rateHz = 30_000.0
    var seconds = 60.0
    var deflateSeconds = 10.0
    var directory = "/var/tmp"
    var chunkChannels = 64
    var rounds = 2
    var chunkSeconds = 0.05

    init(_ arguments: [String]) {
        var i = 1
        func next() -> String { i += 1; return i < arguments.count ? arguments[i] : "" }
        while i < arguments.count {
            switch arguments[i] {
            case "--channels": channels = Int(next()) ?? channels
            case "--rate": rateHz = Double(next()) ?? rateHz
            case "--seconds": seconds = Double(next()) ?? seconds
            case "--deflate-seconds": deflateSeconds = Double(next()) ?? deflateSeconds
            case "--dir": directory = next()
            case "--chunk-channels": chunkChannels = Int(next()) ?? chunkChannels
            case "--rounds": rounds = max(1, Int(next()) ?? rounds)
            case "--chunk-seconds": chunkSeconds = Double(next()) ?? chunkSeconds
            default: print("unknown argument \(arguments[i])"); exit(2)
            }
            i += 1
        }
    }
}

let options = Options(CommandLine.arguments)
let channels = options.channels
let blockFrames = Int(options.rateHz / 100)

/// One second of a plausible signal: a per-channel random walk (compresses like real data, unlike zeros).
let signal: [Int16] = {
    let frames = Int(options.rateHz)
    var values = [Int16](repeating: 0, count: frames * channels)
    var state = [Int32](repeating: 0, count: channels)
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    for f in 0..<frames {
        for c in 0..<channels {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let step = Int32(truncatingIfNeeded: (seed >> 33) % 41) - 20
            state[c] = max(-3000, min(3000, state[c] + step))
            values[f * channels + c] = Int16(state[c])
        }
    }
    return values
}()

func fsyncAndDropCache(_ path: String) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return }
    fsync(fd)
    posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
    close(fd)
}

func montage() -> Montage {
    let perShaft = 16
    var list: [MontageChannel] = []
    var groups: [ElectrodeGroup] = []
    for c in 0..<channels {
        let shaft = "S\(c / perShaft)"
        if c % perShaft == 0 { groups.append(ElectrodeGroup(name: shaft, description: "shaft \(shaft)", region: "region \(c / perShaft)")) }
        list.append(MontageChannel(name: "\(shaft)-\(c % perShaft + 1)", kind: .seeg, group: shaft, region: "region \(c / perShaft)", alongShaftMillimeters: Double(c % perShaft) * 3.5, hardwareChannel: c))
    }
    return Montage(channels: list, groups: groups)
}

func description(deflate: Int?) -> SessionDescription {
    let format = SampleFormat(channelCount: channels, sampleRateHz: options.rateHz, calibration: Calibration(voltsPerCount: 0.195e-6, channelGains: [Double](repeating: 1, count: channels)))
    var processing = ProcessingSettings()
    processing.enabled = false
    return SessionDescription(
        sessionID: "bench", sessionStartTime: Date(), session: SessionSettings(description: "writer benchmark"),
        subject: SubjectSettings(id: "bench", sex: .unknown, age: "P30Y"), montage: montage(), format: format, processedChannels: [],
        processing: processing, sourceProvenance: [:], configuration: ConfigurationProvenance(configPath: "", configText: "", channelsText: "", electrodesText: ""),
        softwareVersion: "bench", storage: StorageSettings(flushSeconds: 1, deflateLevel: deflate, chunkSeconds: options.chunkSeconds), rawChunkChannels: options.chunkChannels)
}

/// Bytes of `seconds` of samples.
func totalFrames(_ seconds: Double) -> Int { Int(seconds * options.rateHz) / blockFrames * blockFrames }

func rawWrite(_ path: String, seconds: Double) -> (seconds: Double, bytes: Int) {
    let frames = totalFrames(seconds)
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "cannot create \(path)")
    let piece = 4 << 20
    let start = now()
    var written = 0
    let total = frames * channels * 2
    signal.withUnsafeBytes { bytes in
        while written < total {
            let offset = written % bytes.count
            let n = min(piece, total - written, bytes.count - offset)
            let w = write(fd, bytes.baseAddress! + offset, n)
            precondition(w > 0, "write failed")
            written += w
        }
    }
    fsync(fd)
    let elapsed = now() - start
    close(fd)
    fsyncAndDropCache(path)
    return (elapsed, total)
}

func sessionWrite(_ path: String, seconds: Double, deflate: Int?) throws -> (seconds: Double, bytes: Int, fileBytes: Int, slowestAppend: Double) {
    let frames = totalFrames(seconds)
    let start = now()
    let writer = try NWBSessionWriter(creating: path, description: description(deflate: deflate))
    var slowest = 0.0
    var frame = 0
    try signal.withUnsafeBufferPointer { all in
        let perSecond = Int(options.rateHz)
        while frame < frames {
            let offset = (frame % perSecond) * channels
            let t0 = now()
            try writer.appendRaw(UnsafeBufferPointer(rebasing: all[offset..<(offset + blockFrames * channels)]))
            slowest = max(slowest, now() - t0)
            frame += blockFrames
        }
    }
    let appended = now()
    try writer.close()
    let closed = now()
    fsyncAndDropCache(path)
    let elapsed = now() - start
    if ProcessInfo.processInfo.environment["KETAMAP_BENCH_PHASES"] != nil {
        print(String(format: "  phases: create+appends %.2f s, close %.2f s, fsync %.2f s", appended - start, closed - appended, now() - closed))
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    return (elapsed, frames * channels * 2, size, slowest)
}

func readSpeeds(_ path: String, seconds: Double) throws -> (oneChannel: Double, allChannels: Double, oneChannelMB: Double, allChannelsMB: Double) {
    let reader = try NWBSessionReader(path: path)
    let frames = Int(reader.frameCount)
    let one = UnsafeMutableBufferPointer<Int16>.allocate(capacity: frames)
    defer { one.deallocate() }
    var t0 = now()
    try reader.readChannel(channels / 2, firstFrame: 0, frameCount: frames, into: one)
    let oneSeconds = now() - t0
    let window = min(frames, Int(options.rateHz))
    let all = UnsafeMutableBufferPointer<Int16>.allocate(capacity: window * channels)
    defer { all.deallocate() }
    fsyncAndDropCache(path)
    t0 = now()
    try reader.readRaw(firstFrame: UInt64((frames - window) / 2), frameCount: window, into: all)
    let allSeconds = now() - t0
    reader.close()
    return (oneSeconds, allSeconds, Double(frames * 2) / 1e6, Double(window * channels * 2) / 1e6)
}

let folder = options.directory + "/ketamap-writer-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let mb = 1e6
print("WriterThroughput: \(channels) channels × \(Int(options.rateHz)) Hz int16 (\(String(format: "%.1f", Double(channels) * options.rateHz * 2 / mb)) MB/s real time), chunks \(options.chunkSeconds) s × \(min(channels, options.chunkChannels)) channels, folder \(options.directory)")

// Raw and session writes alternate (raw, session, raw, …, raw) so that the
// disk's drift over the run weighs on both alike; the ratio is total bytes
// over total time of each kind.
var rawSeconds = 0.0, rawBytes = 0, sessionSeconds = 0.0, sessionBytes = 0, slowest = 0.0
var rawFigures: [String] = [], sessionFigures: [String] = []
for round in 0...options.rounds {
    let r = rawWrite(folder + "/raw.bin", seconds: options.seconds)
    try? FileManager.default.removeItem(atPath: folder + "/raw.bin")
    rawSeconds += r.seconds
    rawBytes += r.bytes
    rawFigures.append(String(format: "%.0f", Double(r.bytes) / r.seconds / mb))
    guard round < options.rounds else { break }
    if round > 0 { try? FileManager.default.removeItem(atPath: folder + "/plain.nwb") }
    let s = try sessionWrite(folder + "/plain.nwb", seconds: options.seconds, deflate: nil)
    sessionSeconds += s.seconds
    sessionBytes += s.bytes
    slowest = max(slowest, s.slowestAppend)
    sessionFigures.append(String(format: "%.0f MB/s in %.2f s", Double(s.bytes) / s.seconds / mb, s.seconds))
}
let rawMBs = Double(rawBytes) / rawSeconds / mb
let plainMBs = Double(sessionBytes) / sessionSeconds / mb
print(String(format: "raw sequential write (write+fsync): %.0f MB/s", rawMBs) + " (runs: \(rawFigures.joined(separator: ", ")))")
print(String(format: "session file, no compression: %.0f MB/s over %.0f s of data", plainMBs, options.seconds) + " (runs: \(sessionFigures.joined(separator: ", ")))"
    + String(format: " = %.2f × raw write, %.1f × real time; slowest appendRaw %.1f ms", plainMBs / rawMBs, plainMBs / (Double(channels) * options.rateHz * 2 / mb), slowest * 1000))

let reads = try readSpeeds(folder + "/plain.nwb", seconds: options.seconds)
print(String(format: "read one channel over %.0f s: %.2f s (%.1f MB of samples, %.0f MB/s of that channel)", options.seconds, reads.oneChannel, reads.oneChannelMB, reads.oneChannelMB / reads.oneChannel))
print(String(format: "read all channels over 1 s (cold cache): %.3f s (%.1f MB, %.0f MB/s)", reads.allChannels, reads.allChannelsMB, reads.allChannelsMB / reads.allChannels))
try? FileManager.default.removeItem(atPath: folder + "/plain.nwb")

if options.deflateSeconds > 0 {
    let squeezed = try sessionWrite(folder + "/deflate.nwb", seconds: options.deflateSeconds, deflate: 1)
    let squeezedMBs = Double(squeezed.bytes) / squeezed.seconds / mb
    print(String(format: "session file, shuffle + deflate 1: %.0f MB/s of samples over %.0f s of data = %.2f × raw write, %.2f × real time; compression %.2f×; slowest appendRaw %.1f ms", squeezedMBs, options.deflateSeconds, squeezedMBs / rawMBs, squeezedMBs / (Double(channels) * options.rateHz * 2 / mb), Double(squeezed.bytes) / Double(max(1, squeezed.fileBytes)), squeezed.slowestAppend * 1000))
}
