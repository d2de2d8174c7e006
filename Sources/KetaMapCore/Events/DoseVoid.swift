/// A correction (`ketamapctl void ID --reason TEXT`): the dose it names stays
/// in the record, marked voided by this event, and no longer counts in totals
/// or the report.
public struct DoseVoid: Sendable, Equatable, Codable {
    /// The session's number for this event.
    public var eventID: Int
    /// The dose this voids.
    public var voidedEventID: Int
    public var reason: String
    /// Where on the sample clock the correction was made.
    public var sampleIndex: UInt64
    public var seconds: Double
    /// Wall-clock time of the request, ISO 8601 UTC.
    public var wallClock: String

    public init(eventID: Int, voidedEventID: Int, reason: String, sampleIndex: UInt64, seconds: Double, wallClock: String) {
        self.eventID = eventID
        self.voidedEventID = voidedEventID
        self.reason = reason
        self.sampleIndex = sampleIndex
        self.seconds = seconds
        self.wallClock = wallClock
    }
}
