import Foundation
import KetaMapCore
import Synchronization
import SystemPackage

/// `<session>.events.jsonl`: an append-only file of `EventRecord` lines, each
/// fsync'd before `append` returns. Doses, voids and refusals reach the
/// simulator through `subscribe`, so samples still flow one way.
///
/// Any thread; appends are serialised.
public final class EventLog: Sendable {
    public let path: FilePath
    private let file: Mutex<FileDescriptor?>
    private let subscribers = Mutex<[@Sendable (EventRecord) -> Void]>([])

    /// Creates the log; refuses to open an existing one (a session never overwrites).
    public init(creating path: FilePath) throws {
        self.path = path
        let descriptor = try FileDescriptor.open(
            path, .writeOnly, options: [.create, .exclusiveCreate, .append], permissions: [.ownerReadWrite, .groupRead])
        try? POSIXCalls.setPermissions(path.string, 0o640)  // 0640 whatever the umask
        file = Mutex(descriptor)
    }

    /// Opens an existing log to append to it (`ketamapctl recover`).
    public init(appendingTo path: FilePath) throws {
        self.path = path
        file = Mutex(try FileDescriptor.open(path, .writeOnly, options: [.append]))
    }

    /// Writes one line and fsyncs it; then tells subscribers.
    public func append(_ record: EventRecord) throws {
        try append([record])
    }

    /// Writes the records' lines in order with one fsync; then tells subscribers.
    public func append(_ records: [EventRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for record in records {
            lines.append(try encoder.encode(record))
            lines.append(UInt8(ascii: "\n"))
        }
        try file.withLock { descriptor in
            guard let descriptor else { throw Errno.badFileDescriptor }
            let end = try descriptor.seek(offset: 0, from: .end)
            do {
                try descriptor.writeAll(lines)
            } catch {
                // A full disk can take part of the lines: cut them off, so the log
                // never holds a torn line and reads back whole.
                try? descriptor.resize(to: end)
                throw error
            }
            try descriptor.sync()
        }
        let subscribers = subscribers.withLock { $0 }
        for record in records {
            for subscriber in subscribers { subscriber(record) }
        }
    }

    /// Calls `handler` (on the appending thread) with every record appended from now on, once it is durable.
    public func subscribe(_ handler: @escaping @Sendable (EventRecord) -> Void) {
        subscribers.withLock { $0.append(handler) }
    }

    /// Syncs and closes the file; later appends throw.
    public func close() throws {
        try file.withLock { descriptor in
            guard let open = descriptor else { return }
            descriptor = nil
            try open.sync()
            try open.close()
        }
    }

    /// Every record in an events file, in order (for tests and recovery).
    public static func read(_ path: FilePath) throws -> [EventRecord] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path.string))
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(EventRecord.self, from: Data($0)) }
    }

    /// What a log holds after a crash: every whole record, and how many bytes
    /// they take. A last line cut short by the crash (it was never synced, so
    /// never acknowledged) is left out; a damaged line before it is an error.
    public static func readIntact(_ path: FilePath) throws -> (records: [EventRecord], intactBytes: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path.string))
        let decoder = JSONDecoder()
        var records: [EventRecord] = []
        var start = data.startIndex
        while let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) {
            do {
                records.append(try decoder.decode(EventRecord.self, from: data[start..<newline]))
            } catch {
                throw UnreadableLine(path: path.string, line: records.count + 1)
            }
            start = newline + 1
        }
        return (records, start - data.startIndex)
    }

    /// A whole line of the log that is no event record: ketamapd writes none, so the log was changed.
    public struct UnreadableLine: Error, CustomStringConvertible {
        public let path: String
        public let line: Int
        public var description: String { "line \(line) of \(path) is not an event record: the event log was changed after it was written" }
    }
}
