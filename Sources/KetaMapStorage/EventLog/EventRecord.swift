import Foundation
import KetaMapCore

/// One line of `<session>.events.jsonl`: the durable record of what happened,
/// written (and fsync'd) before anything is acknowledged.
public struct EventRecord: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        case sessionStarted = "session-started", dose, mark, gap
        /// A correction naming a dose (`ketamapctl void`).
        case void
        /// The subject's body weight (the config's at start, `ketamapctl weight` later).
        case weight
        /// A dose, void, weight or mark logged earlier (`refusedEventID`) whose request was answered with a refusal: it never counts.
        case refused
        /// `ketamapctl stop`, with who asked (`peer`).
        case stopRequested = "stop-requested"
        case sessionEnded = "session-ended"
    }

    public var kind: Kind
    /// Wall-clock time the line was written, ISO 8601 UTC.
    public var writtenAt: String
    public var sessionID: String
    public var dose: DoseEvent?
    public var void: DoseVoid?
    public var weight: WeightChange?
    public var mark: Mark?
    public var gap: AcquisitionGap?
    /// For `refused`: the event id of the dose or mark the refusal cancels.
    public var refusedEventID: UInt64?
    /// For `stop-requested`: who asked (doses and marks carry their own).
    public var peer: PeerCredentials?
    /// Free detail: the file path at start, the fault (if any) at the end, why a request was refused.
    public var detail: String?

    public init(
        kind: Kind, sessionID: String, dose: DoseEvent? = nil, void: DoseVoid? = nil, weight: WeightChange? = nil, mark: Mark? = nil,
        gap: AcquisitionGap? = nil, refusedEventID: UInt64? = nil, peer: PeerCredentials? = nil, detail: String? = nil, at date: Date = Date()
    ) {
        self.kind = kind
        self.writtenAt = ISO8601.string(from: date)
        self.sessionID = sessionID
        self.dose = dose
        self.void = void
        self.weight = weight
        self.mark = mark
        self.gap = gap
        self.refusedEventID = refusedEventID
        self.peer = peer
        self.detail = detail
    }

    /// The event id of the dose, void, weight or mark this record holds.
    public var eventID: UInt64? { dose?.eventID ?? void?.eventID ?? weight?.eventID ?? mark?.eventID }
}

/// ISO 8601 UTC timestamps with milliseconds, the one format every record uses.
public enum ISO8601 {
    public static func string(from date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
