import KetaMapCore
import KetaMapDSP
import KetaMapControl

/// What a session will write per second, and whether the disk can take it:
/// checked before the session file is created, so a start that cannot fit is
/// refused with the figures instead of ending in a full disk.
public struct DiskBudget: Sendable, Equatable {
    /// Raw samples (int16), LFP and band power (float32), in bytes per second.
    public var bytesPerSecond: Double
    /// Seconds planned: `--duration`, or an hour when the session is open-ended.
    public var plannedSeconds: Double
    public var neededBytes: Double { bytesPerSecond * plannedSeconds }

    /// An open-ended session is checked for this long.
    public static let openEndedSeconds: Double = 3600

    public init(format: SampleFormat, processedChannels: Int, processing: ProcessingSettings?, plannedSeconds: Double?) {
        var rate = Double(format.channelCount) * format.sampleRateHz * Double(MemoryLayout<Int16>.size)
        if let processing {
            let floatBytes = Double(MemoryLayout<Float>.size)
            rate += Double(processedChannels) * processing.lfpRateHz * floatBytes
            rate += Double(processedChannels * processing.bands.count) * processing.bandPowerRateHz * floatBytes
        }
        bytesPerSecond = rate
        self.plannedSeconds = plannedSeconds ?? Self.openEndedSeconds
    }

    /// The sum over a session's streams, each with its format and processed channels.
    public init(streams: [(format: SampleFormat, processedChannels: Int)], processing: ProcessingSettings?, plannedSeconds: Double?) {
        self.init(format: streams[0].format, processedChannels: streams[0].processedChannels, processing: processing, plannedSeconds: plannedSeconds)
        bytesPerSecond = streams.map {
            DiskBudget(format: $0.format, processedChannels: $0.processedChannels, processing: processing, plannedSeconds: plannedSeconds).bytesPerSecond
        }.reduce(0, +)
    }

    /// Bytes free for an unprivileged writer in the file system holding `directory`.
    ///
    /// The corresponding C function is `statvfs`.
    public static func freeBytes(in directory: String) -> Double? {
        // ramfs (an initramfs root) reports no blocks at all: its space is unknown, not zero.
        guard let space = try? POSIXCalls.fileSystemSpace(directory), space.blocks > 0 else { return nil }
        return Double(space.availableBlocks) * Double(space.fragmentBytes)
    }

    /// Throws `DiskSpaceRefusal` when `directory` has less free space than the
    /// planned session needs (a directory whose space cannot be read passes: the
    /// writer will report the real error).
    public func check(directory: String) throws(DiskSpaceRefusal) {
        guard let free = Self.freeBytes(in: directory), free < neededBytes else { return }
        throw DiskSpaceRefusal(directory: directory, freeBytes: free, budget: self)
    }
}

/// A start refused because the session would not fit on the disk.
public struct DiskSpaceRefusal: Error, CustomStringConvertible {
    public let directory: String
    public let freeBytes: Double
    public let budget: DiskBudget

    public var description: String {
        let needed = StatusText.formatBytes(budget.neededBytes)
        let free = StatusText.formatBytes(freeBytes)
        let rate = StatusText.formatBytes(budget.bytesPerSecond)
        let planned = StatusText.formatDuration(budget.plannedSeconds)
        return "not enough free disk in \(directory): \(free) free, \(needed) needed for \(planned) at \(rate)/s; free some space, or give a shorter --duration"
    }
}
