import CComedi
import Glibc
import SystemPackage

// The only place that calls comedilib (and `poll`). Each function makes one C call
// (or a short fixed sequence for one job), names it, and turns its failure into a
// `ComediError` through `comediCheck`. A device is an `OpaquePointer` to
// `comedi_t`, owned by `ComediDevice`; no C type leaves this file.

/// comedilib's last error number and its text (`comedi_errno`, `comedi_strerror`).
internal func comediLastError() -> (number: Int32, text: String) {
    let number = comedi_errno()
    return (number, String(cString: comedi_strerror(number)))
}

/// What a person can do about an error number from comedilib or the kernel.
internal func comediRemedy(errorNumber: Int32, device: String) -> String {
    switch errorNumber {
    case EACCES, EPERM:
        return "Give the ketamap user access to \(device) (install udev/99-ketamap-comedi.rules and add the user to group ketamap), or run as root"
    case ENOENT, ENXIO:
        return "Check the device path in [source.comedi] device; is the driver loaded (lsmod | grep comedi) and the board attached (comedi_config)? `ketamapctl devices` lists the boards"
    case EBUSY:
        return "Another program is using the subdevice; stop it (fuser -v \(device)) and start again"
    case ENODEV:
        return "The board went away (unplugged, powered off or its driver unloaded); reconnect it and start a new session"
    case EINVAL:
        return "The driver rejected the request; check [source.comedi] subdevice, channels and range against `ketamapctl devices`"
    case ENOMEM:
        return "The kernel could not allocate the buffer; lower [source.comedi] buffer_seconds or free memory"
    default:
        return "See the error above; `ketamapctl devices` shows what the board offers"
    }
}

/// Turns comedilib's `-1` into a `ComediError` built from `comedi_errno()` / `comedi_strerror`.
@discardableResult
internal func comediCheck(
    _ result: Int32, _ function: String, device: String, code: ComediError.Code = .callFailed,
    _ message: @autoclosure () -> String
) throws(ComediError) -> Int32 {
    guard result == -1 else { return result }
    let (number, text) = comediLastError()
    throw ComediError(
        code, device: device, function: function, errorNumber: number, libraryMessage: text, message: message(),
        remedy: comediRemedy(errorNumber: number, device: device))
}

/// Turns comedilib's `NULL` into a `ComediError` built from `comedi_errno()` / `comedi_strerror`.
internal func comediCheckNonNull<T>(
    _ result: T?, _ function: String, device: String, code: ComediError.Code = .callFailed,
    _ message: @autoclosure () -> String
) throws(ComediError) -> T {
    if let result { return result }
    let (number, text) = comediLastError()
    throw ComediError(
        code, device: device, function: function, errorNumber: number, libraryMessage: text, message: message(),
        remedy: comediRemedy(errorNumber: number, device: device))
}

// MARK: - Device

/// `comedi_open`.
internal func comediOpen(_ path: String) throws(ComediError) -> OpaquePointer {
    guard let handle = comedi_open(path) else {
        let (number, text) = comediLastError()
        throw comediOpenError(path, errorNumber: number, libraryMessage: text)
    }
    return handle
}

/// `comedi_open` failing on `path` with `errorNumber`. `ENODEV` there is a node with no
/// board attached (a minor never configured, or one `comedi_config -r` detached), which
/// the kernel answers as it answers any call once a board has gone: the message says
/// which of the two it is, and how to attach a board.
internal func comediOpenError(_ path: String, errorNumber: Int32, libraryMessage: String) -> ComediError {
    let noBoard = errorNumber == ENODEV
    return ComediError(
        .openFailed, device: path, function: "comedi_open", errorNumber: errorNumber, libraryMessage: libraryMessage,
        message: noBoard ? "no board is attached to this device node" : "cannot open the Comedi device",
        remedy: noBoard
            ? "Attach one with comedi_config \(path) DRIVER [OPTIONS] (a PCI or USB board attaches itself when its driver loads: modprobe DRIVER), or name the board's own node in [source.comedi] device"
            : comediRemedy(errorNumber: errorNumber, device: path))
}

/// `comedi_close`.
internal func comediClose(_ handle: OpaquePointer) -> Int32 { comedi_close(handle) }

/// `comedi_fileno`.
internal func comediFileno(_ handle: OpaquePointer) -> Int32 { comedi_fileno(handle) }

/// `comedi_get_board_name`.
internal func comediBoardName(_ handle: OpaquePointer) -> String {
    comedi_get_board_name(handle).map { String(cString: $0) } ?? "(unknown board)"
}

/// `comedi_get_driver_name`.
internal func comediDriverName(_ handle: OpaquePointer) -> String {
    comedi_get_driver_name(handle).map { String(cString: $0) } ?? "(unknown driver)"
}

/// `comedi_get_n_subdevices`.
internal func comediSubdeviceCount(_ handle: OpaquePointer, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_get_n_subdevices(handle), "comedi_get_n_subdevices", device: device, "cannot count subdevices"))
}

/// `comedi_get_read_subdevice`: nil when no subdevice streams input.
internal func comediReadSubdevice(_ handle: OpaquePointer) -> Int? {
    let s = comedi_get_read_subdevice(handle)
    return s < 0 ? nil : Int(s)
}

/// `comedi_get_subdevice_type`.
internal func comediSubdeviceType(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_get_subdevice_type(handle, UInt32(s)), "comedi_get_subdevice_type", device: device, "subdevice \(s)"))
}

/// `comedi_get_subdevice_flags`.
internal func comediSubdeviceFlags(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) -> UInt32 {
    UInt32(bitPattern: try comediCheck(comedi_get_subdevice_flags(handle, UInt32(s)), "comedi_get_subdevice_flags", device: device, "subdevice \(s)"))
}

/// `comedi_get_n_channels`.
internal func comediChannelCount(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_get_n_channels(handle, UInt32(s)), "comedi_get_n_channels", device: device, "subdevice \(s)"))
}

/// `comedi_get_maxdata` (0 means failure).
internal func comediMaxdata(_ handle: OpaquePointer, _ s: Int, _ channel: Int, device: String) throws(ComediError) -> UInt32 {
    let value = comedi_get_maxdata(handle, UInt32(s), UInt32(channel))
    if value == 0 {
        try comediCheck(Int32(-1), "comedi_get_maxdata", device: device, "subdevice \(s) channel \(channel)")
    }
    return value
}

/// `comedi_get_n_ranges` then `comedi_get_range` for each.
internal func comediRanges(_ handle: OpaquePointer, _ s: Int, _ channel: Int, device: String) throws(ComediError) -> [ComediRange] {
    let n = try comediCheck(comedi_get_n_ranges(handle, UInt32(s), UInt32(channel)), "comedi_get_n_ranges", device: device, "subdevice \(s) channel \(channel)")
    var ranges: [ComediRange] = []
    for r in 0..<n {
        let range = try comediCheckNonNull(comedi_get_range(handle, UInt32(s), UInt32(channel), UInt32(r)), "comedi_get_range", device: device, "subdevice \(s) channel \(channel) range \(r)")
        let unit: ComediRange.Unit =
            switch range.pointee.unit {
            case _UNIT_volt: .volts
            case _UNIT_mA: .milliamperes
            case _UNIT_none: .none
            case let other: .other(other)
            }
        ranges.append(ComediRange(min: range.pointee.min, max: range.pointee.max, unit: unit))
    }
    return ranges
}

// MARK: - Buffer

/// `comedi_get_buffer_size`.
internal func comediBufferSize(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_get_buffer_size(handle, UInt32(s)), "comedi_get_buffer_size", device: device, "subdevice \(s)"))
}

/// `comedi_get_max_buffer_size`.
internal func comediMaxBufferSize(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_get_max_buffer_size(handle, UInt32(s)), "comedi_get_max_buffer_size", device: device, "subdevice \(s)"))
}

/// `comedi_set_max_buffer_size`.
internal func comediSetMaxBufferSize(_ handle: OpaquePointer, _ s: Int, _ bytes: Int, device: String) throws(ComediError) {
    try comediCheck(comedi_set_max_buffer_size(handle, UInt32(s), UInt32(clamping: bytes)), "comedi_set_max_buffer_size", device: device, "cannot raise the largest buffer of subdevice \(s) to \(bytes) bytes")
}

/// `comedi_set_buffer_size`.
internal func comediSetBufferSize(_ handle: OpaquePointer, _ s: Int, _ bytes: Int, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_set_buffer_size(handle, UInt32(s), UInt32(clamping: bytes)), "comedi_set_buffer_size", device: device, "cannot set the buffer of subdevice \(s) to \(bytes) bytes"))
}

/// `comedi_get_buffer_contents`.
internal func comediBufferContents(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) -> Int {
    Int(try comediCheck(comedi_get_buffer_contents(handle, UInt32(s)), "comedi_get_buffer_contents", device: device, "subdevice \(s)"))
}

// MARK: - Commands

private func swiftCommand(_ c: comedi_cmd, channels: [ComediChannelSpec]) -> ComediCommand {
    ComediCommand(
        subdevice: Int(c.subdev), flags: c.flags,
        start: ComediTrigger(ComediTriggerSource(rawValue: c.start_src), c.start_arg),
        scanBegin: ComediTrigger(ComediTriggerSource(rawValue: c.scan_begin_src), c.scan_begin_arg),
        convert: ComediTrigger(ComediTriggerSource(rawValue: c.convert_src), c.convert_arg),
        scanEnd: ComediTrigger(ComediTriggerSource(rawValue: c.scan_end_src), c.scan_end_arg),
        stop: ComediTrigger(ComediTriggerSource(rawValue: c.stop_src), c.stop_arg),
        channels: channels)
}

/// Calls `body` with a `comedi_cmd` for `command`, its `chanlist` packed with `CR_PACK`
/// and valid only during the call (the kernel copies it in `comedi_command`).
private func withCCommand<R>(_ command: ComediCommand, _ body: (inout comedi_cmd) -> R) -> R {
    var packed = command.channels.map { CComedi_CR_PACK(UInt32($0.channel), UInt32($0.range), $0.reference.arefValue) }
    return packed.withUnsafeMutableBufferPointer { list in
        var c = comedi_cmd()
        c.subdev = UInt32(command.subdevice)
        c.flags = command.flags
        c.start_src = command.start.source.rawValue
        c.start_arg = command.start.argument
        c.scan_begin_src = command.scanBegin.source.rawValue
        c.scan_begin_arg = command.scanBegin.argument
        c.convert_src = command.convert.source.rawValue
        c.convert_arg = command.convert.argument
        c.scan_end_src = command.scanEnd.source.rawValue
        c.scan_end_arg = command.scanEnd.argument
        c.stop_src = command.stop.source.rawValue
        c.stop_arg = command.stop.argument
        c.chanlist = list.baseAddress
        c.chanlist_len = UInt32(list.count)
        return body(&c)
    }
}

/// `comedi_get_cmd_generic_timed`.
internal func comediGenericTimedCommand(
    _ handle: OpaquePointer, _ s: Int, channelCount: Int, scanPeriodNanoseconds: UInt32, device: String
) throws(ComediError) -> ComediCommand {
    var c = comedi_cmd()
    try comediCheck(
        comedi_get_cmd_generic_timed(handle, UInt32(s), &c, UInt32(channelCount), scanPeriodNanoseconds),
        "comedi_get_cmd_generic_timed", device: device, code: .commandRefused,
        "subdevice \(s) cannot build a timed command for \(channelCount) channels every \(scanPeriodNanoseconds) ns")
    return swiftCommand(c, channels: [])
}

/// `comedi_command_test`: the stage number (0 = accepted), the command adjusted in place.
internal func comediCommandTest(_ handle: OpaquePointer, _ command: inout ComediCommand, device: String) throws(ComediError) -> Int {
    let channels = command.channels
    let (result, adjusted) = withCCommand(command) { c in
        let rc = comedi_command_test(handle, &c)
        return (rc, swiftCommand(c, channels: channels))
    }
    try comediCheck(result, "comedi_command_test", device: device, code: .commandRefused, "the driver refused the command")
    command = adjusted
    return Int(result)
}

/// `comedi_command`.
internal func comediCommand(_ handle: OpaquePointer, _ command: ComediCommand, device: String) throws(ComediError) {
    let result = withCCommand(command) { c in comedi_command(handle, &c) }
    try comediCheck(result, "comedi_command", device: device, code: .commandFailed, "cannot start acquisition on subdevice \(command.subdevice)")
}

/// `comedi_cancel`.
internal func comediCancel(_ handle: OpaquePointer, _ s: Int, device: String) throws(ComediError) {
    try comediCheck(comedi_cancel(handle, UInt32(s)), "comedi_cancel", device: device, "cannot stop subdevice \(s)")
}

// MARK: - Calibration

private func swiftPolynomial(_ p: comedi_polynomial_t) -> ComediPolynomial {
    let order = Int(min(p.order, UInt32(COMEDI_MAX_NUM_POLYNOMIAL_COEFFICIENTS - 1)))
    let all = withUnsafeBytes(of: p.coefficients) { Array($0.bindMemory(to: Double.self)) }
    return ComediPolynomial(coefficients: Array(all[0...order]), expansionOrigin: p.expansion_origin)
}

/// `comedi_get_hardcal_converter` (`COMEDI_TO_PHYSICAL`); nil when it fails.
internal func comediHardcal(_ handle: OpaquePointer, _ s: Int, _ channel: Int, _ range: Int) -> ComediPolynomial? {
    var p = comedi_polynomial_t()
    guard comedi_get_hardcal_converter(handle, UInt32(s), UInt32(channel), UInt32(range), COMEDI_TO_PHYSICAL, &p) == 0 else { return nil }
    return swiftPolynomial(p)
}

/// `comedi_get_default_calibration_path`, when that file exists (`access`).
internal func comediCalibrationPath(_ handle: OpaquePointer) -> String? {
    guard let cPath = comedi_get_default_calibration_path(handle) else { return nil }
    defer { free(cPath) }
    guard POSIXCalls.isReadable(cPath) else { return nil }
    return String(cString: cPath)
}

/// A parsed calibration file (`comedi_parse_calibration_file`), freed with `comedi_cleanup_calibration`.
internal final class ComediCalibrationFile {
    private let pointer: UnsafeMutablePointer<comedi_calibration_t>

    /// Parses `path`; nil when comedilib cannot.
    init?(path: String) {
        guard let pointer = comedi_parse_calibration_file(path) else { return nil }
        self.pointer = pointer
    }

    deinit { comedi_cleanup_calibration(pointer) }

    /// `comedi_get_softcal_converter` (`COMEDI_TO_PHYSICAL`); nil when the file has none for this channel and range.
    func softcal(_ s: Int, _ channel: Int, _ range: Int) -> ComediPolynomial? {
        var p = comedi_polynomial_t()
        guard comedi_get_softcal_converter(UInt32(s), UInt32(channel), UInt32(range), COMEDI_TO_PHYSICAL, pointer, &p) == 0 else { return nil }
        return swiftPolynomial(p)
    }
}

// MARK: - Waiting for the stream

/// `poll` for `POLLIN` on the stream's descriptor, retrying `EINTR`: true when data
/// (or an error to read) is there, false after `timeoutMilliseconds`.
internal func comediPollReadable(fd: Int32, timeoutMilliseconds: Int, device: String) throws(ComediError) -> Bool {
    let result: POSIXCalls.PollResult
    do {
        result = try POSIXCalls.pollReadable(fd, timeoutMilliseconds: timeoutMilliseconds)
    } catch {
        throw ComediError(
            .readFailed, device: device, function: "poll", errorNumber: error.rawValue, libraryMessage: error.description,
            message: "cannot wait for samples", remedy: comediRemedy(errorNumber: error.rawValue, device: device))
    }
    switch result {
    case .ready: return true  // POLLIN, POLLERR or POLLHUP: the next read tells which
    case .timedOut: return false
    case .invalidDescriptor:
        throw ComediError(
            .deviceVanished, device: device, function: "poll", message: "the stream's file descriptor is no longer valid",
            remedy: comediRemedy(errorNumber: ENODEV, device: device))
    }
}

// MARK: - Device nodes

/// Names in `directory` that are Comedi device nodes (`comedi` + digits, not the
/// per-subdevice `comediN_subdM`), sorted by number (`opendir`, `readdir`).
internal func comediDeviceNodes(in directory: String) -> [String] {
    var numbers: [Int] = []
    for name in POSIXCalls.directoryNames(in: directory) {
        guard name.hasPrefix("comedi"), let n = Int(name.dropFirst(6)), n >= 0, name.dropFirst(6).allSatisfy(\.isNumber) else { continue }
        numbers.append(n)
    }
    return numbers.sorted().map { "\(directory)/comedi\($0)" }
}
