import Glibc

/// The size of the terminal on standard output, for `status --watch`.
struct TerminalSize {
    var columns: Int
    var rows: Int

    /// What a terminal that does not say is taken to be.
    static let fallback = TerminalSize(columns: 80, rows: 24)

    /// The corresponding C call is `ioctl(TIOCGWINSZ)`.
    static func ofStandardOutput() -> TerminalSize {
        guard let size = POSIXCalls.windowSize(STDOUT_FILENO) else { return fallback }
        return TerminalSize(columns: size.columns, rows: size.rows)
    }
}
