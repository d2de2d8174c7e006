import SystemPackage

/// The real `ComediDriver`: comedilib on an open `ComediDevice`.
///
/// Reads the stream with swift-system's `FileDescriptor.read(into:retryOnInterrupt:)`
/// on `comedi_fileno`, so `EINTR` is retried and an overrun arrives as `Errno.brokenPipe`.
/// The device closes when the driver is released.
public final class ComediLibraryDriver: ComediDriver {
    /// The device node, e.g. `/dev/comedi0`.
    public let path: String
    /// Board name (`comedi_get_board_name`).
    public let boardName: String
    /// Driver name (`comedi_get_driver_name`).
    public let driverName: String
    private let device: ComediDevice
    private let stream: FileDescriptor
    private lazy var calibrationFile: ComediCalibrationFile? = calibrationFilePath.flatMap { ComediCalibrationFile(path: $0) }

    /// Opens `path` (`comedi_open`). Throws `ComediError` (`.openFailed`) with what to do.
    public init(path: String) throws(ComediError) {
        self.path = path
        device = try ComediDevice(path: path)
        boardName = comediBoardName(device.handle)
        driverName = comediDriverName(device.handle)
        stream = FileDescriptor(rawValue: comediFileno(device.handle))
    }

    /// `comedi_get_n_subdevices`.
    public func subdeviceCount() throws(ComediError) -> Int { try comediSubdeviceCount(device.handle, device: path) }
    /// `comedi_get_read_subdevice`; nil when no subdevice streams input.
    public func readSubdevice() -> Int? { comediReadSubdevice(device.handle) }
    /// `comedi_get_subdevice_type`.
    public func subdeviceType(_ subdevice: Int) throws(ComediError) -> Int {
        try comediSubdeviceType(device.handle, subdevice, device: path)
    }
    /// `comedi_get_subdevice_flags`.
    public func subdeviceFlags(_ subdevice: Int) throws(ComediError) -> ComediSubdeviceFlags {
        ComediSubdeviceFlags(rawValue: try comediSubdeviceFlags(device.handle, subdevice, device: path))
    }
    /// `comedi_get_n_channels`.
    public func channelCount(_ subdevice: Int) throws(ComediError) -> Int {
        try comediChannelCount(device.handle, subdevice, device: path)
    }
    /// `comedi_get_maxdata`.
    public func maxdata(_ subdevice: Int, channel: Int) throws(ComediError) -> UInt32 {
        try comediMaxdata(device.handle, subdevice, channel, device: path)
    }
    /// `comedi_get_n_ranges` and `comedi_get_range`.
    public func ranges(_ subdevice: Int, channel: Int) throws(ComediError) -> [ComediRange] {
        try comediRanges(device.handle, subdevice, channel, device: path)
    }
    /// `comedi_get_buffer_size`, in bytes.
    public func bufferSize(_ subdevice: Int) throws(ComediError) -> Int {
        try comediBufferSize(device.handle, subdevice, device: path)
    }
    /// `comedi_get_max_buffer_size`, in bytes.
    public func maxBufferSize(_ subdevice: Int) throws(ComediError) -> Int {
        try comediMaxBufferSize(device.handle, subdevice, device: path)
    }
    /// `comedi_set_max_buffer_size` (raising needs `CAP_SYS_ADMIN`).
    public func setMaxBufferSize(_ subdevice: Int, bytes: Int) throws(ComediError) {
        try comediSetMaxBufferSize(device.handle, subdevice, bytes, device: path)
    }
    /// `comedi_set_buffer_size`; returns the page-rounded size in bytes.
    public func setBufferSize(_ subdevice: Int, bytes: Int) throws(ComediError) -> Int {
        try comediSetBufferSize(device.handle, subdevice, bytes, device: path)
    }
    /// `comedi_get_cmd_generic_timed`; the channel list is left empty.
    public func genericTimedCommand(subdevice: Int, channelCount: Int, scanPeriodNanoseconds: UInt32) throws(ComediError)
        -> ComediCommand
    {
        try comediGenericTimedCommand(
            device.handle, subdevice, channelCount: channelCount, scanPeriodNanoseconds: scanPeriodNanoseconds, device: path)
    }
    /// `comedi_command_test`; 0 when accepted, else the stage that changed or refused it.
    public func testCommand(_ command: inout ComediCommand) throws(ComediError) -> Int {
        try comediCommandTest(device.handle, &command, device: path)
    }
    /// `comedi_command`.
    public func startCommand(_ command: ComediCommand) throws(ComediError) {
        try comediCommand(device.handle, command, device: path)
    }
    /// `comedi_cancel`.
    public func cancel(_ subdevice: Int) throws(ComediError) { try comediCancel(device.handle, subdevice, device: path) }
    /// `comedi_get_buffer_contents`, in bytes.
    public func bufferContents(_ subdevice: Int) throws(ComediError) -> Int {
        try comediBufferContents(device.handle, subdevice, device: path)
    }
    /// `comedi_get_default_calibration_path`, when the file exists.
    public var calibrationFilePath: String? { comediCalibrationPath(device.handle) }
    /// `comedi_get_softcal_converter` on the parsed calibration file (`comedi_parse_calibration_file`, parsed once).
    public func softCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial? {
        calibrationFile?.softcal(subdevice, channel, range)
    }
    /// `comedi_get_hardcal_converter` (`COMEDI_TO_PHYSICAL`).
    public func hardCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial? {
        comediHardcal(device.handle, subdevice, channel, range)
    }
    /// `poll` for `POLLIN` on `comedi_fileno`; false after the timeout.
    public func waitForData(timeoutMilliseconds: Int) throws(ComediError) -> Bool {
        try comediPollReadable(fd: stream.rawValue, timeoutMilliseconds: timeoutMilliseconds, device: path)
    }
    /// `read` on `comedi_fileno` through `FileDescriptor.read(into:retryOnInterrupt:)`; `EPIPE` is an overrun.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        do {
            return try stream.read(into: buffer, retryOnInterrupt: true)
        } catch let error as Errno {
            throw error
        } catch {
            throw Errno.ioError
        }
    }
}
