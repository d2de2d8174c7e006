/// A Comedi streaming command (`comedi_cmd`) in Swift terms: which subdevice,
/// what starts it, what paces scans and conversions, when it stops, and the
/// channel list.
///
/// Built by `ComediDriver.genericTimedCommand` (`comedi_get_cmd_generic_timed`),
/// checked by `ComediDriver.testCommand` (`comedi_command_test`) and started by
/// `ComediDriver.startCommand` (`comedi_command`).
public struct ComediCommand: Sendable, Equatable {
    /// Subdevice index (`comedi_cmd.subdev`).
    public var subdevice: Int
    /// Command flags (`comedi_cmd.flags`, `CMDF_*`).
    public var flags: UInt32
    /// What starts the acquisition (`start_src`, `start_arg`).
    public var start: ComediTrigger
    /// What starts each scan (`scan_begin_src`, `scan_begin_arg`; for `.timer` the scan period in ns).
    public var scanBegin: ComediTrigger
    /// What starts each conversion within a scan (`convert_src`, `convert_arg`; for `.timer` ns between channels).
    public var convert: ComediTrigger
    /// What ends a scan (`scan_end_src`, `scan_end_arg`; normally `.count` with the channel-list length).
    public var scanEnd: ComediTrigger
    /// What ends the acquisition (`stop_src`, `stop_arg`; `.none` runs until cancelled).
    public var stop: ComediTrigger
    /// The channel list (`chanlist`, `chanlist_len`), in frame order.
    public var channels: [ComediChannelSpec]

    /// Creates a command; every field is given explicitly.
    public init(
        subdevice: Int, flags: UInt32 = 0, start: ComediTrigger, scanBegin: ComediTrigger, convert: ComediTrigger,
        scanEnd: ComediTrigger, stop: ComediTrigger, channels: [ComediChannelSpec]
    ) {
        self.subdevice = subdevice
        self.flags = flags
        self.start = start
        self.scanBegin = scanBegin
        self.convert = convert
        self.scanEnd = scanEnd
        self.stop = stop
        self.channels = channels
    }

    /// The time between scans (frames) this command asks for, in nanoseconds, or nil
    /// when it is not paced by a timer the card reports:
    /// `scan_begin_arg` when scans start on `.timer`; `convert_arg × chanlist_len`
    /// when scans follow each other (`.follow`) and conversions run on `.timer`
    /// (what `comedi_get_cmd_generic_timed` gives `comedi_test`).
    public var scanPeriodNanoseconds: Double? {
        if scanBegin.source == .timer, scanBegin.argument > 0 { return Double(scanBegin.argument) }
        if scanBegin.source == .follow, convert.source == .timer, convert.argument > 0 {
            return Double(convert.argument) * Double(channels.count)
        }
        return nil
    }

    /// Frames per second this command gives, in Hz (1e9 / `scanPeriodNanoseconds`).
    public var scanRateHz: Double? { scanPeriodNanoseconds.map { 1e9 / $0 } }
}

/// One trigger of a command: its source and argument (`*_src`, `*_arg`).
public struct ComediTrigger: Sendable, Equatable {
    /// The trigger source (`TRIG_*`); a mask of several when asking what a subdevice supports.
    public var source: ComediTriggerSource
    /// Its argument: nanoseconds for `.timer`, a count for `.count`, else driver-defined.
    public var argument: UInt32

    /// Creates a trigger from its source and argument (default 0).
    public init(_ source: ComediTriggerSource, _ argument: UInt32 = 0) {
        self.source = source
        self.argument = argument
    }
}

/// Comedi trigger sources (`TRIG_NONE`, `TRIG_NOW`, …), as a set.
public struct ComediTriggerSource: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The `TRIG_*` bits.
    public let rawValue: UInt32
    /// Wraps `TRIG_*` bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Never triggers (`TRIG_NONE`): as `stop`, the command runs until cancelled.
    public static var none: Self { Self(rawValue: _TRIG_NONE) }
    /// Triggers at once, after `argument` ns (`TRIG_NOW`).
    public static var now: Self { Self(rawValue: _TRIG_NOW) }
    /// Triggers when the level below ends (`TRIG_FOLLOW`): scans back to back.
    public static var follow: Self { Self(rawValue: _TRIG_FOLLOW) }
    /// Triggers at an absolute time (`TRIG_TIME`).
    public static var time: Self { Self(rawValue: _TRIG_TIME) }
    /// Triggers every `argument` ns (`TRIG_TIMER`).
    public static var timer: Self { Self(rawValue: _TRIG_TIMER) }
    /// Triggers after `argument` events (`TRIG_COUNT`).
    public static var count: Self { Self(rawValue: _TRIG_COUNT) }
    /// Triggers on external signal `argument` (`TRIG_EXT`).
    public static var external: Self { Self(rawValue: _TRIG_EXT) }
    /// Triggers on Comedi internal trigger `argument` (`TRIG_INT`).
    public static var `internal`: Self { Self(rawValue: _TRIG_INT) }
    /// Driver-defined (`TRIG_OTHER`).
    public static var other: Self { Self(rawValue: _TRIG_OTHER) }

    /// `TRIG_` names joined by `|`, e.g. `FOLLOW|TIMER`.
    public var description: String {
        let names: [(Self, String)] = [
            (.none, "NONE"), (.now, "NOW"), (.follow, "FOLLOW"), (.time, "TIME"), (.timer, "TIMER"),
            (.count, "COUNT"), (.external, "EXT"), (.internal, "INT"), (.other, "OTHER"),
        ]
        let parts = names.filter { contains($0.0) }.map(\.1)
        return parts.isEmpty ? "INVALID" : parts.joined(separator: "|")
    }
}

/// One channel-list entry: `CR_PACK(channel, range, aref)`.
public struct ComediChannelSpec: Sendable, Equatable {
    /// Channel number on the subdevice.
    public var channel: Int
    /// Range index (`comedi_get_range`).
    public var range: Int
    /// Analog reference.
    public var reference: ComediReference

    /// Creates a channel-list entry.
    public init(channel: Int, range: Int, reference: ComediReference) {
        self.channel = channel
        self.range = range
        self.reference = reference
    }
}

/// The analog reference of an input (`AREF_*`).
public enum ComediReference: Sendable, Equatable, CaseIterable {
    /// Single-ended, referred to the card's analog ground (`AREF_GROUND`; subdevice flag `SDF_GROUND`).
    case ground
    /// Single-ended, referred to a common input (`AREF_COMMON`, `SDF_COMMON`).
    case common
    /// Differential pair (`AREF_DIFF`, `SDF_DIFF`).
    case differential
    /// Driver-defined (`AREF_OTHER`, `SDF_OTHER`).
    case other

    /// The `AREF_*` value.
    public var arefValue: UInt32 {
        switch self {
        case .ground: _AREF_GROUND
        case .common: _AREF_COMMON
        case .differential: _AREF_DIFF
        case .other: _AREF_OTHER
        }
    }

    /// The subdevice flag that says the reference is supported (`SDF_GROUND`, …).
    public var requiredFlag: ComediSubdeviceFlags {
        switch self {
        case .ground: .ground
        case .common: .common
        case .differential: .differential
        case .other: .other
        }
    }

    /// The `AREF_` name, for messages.
    public var name: String {
        switch self {
        case .ground: "AREF_GROUND"
        case .common: "AREF_COMMON"
        case .differential: "AREF_DIFF"
        case .other: "AREF_OTHER"
        }
    }
}
