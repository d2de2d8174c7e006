import Synchronization

/// The first fault of a session, kept for the file's record and the exit code.
public final class FaultLatch: Sendable {
    private let first = Mutex<String?>(nil)

    public init() {}

    /// Keeps `reason` unless a fault was already recorded.
    public func record(_ reason: String) {
        first.withLock { if $0 == nil { $0 = reason } }
    }

    public var reason: String? { first.withLock { $0 } }
}
