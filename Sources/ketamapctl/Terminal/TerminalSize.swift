import Glibc

/// The size of the terminal on standard output, for `status --watch`.
struct TerminalSize {
    var columns: Int
    var rows: Int

    /// What a terminal that does not say is taken to be.
    static let fallback = TerminalSize(columns: 80, rows: 24)

    /// The corresponding C call is `ioctl(TIOCGWINSZ)`.
    static func ofStandardOutput() -> TerminalSize {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return fallback }
        return TerminalSize(columns: Int(size.ws_col), rows: Int(size.ws_row))
    }
}
