import Logging
import Synchronization

/// One stage of the pipeline whose progress the watchdog follows: the three
/// hot-path stages, each on its own thread, and the control socket's event loop.
public enum PipelineStage: String, Sendable, CaseIterable {
    case acquisition
    case processing
    case recording
    /// The control socket (an event loop of the process's NIO group, not a thread of its own).
    case control

    /// What a failure of this stage is, for the exit status.
    var faultStage: SessionFault.Stage {
        switch self {
        case .acquisition: .source
        case .processing: .internal
        case .recording: .storage
        case .control: .control
        }
    }

    /// The OS thread's name (shown by `top -H` and in `/proc`).
    var threadName: String {
        switch self {
        case .acquisition: "acquisition"
        case .processing: "processing"
        case .recording: "recorder"
        case .control: "control"
        }
    }

    /// A stream's thread: `acq-<name>` and `proc-<name>` (15 bytes at most with an 8-character name).
    func threadName(stream: String?) -> String {
        guard let stream else { return threadName }
        switch self {
        case .acquisition: return "acq-\(stream)"
        case .processing: return "proc-\(stream)"
        case .recording, .control: return threadName
        }
    }
}

/// A stage of one stream (in a session of several, each stream's acquisition
/// and processing are stages of their own, each with its own heartbeat: one
/// stalled stream is not hidden by the others).
public struct StageKey: Sendable, Hashable, CustomStringConvertible {
    public let stage: PipelineStage
    /// The stream's name; nil for a single-source session's stages and the shared ones (recorder, control).
    public let stream: String?

    public init(_ stage: PipelineStage, stream: String? = nil) {
        self.stage = stage
        self.stream = stream
    }

    /// `acquisition`, or `acquisition of stream micro`.
    public var description: String { stream.map { "\(stage.rawValue) of stream \($0)" } ?? stage.rawValue }
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
/// carry), logs it and tells the observers. Each stage also beats its
/// `heartbeat(_:)` as it goes, which is what the watchdog reads.
public final class StageMonitor: Sendable {
    public let faults: FaultLatch
    private let observers: Mutex<[any StageObserver]>
    /// One per stage and stream, made when a stage first asks for it (at its start, never per block).
    private let heartbeats = Mutex<[StageKey: StageHeartbeat]>([:])
    private let logger: Logger

    public init(faults: FaultLatch = FaultLatch(), observers: [any StageObserver] = [], logger: Logger) {
        self.faults = faults
        self.observers = Mutex(observers)
        self.logger = logger
    }

    /// The progress counter of `stage` (of stream `stream`); a stage takes it once and beats it from its loop.
    func heartbeat(_ stage: PipelineStage, stream: String? = nil) -> StageHeartbeat {
        heartbeats.withLock { beats in
            let key = StageKey(stage, stream: stream)
            if let heartbeat = beats[key] { return heartbeat }
            let heartbeat = StageHeartbeat()
            beats[key] = heartbeat
            return heartbeat
        }
    }

    /// Every stage's progress now, for `StageProgress.stalled(since:)`.
    func progress() -> StageProgress {
        StageProgress(beats: heartbeats.withLock { $0.compactMapValues { $0.isRunning ? $0.count : nil } })
    }

    /// Adds an observer; call before the pipeline runs.
    public func observe(_ observer: any StageObserver) { observers.withLock { $0.append(observer) } }

    /// Runs `body` on the stage's own thread and reports its life; a graceful
    /// shutdown and a cancellation of the group both raise `stop`.
    ///
    /// - Parameters:
    ///   - stream: the stream the stage is of (its heartbeat, its thread's and its fault's name), in a session of several.
    ///   - cleanUp: runs on that thread after a failure was recorded
    ///     (so `faults.reason` already holds it), before the error is rethrown.
    func run(
        _ stage: PipelineStage, stream: String? = nil, stoppingWith stop: StopFlag,
        cleanUp: @escaping @Sendable () -> Void = {}, _ body: @escaping @Sendable () throws -> Void
    ) async throws {
        let heartbeat = heartbeat(stage, stream: stream)
        let key = StageKey(stage, stream: stream)
        try await DedicatedThread.run(name: stage.threadName(stream: stream), stoppingWith: stop) { [self] in
            heartbeat.begin()
            defer { heartbeat.end() }
            notify { $0.stageStarted(stage) }
            do {
                try body()
            } catch {
                faults.record("\(key) stopped: \(error)", stage: stage.faultStage)
                logger.error("\(key) stopped", metadata: Logger.Metadata.stage(key).merging(["error": "\(error)"]) { $1 })
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

/// How far one stage has got: its loop beats once per turn (a few atomic
/// instructions, no lock), whether it moved samples or found nothing to do; a
/// stage blocked in a call (a read that never returns, a write to a frozen
/// disk) stops beating.
final class StageHeartbeat: Sendable {
    private let beats = Atomic<UInt64>(0)
    private let running = Atomic<Bool>(false)

    /// The stage's own thread (or event loop), once per turn of its loop.
    func beat() { beats.wrappingAdd(1, ordering: .relaxed) }

    /// The stage is running from here on (and that counts as progress).
    func begin() {
        running.store(true, ordering: .relaxed)
        beat()
    }

    /// The stage has returned: a stopped stage is not a stalled one.
    func end() { running.store(false, ordering: .relaxed) }

    var isRunning: Bool { running.load(ordering: .relaxed) }
    var count: UInt64 { beats.load(ordering: .relaxed) }
}

/// The beat counts of the running stages at one moment.
struct StageProgress: Sendable, Equatable {
    let beats: [StageKey: UInt64]

    /// The stages that were running at `earlier` and now, and have not beaten in
    /// between, in pipeline order (stream by stream in name order).
    func stalled(since earlier: StageProgress) -> [StageKey] {
        beats.keys.filter { key in beats[key] == earlier.beats[key] }.sorted {
            let (a, b) = (PipelineStage.allCases.firstIndex(of: $0.stage)!, PipelineStage.allCases.firstIndex(of: $1.stage)!)
            return a != b ? a < b : ($0.stream ?? "") < ($1.stream ?? "")
        }
    }
}
