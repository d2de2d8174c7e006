import Foundation
import SystemPackage

/// One owner per session id: an exclusive `flock` on `<output-dir>/<id>.lock`
/// and on `<control-socket>.lock`, taken before any other file or socket of
/// the session is touched and held for the life of the process (the kernel
/// drops it when the process ends, however it ends). Each lock file holds
/// its owner's pid, so a second start can name the process it lost to.
public final class SessionLock: Sendable {
    /// A second start of a running session, refused before it touched anything.
    public struct Held: Error, CustomStringConvertible {
        public let sessionID: String
        public let lockPath: String
        /// The running owner's pid, when its lock file says.
        public let ownerPID: Int32?
        public var description: String {
            let owner = ownerPID.map { "ketamapd pid \($0)" } ?? "another process"
            return "session \(sessionID) is already being recorded by \(owner) (lock \(lockPath)); stop it first, or choose another --session"
        }
    }

    private let descriptors: [FileDescriptor]

    /// Takes every lock in `paths`, in order, or none.
    public init(sessionID: String, paths: [String]) throws {
        var taken: [FileDescriptor] = []
        do {
            for path in paths { taken.append(try Self.take(path, sessionID: sessionID)) }
        } catch {
            for descriptor in taken { try? descriptor.close() }
            throw error
        }
        descriptors = taken
    }

    /// The lock files for a session: beside its files and beside its socket.
    public static func paths(sessionID: String, outputDirectory: String, controlSocket: String) -> [String] {
        ["\(outputDirectory)/\(sessionID).lock", "\(controlSocket).lock"]
    }

    private static func take(_ path: String, sessionID: String) throws -> FileDescriptor {
        let descriptor = try FileDescriptor.open(
            FilePath(path), .readWrite, options: [.create, .closeOnExec], permissions: [.ownerReadWrite, .groupRead])
        do {
            try descriptor.lockExclusivelyWithoutWaiting()
        } catch {
            let owner = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            try? descriptor.close()
            guard error == .wouldBlock else { throw error }
            throw Held(sessionID: sessionID, lockPath: path, ownerPID: owner.flatMap { Int32($0) })
        }
        try? descriptor.resize(to: 0)
        _ = try descriptor.writeAll(Array("\(POSIXCalls.processID())\n".utf8))
        return descriptor
    }

    deinit {
        for descriptor in descriptors { try? descriptor.close() }
    }
}
