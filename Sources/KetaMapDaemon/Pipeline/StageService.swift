import ServiceLifecycle

/// Runs one service of the session and, when it throws, records the fault
/// with its stage before the group shuts down: every failure takes the same
/// path (all stages stop in order, the file closes with the fault, the event
/// log says why, the exit status says which stage).
struct StageService: Service {
    let service: any Service
    let stage: SessionFault.Stage
    let name: String
    let faults: FaultLatch

    func run() async throws {
        do {
            try await service.run()
        } catch {
            faults.record("\(name) failed: \(error)", stage: stage)
            throw error
        }
    }
}
