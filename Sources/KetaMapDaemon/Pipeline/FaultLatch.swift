import Synchronization

/// The first fault of a session, kept for the file's record, the event log's
/// `session-ended` line and the exit status.
public final class FaultLatch: Sendable {
    private let first = Mutex<(reason: String, stage: SessionFault.Stage)?>(nil)
    private let onFirst: @Sendable () -> Void

    /// - Parameter onFirst: runs once, on the thread recording the first fault, before that stage cleans up.
    public init(onFirst: @escaping @Sendable () -> Void = {}) {
        self.onFirst = onFirst
    }

    /// Keeps `reason` unless a fault was already recorded.
    public func record(_ reason: String, stage: SessionFault.Stage) {
        let isFirst = first.withLock { first in
            guard first == nil else { return false }
            first = (reason, stage)
            return true
        }
        if isFirst { onFirst() }
    }

    public var reason: String? { first.withLock { $0?.reason } }

    /// The fault as the session ends on it, if there was one.
    public var fault: SessionFault? { first.withLock { $0.map { SessionFault(reason: $0.reason, stage: $0.stage) } } }
}
