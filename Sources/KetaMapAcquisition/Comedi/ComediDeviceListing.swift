/// One Comedi device as `ketamapctl devices` shows it: board, driver and every subdevice.
public struct ComediDeviceDescription: Sendable, Equatable {
    /// The device node, e.g. `/dev/comedi0`.
    public var path: String
    /// Board name (`comedi_get_board_name`).
    public var boardName: String
    /// Driver name (`comedi_get_driver_name`).
    public var driverName: String
    /// The subdevice that streams input by default (`comedi_get_read_subdevice`).
    public var readSubdevice: Int?
    /// Every subdevice, in order.
    public var subdevices: [ComediSubdevice]

    /// Creates a description.
    public init(path: String, boardName: String, driverName: String, readSubdevice: Int?, subdevices: [ComediSubdevice]) {
        self.path = path
        self.boardName = boardName
        self.driverName = driverName
        self.readSubdevice = readSubdevice
        self.subdevices = subdevices
    }

    /// Asks an open device everything the listing shows (buffer sizes only for subdevices that stream).
    public static func describe(_ driver: any ComediDriver) throws(ComediError) -> ComediDeviceDescription {
        var subdevices: [ComediSubdevice] = []
        for s in 0..<(try driver.subdeviceCount()) {
            let kind = ComediSubdevice.Kind(comediType: try driver.subdeviceType(s))
            if kind == .unused {
                subdevices.append(ComediSubdevice(index: s, kind: kind, flags: [], channelCount: 0, maxdata: 0, ranges: [], bufferBytes: nil, maxBufferBytes: nil))
                continue
            }
            let flags = try driver.subdeviceFlags(s)
            let channels = try driver.channelCount(s)
            let streams = flags.contains(.commandRead) || flags.contains(.commandWrite)
            subdevices.append(
                ComediSubdevice(
                    index: s, kind: kind, flags: flags, channelCount: channels,
                    maxdata: channels > 0 ? try driver.maxdata(s, channel: 0) : 0,
                    ranges: channels > 0 ? try driver.ranges(s, channel: 0) : [],
                    bufferBytes: streams ? try driver.bufferSize(s) : nil,
                    maxBufferBytes: streams ? try driver.maxBufferSize(s) : nil))
        }
        return ComediDeviceDescription(
            path: driver.path, boardName: driver.boardName, driverName: driver.driverName,
            readSubdevice: driver.readSubdevice(), subdevices: subdevices)
    }
}

/// The Comedi devices on this machine, for `ketamapctl devices`.
public enum ComediDeviceListing {
    /// Every `/dev/comedi<N>` in `directory` (default `/dev`), by number, described or with
    /// the error that stopped it (e.g. permission denied, or no board attached: the error
    /// says what to do). `open` opens a node (comedilib's `comedi_open`; a fake in unit tests).
    public static func list(
        directory: String = "/dev", opening open: (String) throws(ComediError) -> any ComediDriver = { (path) throws(ComediError) in try ComediLibraryDriver(path: path) }
    ) -> [Result<ComediDeviceDescription, ComediError>] {
        comediDeviceNodes(in: directory).map { path in
            Result { () throws(ComediError) -> ComediDeviceDescription in try ComediDeviceDescription.describe(try open(path)) }
        }
    }

    /// The listing as plain text, one block per device:
    /// ```
    /// /dev/comedi0: board comedi_test, driver comedi_test, input streams from subdevice 0
    ///   subdevice 0: analog input, 8 channels, maxdata 65535 (16-bit), streams input, buffer 2048 KiB (max 20480 KiB)
    ///     ranges: 0: [-10, 10] V, 1: [-5, 5] V
    ///     references: ground
    /// ```
    public static func plainText(_ entries: [Result<ComediDeviceDescription, ComediError>]) -> String {
        guard !entries.isEmpty else {
            return "No Comedi devices (/dev/comedi*). Load the board's Comedi driver (see docs/hardware.md).\n"
        }
        var text = ""
        for entry in entries {
            switch entry {
            case .failure(let error):
                text += "\(error)\n"
            case .success(let device):
                text += "\(device.path): board \(device.boardName), driver \(device.driverName)"
                if let s = device.readSubdevice { text += ", input streams from subdevice \(s)" }
                text += "\n"
                for sub in device.subdevices { text += describe(sub) }
            }
        }
        return text
    }

    private static func describe(_ sub: ComediSubdevice) -> String {
        var line = "  subdevice \(sub.index): \(sub.kind)"
        guard sub.kind != .unused else { return line + "\n" }
        line += ", \(sub.channelCount) channel\(sub.channelCount == 1 ? "" : "s")"
        var bits = 0
        while bits < 32 && (UInt64(1) << bits) <= UInt64(sub.maxdata) { bits += 1 }
        line += ", maxdata \(sub.maxdata) (\(bits)-bit\(sub.flags.contains(.longSamples) ? ", 32-bit samples" : ""))"
        if sub.streamsInput { line += ", streams input" }
        if sub.streamsOutput { line += ", streams output" }
        if !sub.streamsInput && !sub.streamsOutput { line += ", no streaming" }
        if let buffer = sub.bufferBytes, let maximum = sub.maxBufferBytes {
            line += ", buffer \(buffer / 1024) KiB (max \(maximum / 1024) KiB)"
        }
        if sub.flags.contains(.softCalibrated) { line += ", soft-calibrated" }
        var text = line + "\n"
        if !sub.ranges.isEmpty {
            text += "    ranges: " + sub.ranges.enumerated().map { "\($0.offset): \($0.element.description)" }.joined(separator: ", ") + "\n"
        }
        let references = ComediReference.allCases.filter { sub.flags.contains($0.requiredFlag) }.map(\.configName)
        if sub.kind == .analogInput || sub.kind == .analogOutput, !references.isEmpty {
            text += "    references: " + references.joined(separator: ", ") + "\n"
        }
        return text
    }
}
