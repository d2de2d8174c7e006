import KetaMapAcquisition
import SystemPackage

/// A scripted stand-in for a Comedi board behind `ComediDriver`, for unit tests only
/// (the real driver is tested in the Comedi VM). It records each call, builds timed
/// commands the way `comedi_test` does (scans back to back, conversions on a timer
/// rounded to whole microseconds) and streams a known pattern:
/// channel c of frame k has count `FakeComediDriver.count(frame: k, channel: c, maxdata:)`.
final class FakeComediDriver: ComediDriver {
    struct Subdevice {
        var kind: ComediSubdevice.Kind
        var flags: ComediSubdeviceFlags
        var channels: Int
        var maxdata: UInt32
        var ranges: [ComediRange]
        var bufferBytes = 2 << 20
        var maxBufferBytes = 20 << 20
    }

    /// One thing the stream does, in order.
    enum Step: Equatable {
        /// `n` whole frames become readable.
        case frames(Int)
        /// `n` bytes of the continuing stream become readable (partial frames).
        case bytes(Int)
        /// The next `read` fails with this error.
        case fail(Errno)
        /// `poll` times out.
        case stall
        /// `read` returns 0.
        case endOfStream
        /// The driver stopped the command and the next `read` fails with `EINVAL` (Linux, when the
        /// read that drained the buffer also saw the overrun).
        case stoppedSilently
        /// The monotonic clock moves on by this many nanoseconds.
        case advanceClock(UInt64)
        /// `comedi_get_buffer_contents` reports this many bytes from now on.
        case bufferContents(Int)
        /// The next `read` fails with this error (`EPIPE` or `EINVAL`: the kernel has released
        /// the subdevice after an overrun), and the driver is then detached from the board
        /// (`comedi_config -r` in that window): every later call fails with `ENODEV`.
        case detachedAfterFailing(Errno)
        /// The driver is unloaded (`rmmod -f`): `poll` times out, every later call fails with `ENODEV`.
        case driverUnloaded
    }

    let path = "/dev/comedi-fake"
    var boardName = "fake_board"
    var driverName = "fake_driver"
    var subdevices: [Subdevice]
    var readSubdeviceIndex: Int?
    var calls: [String] = []
    var started: [ComediCommand] = []
    var script: [Step] = []
    var allowRaisingMaxBuffer = true
    var failRestart = false
    var calibrationFilePath: String?
    var softcal: [Int: ComediPolynomial] = [:]
    var hardcalAvailable = true
    var nowNanoseconds: UInt64 = 1_000_000_000
    private var contentsBytes = 0
    private var pending: [UInt8] = []
    private var sampleCounter = 0  // samples generated since the first start (continues across restarts)
    private var channelList: [Int] = []
    private var running = false
    private var detached = false

    init(subdevices: [Subdevice], readSubdevice: Int? = 0) {
        self.subdevices = subdevices
        self.readSubdeviceIndex = readSubdevice
    }

    /// A `comedi_test`-like board: subdevice 0 analog input (8 channels, 16-bit, ±10 V and ±5 V, ground).
    static func comediTestLike(channels: Int = 8, maxdata: UInt32 = 65535, flags: ComediSubdeviceFlags = [.readable, .commandRead, .ground])
        -> FakeComediDriver
    {
        FakeComediDriver(subdevices: [
            Subdevice(
                kind: .analogInput, flags: flags, channels: channels, maxdata: maxdata,
                ranges: [ComediRange(min: -10, max: 10), ComediRange(min: -5, max: 5)]),
            Subdevice(
                kind: .analogOutput, flags: [.writable, .commandWrite, .ground], channels: 8, maxdata: 65535,
                ranges: [ComediRange(min: -10, max: 10)]),
        ])
    }

    /// The count the fake streams for `channel` (index in the channel list) of `frame`.
    static func count(frame: Int, channel: Int, maxdata: UInt32) -> UInt32 {
        UInt32((frame * 37 + channel * 1001) % (Int(maxdata) + 1))
    }

    func clock() -> UInt64 { nowNanoseconds }

    func subdeviceCount() throws(ComediError) -> Int { subdevices.count }
    func readSubdevice() -> Int? { readSubdeviceIndex }
    func subdeviceType(_ s: Int) throws(ComediError) -> Int { subdevices[s].kind.comediType }
    func subdeviceFlags(_ s: Int) throws(ComediError) -> ComediSubdeviceFlags {
        try attached("comedi_get_subdevice_flags")
        return subdevices[s].flags.union(running && s == 0 ? [.busy, .running] : [])
    }
    func channelCount(_ s: Int) throws(ComediError) -> Int { subdevices[s].channels }
    func maxdata(_ s: Int, channel: Int) throws(ComediError) -> UInt32 { subdevices[s].maxdata }
    func ranges(_ s: Int, channel: Int) throws(ComediError) -> [ComediRange] { subdevices[s].ranges }
    func bufferSize(_ s: Int) throws(ComediError) -> Int { subdevices[s].bufferBytes }
    func maxBufferSize(_ s: Int) throws(ComediError) -> Int { subdevices[s].maxBufferBytes }
    func setMaxBufferSize(_ s: Int, bytes: Int) throws(ComediError) {
        calls.append("comedi_set_max_buffer_size(\(s), \(bytes))")
        guard allowRaisingMaxBuffer else {
            throw ComediError(
                .callFailed, device: path, function: "comedi_set_max_buffer_size", errorNumber: 1,
                libraryMessage: "Operation not permitted", message: "not allowed", remedy: "run as root")
        }
        subdevices[s].maxBufferBytes = (bytes + 4095) / 4096 * 4096
    }
    func setBufferSize(_ s: Int, bytes: Int) throws(ComediError) -> Int {
        calls.append("comedi_set_buffer_size(\(s), \(bytes))")
        let rounded = (bytes + 4095) / 4096 * 4096
        guard rounded <= subdevices[s].maxBufferBytes else {
            throw ComediError(
                .callFailed, device: path, function: "comedi_set_buffer_size", errorNumber: 1,
                libraryMessage: "Operation not permitted", message: "too big", remedy: "")
        }
        subdevices[s].bufferBytes = rounded
        return rounded
    }
    func genericTimedCommand(subdevice: Int, channelCount: Int, scanPeriodNanoseconds: UInt32) throws(ComediError)
        -> ComediCommand
    {
        calls.append("comedi_get_cmd_generic_timed(\(subdevice), \(channelCount), \(scanPeriodNanoseconds))")
        return ComediCommand(
            subdevice: subdevice, start: ComediTrigger(.now), scanBegin: ComediTrigger(.follow),
            convert: ComediTrigger(.timer, scanPeriodNanoseconds / UInt32(channelCount)),
            scanEnd: ComediTrigger(.count, UInt32(channelCount)), stop: ComediTrigger(.count, 2), channels: [])
    }
    func testCommand(_ command: inout ComediCommand) throws(ComediError) -> Int {
        calls.append("comedi_command_test")
        if !([.none, .count] as [ComediTriggerSource]).contains(command.stop.source) { return 1 }
        if command.channels.count > 16 || command.channels.isEmpty { return 5 }
        if command.convert.source == .timer {
            let rounded = max(1000, (command.convert.argument + 500) / 1000 * 1000)
            if rounded != command.convert.argument {
                command.convert.argument = rounded
                return 4
            }
        }
        return 0
    }
    func startCommand(_ command: ComediCommand) throws(ComediError) {
        calls.append("comedi_command")
        try attached("comedi_command")
        if failRestart && !started.isEmpty {
            throw ComediError(
                .commandFailed, device: path, function: "comedi_command", errorNumber: 16,
                libraryMessage: "Device or resource busy", message: "cannot start", remedy: "stop the other program")
        }
        started.append(command)
        channelList = command.channels.map(\.channel)
        running = true
        pending = []
    }
    func cancel(_ s: Int) throws(ComediError) {
        calls.append("comedi_cancel(\(s))")
        running = false
    }
    func bufferContents(_ s: Int) throws(ComediError) -> Int {
        try attached("comedi_get_buffer_contents")
        return contentsBytes
    }

    /// What the kernel answers once the board has no driver: `ENODEV`.
    private func attached(_ function: String) throws(ComediError) {
        guard detached else { return }
        throw ComediError(
            .callFailed, device: path, function: function, errorNumber: Errno.operationNotSupportedByDevice.rawValue,
            libraryMessage: "No such device", message: "\(function) failed", remedy: "")
    }
    func softCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial? { softcal[channel] }
    func hardCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial? {
        guard hardcalAvailable else { return nil }
        let r = subdevices[subdevice].ranges[range]
        return r.linearPolynomial(maxdata: subdevices[subdevice].maxdata)
    }

    func waitForData(timeoutMilliseconds: Int) throws(ComediError) -> Bool {
        while let step = script.first {
            switch step {
            case .advanceClock(let ns):
                nowNanoseconds += ns
                script.removeFirst()
            case .bufferContents(let bytes):
                contentsBytes = bytes
                script.removeFirst()
            case .stall:
                script.removeFirst()
                return false
            case .driverUnloaded:
                script.removeFirst()
                running = false
                detached = true
                return false
            default:
                return true
            }
        }
        return !pending.isEmpty
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        calls.append("read")
        if pending.isEmpty, let step = script.first {
            script.removeFirst()
            switch step {
            case .frames(let n): generate(bytes: n * frameBytes)
            case .bytes(let n): generate(bytes: n)
            case .fail(let error):
                if error == .brokenPipe { running = false }
                throw error
            case .endOfStream: return 0
            case .stoppedSilently:
                running = false
                throw .invalidArgument
            case .detachedAfterFailing(let error):
                running = false
                detached = true
                throw error
            default: break
            }
        }
        let n = min(buffer.count, pending.count)
        for i in 0..<n { buffer[i] = pending[i] }
        pending.removeFirst(n)
        return n
    }

    private var sampleBytes: Int { subdevices[0].flags.contains(.longSamples) ? 4 : 2 }
    private var frameBytes: Int { channelList.count * sampleBytes }
    private var generatedBytes: [UInt8] = []  // the tail of a sample split across steps

    private func generate(bytes: Int) {
        while generatedBytes.count < bytes {
            let frame = sampleCounter / channelList.count
            let channel = sampleCounter % channelList.count
            let value = Self.count(frame: frame, channel: channel, maxdata: subdevices[0].maxdata)
            withUnsafeBytes(of: value.littleEndian) { raw in generatedBytes += raw.prefix(sampleBytes) }
            sampleCounter += 1
        }
        pending += generatedBytes.prefix(bytes)
        generatedBytes.removeFirst(bytes)
    }
}
