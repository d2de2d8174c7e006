import Foundation
import KetaMapCore
import Logging
import ServiceLifecycle
import Synchronization
import KetaMapConfiguration

/// Records the config's `[[schedule.dose]]` entries (simulator, or a replay given `--apply-schedule`)
/// when the sample clock reaches them, through the same `DoseDesk` as
/// `ketamapctl dose`.
final class DoseScheduleService: Service {
    private let schedule: [ScheduledDose]
    private let rateHz: Double
    private let ring: SampleRing
    private let desk: DoseDesk
    private let barrier: ScheduleBarrier
    private let logger: Logger

    init(schedule: [ScheduledDose], rateHz: Double, ring: SampleRing, desk: DoseDesk, barrier: ScheduleBarrier, logger: Logger) {
        self.schedule = schedule.sorted { $0.atSeconds < $1.atSeconds }
        self.rateHz = rateHz
        self.ring = ring
        self.desk = desk
        self.barrier = barrier
        self.logger = logger
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.recordAll() }
        } catch is CancellationError {
            return  // the session ended before the schedule did
        }
        try await gracefulShutdown()
    }

    private func recordAll() async throws {
        for entry in schedule {
            let sample = UInt64((entry.atSeconds * rateHz).rounded())
            while ring.writeIndex <= sample {
                try await Task.sleep(for: .milliseconds(5))
            }
            var request = entry.request
            request.atSample = sample
            do {
                let dose = try await desk.record(request).dose
                logger.notice("scheduled dose recorded", metadata: ["drug": "\(dose.request.drug)", "sample": "\(dose.sampleIndex)", "seconds": "\(dose.startSeconds)"])
            } catch {
                logger.error("scheduled dose not recorded", metadata: ["error": "\(error)"])
            }
            barrier.markRecorded(through: sample)
        }
        barrier.markRecorded(through: .max)
    }
}

/// In as-fast-as-possible mode the acquisition thread waits at each scheduled
/// dose until it is recorded, so the simulator hears of it in time.
final class ScheduleBarrier: Sendable {
    private let pending: [UInt64]
    private let recordedThrough = Atomic<UInt64>(0)

    init(samples: [UInt64]) {
        pending = samples.sorted()
        if samples.isEmpty { recordedThrough.store(.max, ordering: .relaxed) }
    }

    func markRecorded(through sample: UInt64) {
        // Pairs with the `.acquiring` load in `waitUntilRecorded`.
        recordedThrough.store(sample == .max ? .max : sample + 1, ordering: .releasing)
    }

    /// Acquisition thread: waits while a scheduled dose below `index` is not yet recorded.
    func waitUntilRecorded(before index: UInt64, shouldStop: () -> Bool) {
        guard let next = pending.first(where: { $0 >= recordedThrough.load(ordering: .acquiring) }), next < index else { return }
        while recordedThrough.load(ordering: .acquiring) <= next, !shouldStop() {
            MonotonicClock.sleep(microseconds: 500)
        }
    }
}
