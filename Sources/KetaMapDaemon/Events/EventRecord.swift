import Foundation
import KetaMapCore

/// One line of `<session>.events.jsonl`: the durable record of what happened,
/// written (and fsync'd) before anything is acknowledged.
public struct EventRecord: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case sessionStarted = "session-started", dose, void, weight, mark, gap, sessionEnded = "session-ended" }

    public var kind: Kind
    /// Wall-clock time the line was written, ISO 8601 UTC.
    public var writtenAt: String
    public var sessionID: String
    public var dose: DoseEvent?
    public var void: DoseVoid?
    public var weight: WeightChange?
    public var mark: Mark?
    public var gap: AcquisitionGap?
    /// Free detail: the file path at start, the fault (if any) at the end.
    public var detail: String?

    public init(
        kind: Kind, sessionID: String, dose: DoseEvent? = nil, void: DoseVoid? = nil, weight: WeightChange? = nil, mark: Mark? = nil,
        gap: AcquisitionGap? = nil, detail: String? = nil, at date: Date = Date()
    ) {
        self.kind = kind
        self.writtenAt = ISO8601.string(from: date)
        self.sessionID = sessionID
        self.dose = dose
        self.void = void
        self.weight = weight
        self.mark = mark
        self.gap = gap
        self.detail = detail
    }
}

/// ISO 8601 UTC timestamps with milliseconds, the one format every record uses.
public enum ISO8601 {
    public static func string(from date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
