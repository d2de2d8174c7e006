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

    public func subdeviceCount() throws(ComediError) -> Int { try comediSubdeviceCount(device.handle, device: path) }
    public func readSubdevice() -> Int? { comediReadSubdevice(device.handle) }
    public func subdeviceType(_ subdevice: Int) throws(ComediError) -> Int {
        try comediSubdeviceType(device.handle, subdevice, device: path)
    }
    public func subdeviceFlags(_ subdevice: Int) throws(ComediError) -> ComediSubdeviceFlags {
        ComediSubdeviceFlags(rawValue: try comediSubdeviceFlags(device.handle, subdevice, device: path))
    }
    public func channelCount(_ subdevice: Int) throws(ComediError) -> Int {
        try comediChannelCount(device.handle, subdevice, device: path)
    }
    public func maxdata(_ subdevice: Int, channel: Int) throws(ComediError) -> UInt32 {
        try comediMaxdata(device.handle, subdevice, channel, device: path)
    }
    public func ranges(_ subdevice: Int, channel: Int) throws(ComediError) -> [ComediRange] {
        try comediRanges(device.handle, subdevice, channel, device: path)
    }
    public func bufferSize(_ subdevice: Int) throws(ComediError) -> Int {
        try comediBufferSize(device.handle, subdevice, device: path)
    }
    public func maxBufferSize(_ subdevice: Int) throws(ComediError) -> Int {
        try comediMaxBufferSize(device.handle, subdevice, device: path)
    }
    public func setMaxBufferSize(_ subdevice: Int, bytes: Int) throws(ComediError) {
        try comediSetMaxBufferSize(device.handle, subdevice, bytes, device: path)
    }
    public func setBufferSize(_ subdevice: Int, bytes: Int) throws(ComediError) -> Int {
        try comediSetBufferSize(device.handle, subdevice, bytes, device: path)
    }
    public func genericTimedCommand(subdevice: Int, channelCount: Int, scanPeriodNanoseconds: UInt32) throws(ComediError)
        -> ComediCommand
    {
        try comediGenericTimedCommand(
            device.handle, subdevice, channelCount: channelCount, scanPeriodNanoseconds: scanPeriodNanoseconds, device: path)
    }
    public func testCommand(_ command: inout ComediCommand) throws(ComediError) -> Int {
        try comediCommandTest(device.handle, &command, device: path)
    }
    public func startCommand(_ command: ComediCommand) throws(ComediError) {
        try comediCommand(device.handle, command, device: path)
    }
    public func cancel(_ subdevice: Int) throws(ComediError) { try comediCancel(device.handle, subdevice, device: path) }
    public func bufferContents(_ subdevice: Int) throws(ComediError) -> Int {
        try comediBufferContents(device.handle, subdevice, device: path)
    }
    public var calibrationFilePath: String? { comediCalibrationPath(device.handle) }
    public func softCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial? {
        calibrationFile?.softcal(subdevice, channel, range)
    }
    public func hardCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial? {
        comediHardcal(device.handle, subdevice, channel, range)
    }
    public func waitForData(timeoutMilliseconds: Int) throws(ComediError) -> Bool {
        try comediPollReadable(fd: stream.rawValue, timeoutMilliseconds: timeoutMilliseconds, device: path)
    }
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
