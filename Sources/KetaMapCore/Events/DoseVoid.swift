/// A correction (`ketamapctl void ID --reason TEXT`): the dose it names stays
/// in the record, marked voided by this event, and no longer counts in totals
/// or the report.
public struct DoseVoid: Sendable, Equatable, Codable {
    /// The session's number for this event.
    public var eventID: UInt64
    /// The dose this voids.
    public var voidedEventID: UInt64
    public var reason: String
    /// Where on the sample clock the correction was made.
    public var sampleIndex: UInt64
    public var seconds: Double
    /// Wall-clock time of the request, ISO 8601 UTC.
    public var wallClock: String
    /// Who asked for it (the control socket's peer), and that account's name; nil from the config.
    public var peer: PeerCredentials?
    public var operatorAccount: String?

    public init(eventID: UInt64, voidedEventID: UInt64, reason: String, sampleIndex: UInt64, seconds: Double, wallClock: String, peer: PeerCredentials? = nil, operatorAccount: String? = nil) {
        self.eventID = eventID
        self.voidedEventID = voidedEventID
        self.reason = reason
        self.sampleIndex = sampleIndex
        self.seconds = seconds
        self.wallClock = wallClock
        self.peer = peer
        self.operatorAccount = operatorAccount
    }
}
