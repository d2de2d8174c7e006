import Logging
import Synchronization

/// One hot-path stage of the pipeline, each on its own thread.
public enum PipelineStage: String, Sendable, CaseIterable {
    case acquisition
    case processing
    case recording

    /// What a failure of this stage is, for the exit status.
    var faultStage: SessionFault.Stage {
        switch self {
        case .acquisition: .source
        case .processing: .internal
        case .recording: .storage
        }
    }

    /// The OS thread's name (shown by `top -H` and in `/proc`).
    var threadName: String {
        switch self {
        case .acquisition: "acquisition"
        case .processing: "processing"
        case .recording: "recorder"
        }
    }
}

/// Hears every stage start, stop and fail (an observer must return quickly:
/// it is called from the stage's own thread).
public protocol StageObserver: Sendable {
    func stageStarted(_ stage: PipelineStage)
    func stageStopped(_ stage: PipelineStage)
    func stageFailed(_ stage: PipelineStage, error: any Error)
}

/// The one place a stage's life is reported: each stage runs its loop through
/// `run(_:cleanUp:_:)`, which records the first failure in the session's
/// `FaultLatch` (`"<stage> stopped: <error>"`, what the file and the exit code
/// carry), logs it and tells the observers.
public final class StageMonitor: Sendable {
    public let faults: FaultLatch
    private let observers: Mutex<[any StageObserver]>
    private let logger: Logger

    public init(faults: FaultLatch = FaultLatch(), observers: [any StageObserver] = [], logger: Logger) {
        self.faults = faults
        self.observers = Mutex(observers)
        self.logger = logger
    }

    /// Adds an observer; call before the pipeline runs.
    public func observe(_ observer: any StageObserver) { observers.withLock { $0.append(observer) } }

    /// Runs `body` on the stage's own thread and reports its life; a graceful
    /// shutdown and a cancellation of the group both raise `stop`.
    ///
    /// - Parameter cleanUp: runs on that thread after a failure was recorded
    ///   (so `faults.reason` already holds it), before the error is rethrown.
    func run(
        _ stage: PipelineStage, stoppingWith stop: StopFlag, cleanUp: @escaping @Sendable () -> Void = {},
        _ body: @escaping @Sendable () throws -> Void
    ) async throws {
        try await DedicatedThread.run(name: stage.threadName, stoppingWith: stop) { [self] in
            notify { $0.stageStarted(stage) }
            do {
                try body()
            } catch {
                faults.record("\(stage.rawValue) stopped: \(error)", stage: stage.faultStage)
                logger.error("\(stage.rawValue) stopped", metadata: ["error": "\(error)"])
                cleanUp()
                notify { $0.stageFailed(stage, error: error) }
                throw error
            }
            notify { $0.stageStopped(stage) }
        }
    }

    private func notify(_ event: (any StageObserver) -> Void) {
        for observer in observers.withLock({ $0 }) { event(observer) }
    }
}
