import KetaMapCore
import KetaMapConfiguration

/// Everything decided before a Comedi acquisition starts: the subdevice, the
/// channel list (montage hardware channels with their range and reference), the
/// tested command and the rate it really gives, the sample width, the kernel
/// buffer size and the calibration. Built by `ComediAcquisitionPlan.make`, in
/// this order:
///
/// 1. subdevice: `ComediSettings.subdevice`, else `comedi_get_read_subdevice`, else the
///    first analog input with `SDF_CMD_READ`;
/// 2. channels: each `MontageChannel.hardwareChannel`, in montage order (frame column i is
///    montage channel i); range `rangeIndex`, else the narrowest volt range that covers
///    ±`rangeVolts` (the widest when none does, with a warning); reference from
///    `ComediSettings.reference`, refused unless the subdevice's `SDF_*` flag allows it;
/// 3. samples: 2 bytes, or 4 with `SDF_LSAMPL`; `maxdata` above 65535 is refused (the
///    sample clock carries `Int16`); stored value = count − (maxdata + 1) / 2, i.e.
///    count − 32768 for 16-bit cards;
/// 4. command: `comedi_get_cmd_generic_timed` for the requested rate, `stop_src = TRIG_NONE`,
///    then `comedi_command_test` until it returns 0 (at most 5 passes); the rate read back
///    from the command is refused when it differs from the request by more than
///    `rateTolerancePercent`;
/// 5. buffer: `bufferSeconds` worth of bytes, raising the maximum with
///    `comedi_set_max_buffer_size` when needed (a warning when not allowed), then
///    `comedi_set_buffer_size`;
/// 6. calibration: per channel `comedi_get_softcal_converter` (from the board's calibration
///    file), else `comedi_get_hardcal_converter`, else the nominal range; see `ComediCalibrationReader`.
public struct ComediAcquisitionPlan: Sendable, Equatable {
    /// The analog-input subdevice.
    public var subdevice: Int
    /// The command as `comedi_command_test` left it (what `comedi_command` is given).
    public var command: ComediCommand
    /// The rate you asked for, in Hz.
    public var requestedRateHz: Double
    /// The rate the card gives (1e9 / scan period of `command`), in Hz: the file's rate.
    public var rateHz: Double
    /// Bytes per sample in the stream (2, or 4 with `SDF_LSAMPL`).
    public var bytesPerSample: Int
    /// Per channel (frame order): the count subtracted to make samples signed, (maxdata + 1) / 2.
    public var centreCounts: [Int32]
    /// Per channel: the card's largest count.
    public var maxdata: [UInt32]
    /// Per channel: the range used.
    public var ranges: [ComediRange]
    /// The streaming buffer in bytes after sizing.
    public var bufferBytes: Int
    /// The conversion to volts, per channel, and where it came from.
    public var calibration: ComediCalibrationReader.Result
    /// Things that work but not as configured (smaller buffer, range not covering), for the log.
    public var warnings: [String]

    /// Bytes per frame (channels × bytes per sample).
    public var bytesPerFrame: Int { command.channels.count * bytesPerSample }

    /// Decides everything for `hardwareChannels` at `requestedRateHz` with `settings` on `driver`.
    /// Throws `ComediError` saying what is wrong and what to change.
    public static func make(
        driver: any ComediDriver, settings: ComediSettings, hardwareChannels: [Int], requestedRateHz: Double
    ) throws(ComediError) -> ComediAcquisitionPlan {
        let device = driver.path
        var warnings: [String] = []
        guard !hardwareChannels.isEmpty else {
            throw ComediError(
                .channelOutOfRange, device: device, message: "the montage has no channels",
                remedy: "List at least one contact with its hardware_channel in channels.tsv")
        }
        guard requestedRateHz > 0, requestedRateHz.isFinite else {
            throw ComediError(
                .rateRefused, device: device, message: "the requested rate \(requestedRateHz) Hz is not a positive number",
                remedy: "Set [source] sample_rate_hz, e.g. 5000")
        }

        // 1. Subdevice.
        let subdevice = try chooseSubdevice(driver: driver, configured: settings.subdevice)
        let flags = try driver.subdeviceFlags(subdevice)
        let channelCount = try driver.channelCount(subdevice)

        // 2. Channels, ranges, reference.
        let reference = ComediReference(settings.reference)
        guard flags.contains(reference.requiredFlag) else {
            let allowed = ComediReference.allCases.filter { flags.contains($0.requiredFlag) }.map(\.configName)
            throw ComediError(
                .referenceUnsupported, device: device,
                message: "subdevice \(subdevice) does not accept reference \"\(reference.configName)\" (\(reference.name))",
                remedy: "Set [source.comedi] reference to one of: \(allowed.joined(separator: ", "))")
        }
        var specs: [ComediChannelSpec] = []
        var ranges: [ComediRange] = []
        var maxdata: [UInt32] = []
        for channel in hardwareChannels {
            guard channel >= 0, channel < channelCount else {
                throw ComediError(
                    .channelOutOfRange, device: device,
                    message: "hardware channel \(channel) is not on subdevice \(subdevice), which has channels 0–\(channelCount - 1)",
                    remedy: "Fix hardware_channel in channels.tsv")
            }
            let available = try driver.ranges(subdevice, channel: channel)
            let (rangeIndex, warning) = try chooseRange(
                available, rangeIndex: settings.rangeIndex, rangeVolts: settings.rangeVolts, device: device,
                subdevice: subdevice, channel: channel)
            if let warning, !warnings.contains(warning) { warnings.append(warning) }
            let top = try driver.maxdata(subdevice, channel: channel)
            guard top <= 65535 else {
                throw ComediError(
                    .sampleWidthUnsupported, device: device,
                    message: "channel \(channel) has maxdata \(top) (wider than 16 bits); KetaMap's sample clock carries Int16",
                    remedy: "Use a card or subdevice with at most 16-bit samples")
            }
            specs.append(ComediChannelSpec(channel: channel, range: rangeIndex, reference: reference))
            ranges.append(available[rangeIndex])
            maxdata.append(top)
        }
        let bytesPerSample = flags.contains(.longSamples) ? 4 : 2

        // 4. Command.
        let period = (1e9 / requestedRateHz).rounded()
        guard period >= 1, period <= Double(UInt32.max) else {
            throw ComediError(
                .rateRefused, device: device, message: "the requested rate \(requestedRateHz) Hz is outside what a Comedi timer expresses",
                remedy: "Set [source] sample_rate_hz between 1 Hz and 1 GHz")
        }
        var command = try driver.genericTimedCommand(
            subdevice: subdevice, channelCount: specs.count, scanPeriodNanoseconds: UInt32(period))
        command.subdevice = subdevice
        command.channels = specs
        command.scanEnd = ComediTrigger(.count, UInt32(specs.count))
        command.stop = ComediTrigger(.none, 0)
        try settle(&command, driver: driver)
        guard let rateHz = command.scanRateHz else {
            throw ComediError(
                .rateRefused, device: device,
                message: "the command the driver accepted is not paced by a timer (scan_begin \(command.scanBegin.source), convert \(command.convert.source)), so its rate is unknown",
                remedy: "Use a subdevice whose commands run on TRIG_TIMER")
        }
        let offPercent = abs(rateHz - requestedRateHz) / requestedRateHz * 100
        if offPercent > settings.rateTolerancePercent {
            throw ComediError(
                .rateRefused, device: device,
                message: "requested \(requestedRateHz.rounded(toPlaces: 3)) Hz but the card gives \(rateHz.rounded(toPlaces: 3)) Hz for \(specs.count) channels (\(offPercent.rounded(toPlaces: 3)) % off, tolerance \(settings.rateTolerancePercent) %)",
                remedy: "Choose a rate the card's timer divides evenly (e.g. \(rateHz.rounded(toPlaces: 3)) Hz) or raise [source.comedi] rate_tolerance_percent")
        }

        // 5. Buffer.
        let bytesPerFrame = specs.count * bytesPerSample
        let bufferBytes = try sizeBuffer(
            driver: driver, subdevice: subdevice, seconds: settings.bufferSeconds, rateHz: rateHz,
            bytesPerFrame: bytesPerFrame, warnings: &warnings)

        // 6. Calibration.
        let calibration = ComediCalibrationReader.read(
            driver: driver, subdevice: subdevice, softCalibrated: flags.contains(.softCalibrated), channels: specs,
            ranges: ranges, maxdata: maxdata)
        warnings += calibration.warnings

        return ComediAcquisitionPlan(
            subdevice: subdevice, command: command, requestedRateHz: requestedRateHz, rateHz: rateHz,
            bytesPerSample: bytesPerSample, centreCounts: maxdata.map { Int32(($0 + 1) / 2) }, maxdata: maxdata,
            ranges: ranges, bufferBytes: bufferBytes, calibration: calibration, warnings: warnings)
    }

    /// The configured subdevice if it is a streaming analog input, else the read subdevice, else the first one that is.
    static func chooseSubdevice(driver: any ComediDriver, configured: Int?) throws(ComediError) -> Int {
        let count = try driver.subdeviceCount()
        func isStreamingInput(_ s: Int) throws(ComediError) -> Bool {
            let kind = ComediSubdevice.Kind(comediType: try driver.subdeviceType(s))
            guard kind == .analogInput else { return false }
            return try driver.subdeviceFlags(s).contains(.commandRead)
        }
        if let configured {
            guard configured >= 0, configured < count else {
                throw ComediError(
                    .noStreamingInput, device: driver.path,
                    message: "subdevice \(configured) does not exist (the board has \(count))",
                    remedy: "Fix [source.comedi] subdevice, or remove it to use the first streaming analog input")
            }
            guard try isStreamingInput(configured) else {
                let kind = ComediSubdevice.Kind(comediType: try driver.subdeviceType(configured))
                let streams = try driver.subdeviceFlags(configured).contains(.commandRead)
                throw ComediError(
                    .noStreamingInput, device: driver.path,
                    message: "subdevice \(configured) is \(kind) and \(streams ? "streams" : "does not stream (no SDF_CMD_READ)")",
                    remedy: "Set [source.comedi] subdevice to an analog input that streams (see `ketamapctl devices`)")
            }
            return configured
        }
        if let s = driver.readSubdevice(), s < count, try isStreamingInput(s) { return s }
        for s in 0..<count where try isStreamingInput(s) { return s }
        throw ComediError(
            .noStreamingInput, device: driver.path,
            message: "no analog-input subdevice of \(driver.boardName) (\(driver.driverName)) streams (SDF_CMD_READ)",
            remedy: "KetaMap needs a card whose Comedi driver supports analog-input commands; see docs/hardware.md")
    }

    /// `rangeIndex` when given (checked), else the narrowest volt range covering ±`rangeVolts`,
    /// else the widest volt range (with a warning).
    static func chooseRange(
        _ ranges: [ComediRange], rangeIndex: Int?, rangeVolts: Double, device: String, subdevice: Int, channel: Int
    ) throws(ComediError) -> (index: Int, warning: String?) {
        let listing = ranges.enumerated().map { "\($0.offset): \($0.element.description)" }.joined(separator: ", ")
        if let rangeIndex {
            guard rangeIndex >= 0, rangeIndex < ranges.count else {
                throw ComediError(
                    .rangeUnavailable, device: device,
                    message: "range index \(rangeIndex) does not exist on subdevice \(subdevice) channel \(channel) (ranges \(listing))",
                    remedy: "Set [source.comedi] range_index to one of those, or remove it and set range_volts")
            }
            return (rangeIndex, nil)
        }
        let volts = ranges.enumerated().filter { $0.element.unit == .volts }
        guard !volts.isEmpty else {
            throw ComediError(
                .rangeUnavailable, device: device,
                message: "subdevice \(subdevice) channel \(channel) has no range in volts (ranges \(listing))",
                remedy: "Set [source.comedi] range_index explicitly")
        }
        let want = abs(rangeVolts)
        let slack = want * 1e-9
        let covering = volts.filter { $0.element.min <= -want + slack && $0.element.max >= want - slack }
        if let best = covering.min(by: { ($0.element.max - $0.element.min) < ($1.element.max - $1.element.min) }) {
            return (best.offset, nil)
        }
        let widest = volts.max(by: { ($0.element.max - $0.element.min) < ($1.element.max - $1.element.min) })!
        return (
            widest.offset,
            "no range of subdevice \(subdevice) covers ±\(want.formattedCompactly) V; using the widest, \(widest.element.description) (range \(widest.offset))"
        )
    }

    /// Runs `comedi_command_test` until it accepts the command unchanged (at most 5 passes).
    static func settle(_ command: inout ComediCommand, driver: any ComediDriver) throws(ComediError) {
        let stages = [
            1: "a trigger source is not supported", 2: "the trigger sources do not work together",
            3: "an argument was out of range", 4: "an argument was adjusted", 5: "the channel list is not supported",
        ]
        var last = 0
        for _ in 0..<5 {
            last = try driver.testCommand(&command)
            if last == 0 { return }
            if last == 3 || last == 4 { continue }
            break
        }
        throw ComediError(
            .commandRefused, device: driver.path, function: "comedi_command_test",
            message: "the driver refused the acquisition command at stage \(last) (\(stages[last] ?? "unknown")): start \(command.start.source), scan_begin \(command.scanBegin.source) \(command.scanBegin.argument) ns, convert \(command.convert.source) \(command.convert.argument) ns, \(command.channels.count) channels",
            remedy: last == 5
                ? "The card cannot scan this channel list (order, length or mixed ranges); change the montage's hardware channels or range"
                : "Lower [source] sample_rate_hz or use fewer channels")
    }

    /// Sizes the streaming buffer to `seconds` of frames; returns the size the kernel set, in bytes.
    static func sizeBuffer(
        driver: any ComediDriver, subdevice: Int, seconds: Double, rateHz: Double, bytesPerFrame: Int,
        warnings: inout [String]
    ) throws(ComediError) -> Int {
        let device = driver.path
        let wanted = max(bytesPerFrame, Int((seconds * rateHz * Double(bytesPerFrame)).rounded(.up)))
        let bytesPerSecond = rateHz * Double(bytesPerFrame)
        var target = wanted
        let maximum = try driver.maxBufferSize(subdevice)
        if wanted > maximum {
            do {
                try driver.setMaxBufferSize(subdevice, bytes: wanted)
            } catch {
                target = maximum
                warnings.append(
                    "\(device): cannot raise the largest buffer from \(maximum) to \(wanted) bytes (\(error.libraryMessage ?? error.message)); using \(maximum) bytes = \((Double(maximum) / bytesPerSecond).rounded(toPlaces: 2)) s. Raise it as root: echo \((wanted + 1023) / 1024) > /sys/class/comedi/\(device.split(separator: "/").last ?? "comedi0")/max_read_buffer_kb, or run ketamapd with CAP_SYS_ADMIN")
            }
        }
        do {
            return try driver.setBufferSize(subdevice, bytes: target)
        } catch {
            let current = try driver.bufferSize(subdevice)
            warnings.append(
                "\(device): cannot set the buffer to \(target) bytes (\(error.libraryMessage ?? error.message)); keeping \(current) bytes = \((Double(current) / bytesPerSecond).rounded(toPlaces: 2)) s")
            return current
        }
    }
}

extension ComediReference {
    /// The reference `ComediSettings.reference` names.
    public init(_ setting: ComediSettings.Reference) {
        switch setting {
        case .ground: self = .ground
        case .common: self = .common
        case .differential: self = .differential
        case .other: self = .other
        }
    }

    /// The name in `ketamapd.toml` (`ground`, `common`, `differential`, `other`).
    public var configName: String {
        switch self {
        case .ground: ComediSettings.Reference.ground.rawValue
        case .common: ComediSettings.Reference.common.rawValue
        case .differential: ComediSettings.Reference.differential.rawValue
        case .other: ComediSettings.Reference.other.rawValue
        }
    }
}

extension Double {
    /// Rounded to `places` decimals, for messages.
    func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
