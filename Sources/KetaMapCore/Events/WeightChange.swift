/// The subject's body weight, from the config at start or `ketamapctl weight`
/// during the session; doses after it are converted with it.
public struct WeightChange: Sendable, Equatable, Codable {
    /// The session's number for this event (0 for the config's weight at start).
    public var eventID: UInt64
    public var kilograms: Double
    public var sampleIndex: UInt64
    public var seconds: Double
    /// Wall-clock time of the request, ISO 8601 UTC.
    public var wallClock: String
    /// Who asked for it (the control socket's peer), and that account's name; nil from the config.
    public var peer: PeerCredentials?
    public var operatorAccount: String?

    /// The range of a human body weight, in kg: a number outside it is a slip (or the wrong unit).
    public static let plausibleKilograms = 0.3...500.0

    public init(eventID: UInt64, kilograms: Double, sampleIndex: UInt64, seconds: Double, wallClock: String, peer: PeerCredentials? = nil, operatorAccount: String? = nil) {
        self.eventID = eventID
        self.kilograms = kilograms
        self.sampleIndex = sampleIndex
        self.seconds = seconds
        self.wallClock = wallClock
        self.peer = peer
        self.operatorAccount = operatorAccount
    }

    /// Nil when `kilograms` is a plausible body weight; otherwise the refusal.
    public static func check(kilograms: Double) -> DoseRejection? {
        guard kilograms.isFinite, plausibleKilograms.contains(kilograms) else {
            return DoseRejection(field: "weight", reason: "must be a body weight from 0.3 to 500 kg, got \(kilograms)")
        }
        return nil
    }
}
