import ServiceLifecycle

/// A service of the session beside the hot path (event log, schedule, control
/// socket, announcer) and the stage its failure counts as. `Pipeline` runs
/// it so that, when it throws, the fault is recorded with its stage before the
/// group shuts down: every failure takes the same path as the hot path's own
/// (all stages stop in order, the file closes with the fault, the event log
/// says why, the exit status says which stage).
struct StageService: Service {
    let service: any Service
    let stage: SessionFault.Stage
    let name: String
    /// Set by `Pipeline`, which owns the session's faults.
    var faults: FaultLatch?

    init(_ service: any Service, stage: SessionFault.Stage, name: String) {
        self.service = service
        self.stage = stage
        self.name = name
    }

    func run() async throws {
        do {
            try await service.run()
        } catch {
            faults?.record("\(name) failed: \(error)", stage: stage)
            throw error
        }
    }
}
