import SystemPackage

/// The Comedi calls KetaMap makes on one open device, as a protocol: the real
/// one is `ComediLibraryDriver` (comedilib on `/dev/comediN`); unit tests put a
/// fake behind it to force errors, overruns and odd cards.
///
/// Subdevice and channel numbers are the card's. Every method names the
/// comedilib function it stands for; failures throw `ComediError` with
/// `comedi_strerror`'s text and what to do.
///
/// Thread: one thread at a time (the acquisition thread while recording).
public protocol ComediDriver: AnyObject {
    /// The device node, e.g. `/dev/comedi0`.
    var path: String { get }
    /// Board name (`comedi_get_board_name`).
    var boardName: String { get }
    /// Driver name (`comedi_get_driver_name`).
    var driverName: String { get }
    /// Number of subdevices (`comedi_get_n_subdevices`).
    func subdeviceCount() throws(ComediError) -> Int
    /// The subdevice that streams input by default (`comedi_get_read_subdevice`), nil when none.
    func readSubdevice() -> Int?
    /// Type number of a subdevice (`comedi_get_subdevice_type`); see `ComediSubdevice.Kind`.
    func subdeviceType(_ subdevice: Int) throws(ComediError) -> Int
    /// Flags of a subdevice (`comedi_get_subdevice_flags`).
    func subdeviceFlags(_ subdevice: Int) throws(ComediError) -> ComediSubdeviceFlags
    /// Number of channels (`comedi_get_n_channels`).
    func channelCount(_ subdevice: Int) throws(ComediError) -> Int
    /// Largest count of a channel (`comedi_get_maxdata`).
    func maxdata(_ subdevice: Int, channel: Int) throws(ComediError) -> UInt32
    /// The ranges of a channel (`comedi_get_n_ranges`, `comedi_get_range`).
    func ranges(_ subdevice: Int, channel: Int) throws(ComediError) -> [ComediRange]
    /// Streaming buffer size in bytes (`comedi_get_buffer_size`).
    func bufferSize(_ subdevice: Int) throws(ComediError) -> Int
    /// Largest streaming buffer size in bytes (`comedi_get_max_buffer_size`).
    func maxBufferSize(_ subdevice: Int) throws(ComediError) -> Int
    /// Raises or lowers the largest buffer size (`comedi_set_max_buffer_size`; raising needs `CAP_SYS_ADMIN`).
    func setMaxBufferSize(_ subdevice: Int, bytes: Int) throws(ComediError)
    /// Sets the buffer size (`comedi_set_buffer_size`); returns the size the kernel chose (page-rounded), in bytes.
    func setBufferSize(_ subdevice: Int, bytes: Int) throws(ComediError) -> Int
    /// A timed command for `channelCount` channels and a scan period (`comedi_get_cmd_generic_timed`);
    /// its channel list is empty, to be filled by the caller.
    func genericTimedCommand(subdevice: Int, channelCount: Int, scanPeriodNanoseconds: UInt32) throws(ComediError)
        -> ComediCommand
    /// Checks and adjusts a command (`comedi_command_test`): 0 when accepted as is, 1–5 the stage that
    /// changed or refused it (1 sources, 2 source combination, 3 arguments, 4 arguments fixed up, 5 channel list).
    func testCommand(_ command: inout ComediCommand) throws(ComediError) -> Int
    /// Starts a command (`comedi_command`).
    func startCommand(_ command: ComediCommand) throws(ComediError)
    /// Stops whatever runs on a subdevice (`comedi_cancel`).
    func cancel(_ subdevice: Int) throws(ComediError)
    /// Bytes waiting in the streaming buffer (`comedi_get_buffer_contents`).
    func bufferContents(_ subdevice: Int) throws(ComediError) -> Int
    /// The board's calibration file (`comedi_get_default_calibration_path`), when it exists.
    var calibrationFilePath: String? { get }
    /// The software calibration of a channel and range from that file
    /// (`comedi_parse_calibration_file`, `comedi_get_softcal_converter`, `COMEDI_TO_PHYSICAL`), nil when there is none.
    func softCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial?
    /// The driver's conversion (`comedi_get_hardcal_converter`, `COMEDI_TO_PHYSICAL`), nil when it has none
    /// (a soft-calibrated subdevice).
    func hardCalibration(subdevice: Int, channel: Int, range: Int) -> ComediPolynomial?
    /// Waits until the stream has data or an error to report (`poll` on `comedi_fileno`, `POLLIN`);
    /// false when `timeoutMilliseconds` passed first.
    func waitForData(timeoutMilliseconds: Int) throws(ComediError) -> Bool
    /// Reads stream bytes (`read` on `comedi_fileno`, retrying `EINTR`); 0 at the end of a finite command.
    /// An overrun throws `Errno.brokenPipe`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int
}
