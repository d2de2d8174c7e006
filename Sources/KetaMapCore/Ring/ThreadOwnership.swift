import Synchronization

/// Debug-build check that a role (a ring's producer, a cursor's consumer) is
/// played by one thread only. The first caller becomes the owner; any other
/// thread traps. Compiles to nothing in release builds.
struct ThreadOwnership: ~Copyable {
    let role: String
    #if DEBUG
    private let owner = Atomic<UInt>(0)
    #endif

    init(role: String) {
        self.role = role
    }

    func check() {
        #if DEBUG
        let me = POSIXCalls.currentThread()
        let (exchanged, current) = owner.compareExchange(expected: 0, desired: me, ordering: .relaxed)
        precondition(exchanged || current == me, "\(role) used from a second thread")
        #endif
    }
}
