import CSystemd
import Glibc
import SystemPackage

/// The only file that calls libsystemd.
enum SystemdCalls {
    /// Sends a state change (`READY=1`, `STOPPING=1`, `STATUS=…`, `WATCHDOG=1`) to the service
    /// manager; a no-op outside systemd. A negative return becomes an `Errno`.
    ///
    /// The corresponding C function is `sd_notify`.
    static func notify(_ state: String) throws(Errno) {
        let result = sd_notify(0, state)
        if result < 0 { throw Errno(rawValue: -result) }
    }

    /// The watchdog interval the service manager expects pings within
    /// (`WatchdogSec=`, passed as `WATCHDOG_USEC`), in microseconds; nil when
    /// there is no watchdog for this process.
    ///
    /// The corresponding C function is `sd_watchdog_enabled`.
    static func watchdogMicroseconds() throws(Errno) -> UInt64? {
        var microseconds: UInt64 = 0
        let result = sd_watchdog_enabled(0, &microseconds)
        if result < 0 { throw Errno(rawValue: -result) }
        return result > 0 && microseconds > 0 ? microseconds : nil
    }

    /// Sends one structured record (`FIELD=value` strings) to the journal.
    ///
    /// The corresponding C function is `sd_journal_sendv` (Swift cannot call the
    /// variadic `sd_journal_send`).
    static func journalSend(_ fields: [String]) throws(Errno) {
        // Each field lives in its own C allocation for the duration of the call.
        let copies = fields.map { strdup($0)! }
        defer { copies.forEach { free($0) } }
        var vectors = copies.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) }
        let result = sd_journal_sendv(&vectors, Int32(vectors.count))
        if result < 0 { throw Errno(rawValue: -result) }
    }
}
