/// What a subdevice of a Comedi device is and can do, as `ketamapctl devices`
/// lists it (`comedi_get_subdevice_type`, `comedi_get_subdevice_flags`,
/// `comedi_get_n_channels`, `comedi_get_maxdata`, `comedi_get_range`,
/// `comedi_get_buffer_size`, `comedi_get_max_buffer_size`).
public struct ComediSubdevice: Sendable, Equatable {
    /// The subdevice type (`enum comedi_subdevice_type`).
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// Not used (`COMEDI_SUBD_UNUSED`).
        case unused
        /// Analog input (`COMEDI_SUBD_AI`): what KetaMap records from.
        case analogInput
        /// Analog output (`COMEDI_SUBD_AO`).
        case analogOutput
        /// Digital input (`COMEDI_SUBD_DI`).
        case digitalInput
        /// Digital output (`COMEDI_SUBD_DO`).
        case digitalOutput
        /// Digital input/output (`COMEDI_SUBD_DIO`).
        case digitalIO
        /// Counter (`COMEDI_SUBD_COUNTER`).
        case counter
        /// Timer (`COMEDI_SUBD_TIMER`).
        case timer
        /// Memory, EEPROM, DPRAM (`COMEDI_SUBD_MEMORY`).
        case memory
        /// Calibration DACs (`COMEDI_SUBD_CALIB`).
        case calibration
        /// Processor, DSP (`COMEDI_SUBD_PROC`).
        case processor
        /// Serial I/O (`COMEDI_SUBD_SERIAL`).
        case serial
        /// Pulse-width modulation output (`COMEDI_SUBD_PWM`).
        case pulseWidthModulation
        /// A type this build does not know, with its number.
        case other(Int)

        /// The kind for a `comedi_get_subdevice_type` result.
        public init(comediType: Int) {
            switch comediType {
            case _COMEDI_SUBD_UNUSED: self = .unused
            case _COMEDI_SUBD_AI: self = .analogInput
            case _COMEDI_SUBD_AO: self = .analogOutput
            case _COMEDI_SUBD_DI: self = .digitalInput
            case _COMEDI_SUBD_DO: self = .digitalOutput
            case _COMEDI_SUBD_DIO: self = .digitalIO
            case _COMEDI_SUBD_COUNTER: self = .counter
            case _COMEDI_SUBD_TIMER: self = .timer
            case _COMEDI_SUBD_MEMORY: self = .memory
            case _COMEDI_SUBD_CALIB: self = .calibration
            case _COMEDI_SUBD_PROC: self = .processor
            case _COMEDI_SUBD_SERIAL: self = .serial
            case _COMEDI_SUBD_PWM: self = .pulseWidthModulation
            default: self = .other(comediType)
            }
        }

        /// The `comedi_subdevice_type` number.
        public var comediType: Int {
            switch self {
            case .unused: _COMEDI_SUBD_UNUSED
            case .analogInput: _COMEDI_SUBD_AI
            case .analogOutput: _COMEDI_SUBD_AO
            case .digitalInput: _COMEDI_SUBD_DI
            case .digitalOutput: _COMEDI_SUBD_DO
            case .digitalIO: _COMEDI_SUBD_DIO
            case .counter: _COMEDI_SUBD_COUNTER
            case .timer: _COMEDI_SUBD_TIMER
            case .memory: _COMEDI_SUBD_MEMORY
            case .calibration: _COMEDI_SUBD_CALIB
            case .processor: _COMEDI_SUBD_PROC
            case .serial: _COMEDI_SUBD_SERIAL
            case .pulseWidthModulation: _COMEDI_SUBD_PWM
            case .other(let n): n
            }
        }

        /// Readable name for listings, e.g. `analog input`.
        public var description: String {
            switch self {
            case .unused: "unused"
            case .analogInput: "analog input"
            case .analogOutput: "analog output"
            case .digitalInput: "digital input"
            case .digitalOutput: "digital output"
            case .digitalIO: "digital I/O"
            case .counter: "counter"
            case .timer: "timer"
            case .memory: "memory"
            case .calibration: "calibration"
            case .processor: "processor"
            case .serial: "serial"
            case .pulseWidthModulation: "PWM"
            case .other(let n): "type \(n)"
            }
        }
    }

    /// Subdevice index.
    public var index: Int
    /// What it is.
    public var kind: Kind
    /// Its flags (`comedi_get_subdevice_flags`).
    public var flags: ComediSubdeviceFlags
    /// Number of channels (`comedi_get_n_channels`).
    public var channelCount: Int
    /// Largest count of channel 0 (`comedi_get_maxdata`); 65535 for a 16-bit converter.
    public var maxdata: UInt32
    /// Ranges of channel 0 (`comedi_get_n_ranges`, `comedi_get_range`).
    public var ranges: [ComediRange]
    /// Streaming buffer size in bytes (`comedi_get_buffer_size`), nil when it cannot stream.
    public var bufferBytes: Int?
    /// Largest buffer size without privileges, in bytes (`comedi_get_max_buffer_size`), nil when it cannot stream.
    public var maxBufferBytes: Int?

    /// Creates a description.
    public init(
        index: Int, kind: Kind, flags: ComediSubdeviceFlags, channelCount: Int, maxdata: UInt32,
        ranges: [ComediRange], bufferBytes: Int?, maxBufferBytes: Int?
    ) {
        self.index = index
        self.kind = kind
        self.flags = flags
        self.channelCount = channelCount
        self.maxdata = maxdata
        self.ranges = ranges
        self.bufferBytes = bufferBytes
        self.maxBufferBytes = maxBufferBytes
    }

    /// True when it streams input through commands (`SDF_CMD_READ`).
    public var streamsInput: Bool { flags.contains(.commandRead) }
    /// True when it streams output through commands (`SDF_CMD_WRITE`).
    public var streamsOutput: Bool { flags.contains(.commandWrite) }
    /// Bits per sample in the stream: 32 with `SDF_LSAMPL`, else 16.
    public var bytesPerSample: Int { flags.contains(.longSamples) ? 4 : 2 }
}

/// Subdevice flags (`SDF_*`, from `comedi_get_subdevice_flags`).
public struct ComediSubdeviceFlags: OptionSet, Sendable, Hashable {
    /// The `SDF_*` bits.
    public let rawValue: UInt32
    /// Wraps `SDF_*` bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A command is running or was stopped and not yet cancelled (`SDF_BUSY`).
    public static var busy: Self { Self(rawValue: _SDF_BUSY) }
    /// maxdata differs between channels (`SDF_MAXDATA`).
    public static var maxdataPerChannel: Self { Self(rawValue: _SDF_MAXDATA) }
    /// Ranges differ between channels (`SDF_RANGETYPE`).
    public static var rangesPerChannel: Self { Self(rawValue: _SDF_RANGETYPE) }
    /// Calibrated in software from a calibration file (`SDF_SOFT_CALIBRATED`).
    public static var softCalibrated: Self { Self(rawValue: _SDF_SOFT_CALIBRATED) }
    /// Streams output through commands (`SDF_CMD_WRITE`).
    public static var commandWrite: Self { Self(rawValue: _SDF_CMD_WRITE) }
    /// Streams input through commands (`SDF_CMD_READ`).
    public static var commandRead: Self { Self(rawValue: _SDF_CMD_READ) }
    /// Readable (`SDF_READABLE`).
    public static var readable: Self { Self(rawValue: _SDF_READABLE) }
    /// Writable (`SDF_WRITABLE`).
    public static var writable: Self { Self(rawValue: _SDF_WRITABLE) }
    /// Accepts `AREF_GROUND` (`SDF_GROUND`).
    public static var ground: Self { Self(rawValue: _SDF_GROUND) }
    /// Accepts `AREF_COMMON` (`SDF_COMMON`).
    public static var common: Self { Self(rawValue: _SDF_COMMON) }
    /// Accepts `AREF_DIFF` (`SDF_DIFF`).
    public static var differential: Self { Self(rawValue: _SDF_DIFF) }
    /// Accepts `AREF_OTHER` (`SDF_OTHER`).
    public static var other: Self { Self(rawValue: _SDF_OTHER) }
    /// A command is acquiring (`SDF_RUNNING`).
    public static var running: Self { Self(rawValue: _SDF_RUNNING) }
    /// Samples are 32-bit in the stream (`SDF_LSAMPL`).
    public static var longSamples: Self { Self(rawValue: _SDF_LSAMPL) }
}
