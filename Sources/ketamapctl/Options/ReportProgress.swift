import Foundation

/// Progress of a long report on standard error (standard output keeps the
/// report itself, so `--json > map.json` stays clean): one line per step, and
/// on a terminal one line rewritten in place.
final class ReportProgress {
    private let terminal = POSIXCalls.isTerminal(STDERR_FILENO)
    private let started = Date()

    func say(_ text: String) {
        FileHandle.standardError.write(Data("report: \(text)\n".utf8))
    }

    /// Called after each region's bootstrap.
    func regions(_ done: Int, _ total: Int) {
        let line = "report: bootstrap intervals, region \(done) of \(total) (\(Int(Date().timeIntervalSince(started))) s)"
        FileHandle.standardError.write(Data((terminal ? "\r\(line)" : "\(line)\n").utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
