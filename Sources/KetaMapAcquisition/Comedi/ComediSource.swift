import KetaMapCore
import SystemPackage
import KetaMapConfiguration

/// Samples from a DAQ card through Comedi: a streaming analog-input command that
/// runs until stopped (`stop_src = TRIG_NONE`), read from `comedi_fileno` with a
/// timeout.
///
/// Everything is decided at creation (`ComediAcquisitionPlan`): the channel list
/// from the montage, the rate the card really gives (the file's rate), the kernel
/// buffer size and the calibration; `warnings` lists what works but not as
/// configured. Call order, all on the acquisition thread: `init` → `start()` →
/// `read(into:)` repeatedly → `stop()`.
///
/// Faults:
/// - **Overrun** (`read` fails with `EPIPE`: the kernel buffer filled and the driver
///   stopped; or with `EINVAL` while `SDF_RUNNING` is clear, which is how Linux reports it
///   when the read that drained the buffer also met the stop): `read(into:)` cancels and restarts the command and returns
///   `.gap` with cause `.deviceOverrun` and `isExact == false`. Its `firstSample` is the
///   number of frames delivered so far (a partial frame at the overrun is dropped);
///   its `sampleCount` is estimated from the monotonic clock: after every successful
///   read the source notes an anchor, (frames delivered + frames still in the kernel
///   buffer (`comedi_get_buffer_contents`), monotonic time), i.e. where the card's clock
///   was at that time; at the restart the card's clock is taken to be at
///   `anchor + round((restart time − anchor time) × rate)`, and the gap runs from
///   `firstSample` up to that index (at least 1 frame). The next block starts at
///   `gap.endSample`.
/// - **Stall** (no data for `readTimeoutMilliseconds`, and none waiting in the kernel buffer
///   per `comedi_get_buffer_contents`): throws `ComediError` `.stalled`.
/// - **Vanished device** (`ENODEV`, `ENXIO`, `EIO`, `EBADF` from `read`, or `POLLNVAL`; or
///   `ENODEV` from the calls that tell a stall or an overrun, or from the restart, once the
///   driver has detached the board, which then polls as silent): throws `.deviceVanished`. Other read errors throw `.readFailed`; `read` returning 0 throws `.streamEnded`.
/// All of these end the session; the message says what to do.
///
/// Thread: not thread-safe; one thread at a time (Sendable so that it can be handed to the
/// acquisition thread).
public final class ComediSource: Source, @unchecked Sendable {
    /// Channel count, the card's real rate and the calibration.
    public let format: SampleFormat
    /// Board, driver, subdevice, channel list, ranges, reference, rate, buffer and calibration source.
    public let provenance: [String: String]
    /// What was decided before start.
    public let plan: ComediAcquisitionPlan
    /// Things that work but not as configured (smaller buffer, range not covering ±range_volts,
    /// missing soft calibration): log them.
    public let warnings: [String]
    /// Overruns since `start()`.
    public private(set) var overrunCount = 0

    private let driver: any ComediDriver
    private let settings: ComediSettings
    private let clock: () -> UInt64
    private let channelCount: Int
    private let bytesPerFrame: Int
    private let centres: UnsafeMutablePointer<Int32>
    private let staging: UnsafeMutableRawBufferPointer
    private var stagedBytes = 0
    private var nextSample: UInt64 = 0
    private var anchorSample: UInt64 = 0
    private var anchorNanoseconds: UInt64 = 0
    private var running = false

    /// Opens `settings.device` and prepares the acquisition of `montage`'s hardware
    /// channels at `sampleRateHz` (the request; `format.sampleRateHz` is what the card gives).
    /// Throws `ComediError` saying what is wrong and what to change.
    public convenience init(settings: ComediSettings, montage: Montage, sampleRateHz: Double) throws(ComediError) {
        let driver = try ComediLibraryDriver(path: settings.device)
        try self.init(
            driver: driver, settings: settings, hardwareChannels: montage.channels.map(\.hardwareChannel),
            sampleRateHz: sampleRateHz)
    }

    /// Prepares an acquisition on an open `driver` (a fake in unit tests).
    /// `monotonicNanoseconds` is the clock overrun gaps are estimated from (default `CLOCK_MONOTONIC`).
    public init(
        driver: any ComediDriver, settings: ComediSettings, hardwareChannels: [Int], sampleRateHz: Double,
        monotonicNanoseconds: @escaping () -> UInt64 = ComediSource.monotonicNanoseconds
    ) throws(ComediError) {
        let plan = try ComediAcquisitionPlan.make(
            driver: driver, settings: settings, hardwareChannels: hardwareChannels, requestedRateHz: sampleRateHz)
        self.plan = plan
        self.driver = driver
        self.settings = settings
        self.clock = monotonicNanoseconds
        self.warnings = plan.warnings
        channelCount = plan.command.channels.count
        bytesPerFrame = plan.bytesPerFrame
        format = SampleFormat(
            channelCount: channelCount, sampleRateHz: plan.rateHz, calibration: plan.calibration.calibration)
        centres = .allocate(capacity: channelCount)
        centres.initialize(from: plan.centreCounts, count: channelCount)
        // 64 Ki samples (128–256 KiB): one read never takes more than this.
        let stagingFrames = max(1, 65536 / channelCount)
        staging = .allocate(byteCount: stagingFrames * bytesPerFrame, alignment: 8)
        provenance = Self.describe(plan: plan, driver: driver, settings: settings)
    }

    /// `CLOCK_MONOTONIC` in nanoseconds (`clock_gettime`): the default clock for gap estimates.
    public static func monotonicNanoseconds() -> UInt64 { MonotonicClock.nanoseconds() }

    deinit {
        stop()
        centres.deallocate()
        staging.deallocate()
    }

    /// Starts the command (`comedi_command`); the first frame read is sample 0.
    public func start() throws {
        precondition(!running, "ComediSource.start() called twice")
        try driver.startCommand(plan.command)
        running = true
        nextSample = 0
        stagedBytes = 0
        anchorSample = 0
        anchorNanoseconds = clock()
    }

    /// Waits up to `readTimeoutMilliseconds` for samples, then copies whole frames
    /// (re-centred to signed) into `buffer`. Returns `.gap` after an overrun (the command
    /// has been restarted). Throws `ComediError` on a stall or a vanished device.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead {
        precondition(running, "ComediSource.read(into:) before start()")
        let maxFrames = min(buffer.count / channelCount, staging.count / bytesPerFrame)
        precondition(maxFrames > 0, "the buffer holds less than one frame")
        while true {
            guard try driver.waitForData(timeoutMilliseconds: settings.readTimeoutMilliseconds) else {
                // A starved machine can wake from the timeout before the driver's own timer
                // has announced data it already holds: look before calling it a stall. A
                // detached board polls as silent too, but answers this call with ENODEV.
                do {
                    if try driver.bufferContents(plan.subdevice) > 0 { continue }
                } catch {
                    if let gone = vanished(error) { throw gone }
                }
                throw ComediError(
                    .stalled, device: driver.path,
                    message: "no samples for \(settings.readTimeoutMilliseconds) ms after sample \(nextSample) (subdevice \(plan.subdevice))",
                    remedy: "Check the card's clock and trigger wiring and that no other program cancelled the command; raise [source.comedi] read_timeout_ms if the card delivers in long bursts")
            }
            let room = UnsafeMutableRawBufferPointer(
                rebasing: staging[stagedBytes..<(maxFrames * bytesPerFrame)])
            let count: Int
            do {
                count = try driver.read(into: room)
            } catch .brokenPipe {
                return try recoverFromOverrun()
            } catch .invalidArgument {
                // The kernel reports EPIPE only to a read that finds the buffer empty; when the
                // read that drained the last bytes also saw the stop, it returns those bytes,
                // drops the error and releases the subdevice, so the next read gets EINVAL.
                if try commandStoppedByDriver() { return try recoverFromOverrun() }
                throw readError(.invalidArgument)
            } catch {
                throw readError(error)
            }
            if count == 0 {
                throw ComediError(
                    .streamEnded, device: driver.path, function: "read",
                    message: "the acquisition ended by itself after sample \(nextSample)",
                    remedy: "Another program may have cancelled the command; start a new session")
            }
            stagedBytes += count
            let frames = stagedBytes / bytesPerFrame
            guard frames > 0 else { continue }
            convert(frames: frames, into: buffer)
            let used = frames * bytesPerFrame
            let left = stagedBytes - used
            if left > 0 { staging.baseAddress!.copyMemory(from: staging.baseAddress! + used, byteCount: left) }
            stagedBytes = left
            let first = nextSample
            nextSample += UInt64(frames)
            // Once the driver has stopped the card (an overrun is pending, the reads
            // drain what was buffered) its clock no longer advances: keep the last anchor.
            if let waiting = try? driver.bufferContents(plan.subdevice), (try? commandStoppedByDriver()) == false {
                anchorSample = nextSample + UInt64((waiting + stagedBytes) / bytesPerFrame)
                anchorNanoseconds = clock()
            }
            return .frames(firstSample: first, frameCount: frames)
        }
    }

    /// Stops the command (`comedi_cancel`); safe to call more than once.
    public func stop() {
        guard running else { return }
        running = false
        try? driver.cancel(plan.subdevice)
    }

    /// Re-centres `frames` staged frames into `buffer`: stored = count − (maxdata + 1) / 2.
    private func convert(frames: Int, into buffer: UnsafeMutableBufferPointer<Int16>) {
        let samples = frames * channelCount
        let out = buffer.baseAddress!
        if plan.bytesPerSample == 2 {
            let raw = staging.baseAddress!.assumingMemoryBound(to: UInt16.self)
            var c = 0
            for i in 0..<samples {
                out[i] = Int16(truncatingIfNeeded: Int32(raw[i]) - centres[c])
                c += 1
                if c == channelCount { c = 0 }
            }
        } else {
            let raw = staging.baseAddress!.assumingMemoryBound(to: UInt32.self)
            var c = 0
            for i in 0..<samples {
                out[i] = Int16(truncatingIfNeeded: Int32(truncatingIfNeeded: raw[i]) - centres[c])
                c += 1
                if c == channelCount { c = 0 }
            }
        }
    }

    /// True when the subdevice no longer runs a command (`SDF_RUNNING` clear): with
    /// `stop_src = TRIG_NONE` only the driver stops it, after an overrun or a hardware error.
    /// Throws `.deviceVanished` when the board is gone.
    private func commandStoppedByDriver() throws(ComediError) -> Bool {
        do {
            return !(try driver.subdeviceFlags(plan.subdevice)).contains(.running)
        } catch {
            if let gone = vanished(error) { throw gone }
            return false
        }
    }

    /// After `EPIPE`: cancel, restart, and report the lost range (see the type's doc).
    private func recoverFromOverrun() throws -> SourceRead {
        overrunCount += 1
        try? driver.cancel(plan.subdevice)
        stagedBytes = 0
        do {
            try driver.startCommand(plan.command)
        } catch {
            if let gone = vanished(error) { throw gone }
            var failure = error
            failure.message = "cannot restart acquisition after a buffer overrun at sample \(nextSample): " + error.message
            throw failure
        }
        let restart = clock()
        let elapsed = Double(restart &- anchorNanoseconds) / 1e9
        let expected = anchorSample + UInt64(max(0, (elapsed * plan.rateHz).rounded()))
        let first = nextSample
        let count = expected > first ? expected - first : 1
        nextSample = first + count
        anchorSample = nextSample
        anchorNanoseconds = restart
        return .gap(AcquisitionGap(firstSample: first, sampleCount: count, cause: .deviceOverrun, isExact: false))
    }

    /// A read failure as a `ComediError`.
    private func readError(_ error: Errno) -> ComediError {
        if let gone = vanished(function: "read", errorNumber: error.rawValue) { return gone }
        return ComediError(
            .readFailed, device: driver.path, function: "read", errorNumber: error.rawValue,
            libraryMessage: error.description, message: "reading samples failed after sample \(nextSample)",
            remedy: comediRemedy(errorNumber: error.rawValue, device: driver.path))
    }

    /// `.deviceVanished` in place of a call's `error` when the board is gone; nil for any
    /// other failure, which the caller handles as its own.
    private func vanished(_ error: ComediError) -> ComediError? {
        vanished(function: error.function, errorNumber: error.errorNumber)
    }

    /// `.deviceVanished` after sample `nextSample` when `function`'s error number says the
    /// board is gone (unplugged, or its driver detached or unloaded: `ENODEV`, `ENXIO`,
    /// `EIO`, `EBADF`); nil for any other error number. The one place that mapping is made.
    private func vanished(function: String, errorNumber: Int32?) -> ComediError? {
        let gone: [Errno] = [.operationNotSupportedByDevice, .noSuchAddressOrDevice, .ioError, .badFileDescriptor]
        guard let errorNumber, gone.contains(Errno(rawValue: errorNumber)) else { return nil }
        return ComediError(
            .deviceVanished, device: driver.path, function: function, errorNumber: errorNumber,
            libraryMessage: Errno(rawValue: errorNumber).description, message: "the device went away after sample \(nextSample)",
            remedy: "Reconnect or power the board (check dmesg), then start a new session; the file up to here is valid")
    }

    /// The provenance map written to the session file.
    static func describe(plan: ComediAcquisitionPlan, driver: any ComediDriver, settings: ComediSettings) -> [String: String] {
        let command = plan.command
        var result: [String: String] = [
            "source": "comedi",
            "comedi.device": driver.path,
            "comedi.board": driver.boardName,
            "comedi.driver": driver.driverName,
            "comedi.subdevice": String(plan.subdevice),
            "comedi.channels": command.channels.map { String($0.channel) }.joined(separator: ","),
            "comedi.ranges": zip(command.channels, plan.ranges).map { "\($0.channel):\($0.range)=\($1.description)" }
                .joined(separator: "; "),
            "comedi.reference": command.channels.first?.reference.name ?? "",
            "comedi.maxdata": plan.maxdata.map(String.init).joined(separator: ","),
            "comedi.bytes_per_sample": String(plan.bytesPerSample),
            "comedi.requested_rate_hz": String(plan.requestedRateHz),
            "comedi.rate_hz": String(plan.rateHz),
            "comedi.command":
                "start=\(command.start.source):\(command.start.argument) scan_begin=\(command.scanBegin.source):\(command.scanBegin.argument) convert=\(command.convert.source):\(command.convert.argument) scan_end=\(command.scanEnd.source):\(command.scanEnd.argument) stop=\(command.stop.source):\(command.stop.argument)",
            "comedi.buffer_bytes": String(plan.bufferBytes),
            "comedi.calibration_source": plan.calibration.originSummary,
            "comedi.calibration_polynomials": plan.calibration.polynomials.map { p in
                "origin=\(p.expansionOrigin) c=[\(p.coefficients.map { String($0) }.joined(separator: ","))]"
            }.joined(separator: "; "),
            "comedi.stored_value": "count - (maxdata + 1) / 2",
        ]
        if let file = plan.calibration.calibrationFile { result["comedi.calibration_file"] = file }
        return result
    }
}
