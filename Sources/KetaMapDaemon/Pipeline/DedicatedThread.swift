import Foundation
import ServiceLifecycle
import Synchronization

/// Runs one hot-path loop on its own OS thread and awaits its end, so a
/// `Service.run()` can own a thread without blocking the concurrency pool.
enum DedicatedThread {
    static func run(name: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                // Named by the kernel thread itself (Foundation's `Thread.current.name`, set from
                // several new threads at once, sometimes named another one), so top and /proc show it.
                POSIXCalls.nameCurrentThread(name)
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

extension DedicatedThread {
    /// Runs a hot-path service's loop on its own thread until it returns; a
    /// graceful shutdown and a cancellation of the service group both raise
    /// `stop` (cancellation is never the only signal a thread gets, since a
    /// thread cannot see it).
    static func run(name: String, stoppingWith stop: StopFlag, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await run(name: name, body)
            } onGracefulShutdown: {
                stop.raise()
            }
        } onCancel: {
            stop.raise()
        }
    }
}

/// A flag one thread raises and a hot loop polls without locking.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    /// Asks the loop to stop. Pairs with the `.acquiring` load in `isRaised`.
    func raise() { raised.store(true, ordering: .releasing) }

    var isRaised: Bool { raised.load(ordering: .acquiring) }
}
