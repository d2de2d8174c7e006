import Foundation
import KetaMapControl

/// Many sessions' dose maps combined into one per region and band across
/// subjects. A subject's change is the mean of its sessions' changes; the
/// cohort's is the mean over the subjects with contacts in the region, with a
/// 95 % t interval over subjects (subjects, not channels or rows, are the
/// unit: the between-subject spread is what generalises).
public struct CohortMap: Sendable, Codable, Equatable {
    public struct Cell: Sendable, Codable, Equatable {
        public var region: String
        public var band: String
        /// Subjects (and their sessions) with this region.
        public var subjects: Int
        public var sessions: Int
        /// Mean over subjects of the change, in dB; its 95 % interval (NaN with one subject).
        public var meanDecibels: Double
        public var interval: ChangeInterval
        /// Subjects whose own session interval excludes 0.
        public var significantSubjects: Int
    }

    public var bands: [String]
    public var subjects: [String]
    public var cells: [Cell]

    /// Why the maps cannot be combined.
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// Combines `reports` (one per session); a session without a subject id counts as its own subject.
    public init(reports: [SessionReport]) throws {
        guard let first = reports.first else { throw Mismatch(description: "no session to combine") }
        for report in reports where report.bands != first.bands {
            throw Mismatch(description: "session \(report.sessionID) has bands \(report.bands.joined(separator: ", ")), not \(first.bands.joined(separator: ", ")): combine sessions processed alike")
        }
        bands = first.bands
        func subject(_ index: Int) -> String {
            let report = reports[index]
            return report.subjectID.isEmpty ? "session \(report.sessionID.isEmpty ? String(index + 1) : report.sessionID)" : report.subjectID
        }
        subjects = reports.indices.map(subject).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        let regionNames = reports.flatMap { $0.regions.map(\.region) }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var cells: [Cell] = []
        for region in regionNames {
            for (band, name) in first.bands.enumerated() {
                // subject → its sessions' changes and whether each was significant
                var perSubject: [String: [(change: Double, significant: Bool)]] = [:]
                for (index, report) in reports.enumerated() {
                    guard let change = report.regions.first(where: { $0.region == region }), !change.bandChangeDecibels[band].isNaN else { continue }
                    perSubject[subject(index), default: []].append((change.bandChangeDecibels[band], change.bandIntervals[band].excludesZero))
                }
                let means = subjects.compactMap { perSubject[$0] }.map { sessions in sessions.map(\.change).reduce(0, +) / Double(sessions.count) }
                guard !means.isEmpty else { continue }
                cells.append(Cell(
                    region: region, band: name, subjects: means.count, sessions: perSubject.values.map(\.count).reduce(0, +),
                    meanDecibels: means.reduce(0, +) / Double(means.count), interval: Self.tInterval(means),
                    significantSubjects: perSubject.values.count { $0.contains { $0.significant } }))
            }
        }
        self.cells = cells
    }

    /// mean ± t(0.975, n − 1) · s / √n; unknown for fewer than 2 values.
    static func tInterval(_ values: [Double]) -> ChangeInterval {
        let n = values.count
        guard n >= 2 else { return .unknown }
        let mean = values.reduce(0, +) / Double(n)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
        let half = studentT975(degreesOfFreedom: n - 1) * sd / Double(n).squareRoot()
        return ChangeInterval(low: mean - half, high: mean + half)
    }

    /// The 97.5 % quantile of Student's t: exact to 3 decimals from a table up to
    /// 30 degrees of freedom, the Cornish–Fisher expansion above.
    static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        if df >= 1 && df <= table.count { return table[df - 1] }
        let z = 1.959_963_984_540_054, v = Double(df)
        return z + (z * z * z + z) / (4 * v) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v)
    }

    /// One row per region and band: subjects, sessions, mean change, interval, significance.
    public func table() -> Table {
        Table(
            header: ["region", "band", "subjects", "sessions", "mean_db", "low_db", "high_db", "significant", "subjects_significant"],
            rows: cells.map { cell in
                func number(_ v: Double) -> String { v.isNaN ? "" : StatusText.format(v, 3) }
                return [
                    cell.region, cell.band, "\(cell.subjects)", "\(cell.sessions)", number(cell.meanDecibels), number(cell.interval.low), number(cell.interval.high),
                    cell.interval.excludesZero ? "true" : "false", "\(cell.significantSubjects)",
                ]
            })
    }

    /// The text form: a header naming the subjects, then the table.
    public func text() -> String {
        "Cohort of \(subjects.count) subjects (\(subjects.joined(separator: ", "))): mean band power change in dB over subjects, 95 % t interval over subjects\n\n"
            + table().render()
    }
}
