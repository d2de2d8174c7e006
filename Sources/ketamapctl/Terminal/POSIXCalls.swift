import Glibc

/// The only file of `ketamapctl` that calls the C library directly: what it asks
/// of the terminal. Each function names the C call it makes.
enum POSIXCalls {
    /// Whether `descriptor` is a terminal. The C function is `isatty`.
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// The window size of the terminal on `descriptor`, nil when it is not a
    /// terminal or does not say. The C call is `ioctl(TIOCGWINSZ)`.
    static func windowSize(_ descriptor: Int32) -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }
}
