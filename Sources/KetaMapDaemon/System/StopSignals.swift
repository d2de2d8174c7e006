import Foundation

/// SIGTERM, SIGINT and SIGHUP, from the first statement of `ketamapd` to its
/// last: each is a stop, never a kill, also while the session is being set up.
///
/// A `sigaction` handler (process-wide, installed first) writes the signal's
/// number to a pipe, the one thing it may safely do; a thread reads the pipe
/// and calls the stop. A signal that comes before that thread exists waits in
/// the pipe, so none is lost and none kills.
public enum StopSignals {
    /// The signals that stop a session.
    public static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    /// The pipe's ends; set once, before the handler is installed (a handler must not initialise anything).
    nonisolated(unsafe) private static var pipeWriteEnd: Int32 = -1
    nonisolated(unsafe) private static var pipeReadEnd: Int32 = -1

    /// The first thing `ketamapd` does: from here on a stop signal is remembered, not fatal.
    public static func holdUntilHandled() {
        // Cannot fail at start (no descriptors in use); if it did, the defaults would stay.
        guard let ends = try? POSIXCalls.closeOnExecPipe() else { return }  // no child process inherits them
        pipeReadEnd = ends.readEnd
        pipeWriteEnd = ends.writeEnd
        for number in handled {
            POSIXCalls.installHandler(number) { number in
                POSIXCalls.writeByteFromSignalHandler(StopSignals.pipeWriteEnd, UInt8(truncatingIfNeeded: number))
            }
        }
    }

    /// Calls `onSignal`, on a thread of its own, for every stop signal since `holdUntilHandled()`.
    public static func deliver(to onSignal: @escaping @Sendable (Int32) -> Void) {
        let readEnd = pipeReadEnd
        guard readEnd >= 0 else { return }
        let reader = Thread {
            while let byte = try? POSIXCalls.readByte(readEnd) {
                onSignal(Int32(byte))
            }
        }
        reader.name = "signals"
        reader.start()
    }

    /// The signal's name, for the log.
    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }
}
