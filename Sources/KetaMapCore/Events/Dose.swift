/// How a drug was given. Raw values are what the file and the command line use.
public enum Route: String, Sendable, Codable, CaseIterable {
    case ivBolus = "iv-bolus"
    case ivInfusion = "iv-infusion"
    case intramuscular = "im"
    case intranasal = "intranasal"
    case oral = "oral"
}

/// The unit of a dose amount.
public enum DoseUnit: String, Sendable, Codable, CaseIterable {
    case milligramsPerKilogram = "mg/kg"
    case microgramsPerKilogram = "ug/kg"
    case milligrams = "mg"
    case micrograms = "ug"
    case milligramsPerKilogramPerHour = "mg/kg/h"
}

/// What a clinician asks to record (from `ketamapctl dose` or the config's schedule).
public struct DoseRequest: Sendable, Equatable, Codable {
    public var drug: String
    public var amount: Double
    public var unit: DoseUnit
    public var route: Route
    /// Infusion length in seconds; nil for a bolus.
    public var overSeconds: Double?
    public var `operator`: String
    public var note: String
    /// Sample index to stamp instead of the newest acquired one: only for the
    /// config's schedule, whose doses belong at fixed points of the sample clock.
    public var atSample: UInt64?

    public init(
        drug: String, amount: Double, unit: DoseUnit, route: Route, overSeconds: Double? = nil,
        operator: String = "", note: String = "", atSample: UInt64? = nil
    ) {
        self.drug = drug
        self.amount = amount
        self.unit = unit
        self.route = route
        self.overSeconds = overSeconds
        self.operator = `operator`
        self.note = note
        self.atSample = atSample
    }

    /// Longest infusion accepted, in seconds (one week): longer is a typing error, and
    /// every duration stays far inside the range of an integer count of samples.
    public static let longestInfusionSeconds = 7 * 86_400.0

    /// Checks the request before anything is recorded; returns the first problem found.
    public func validate() -> DoseRejection? {
        if drug.allSatisfy(\.isWhitespace) {
            return DoseRejection(field: "drug", reason: "is empty; name the drug, e.g. ketamine")
        }
        if !amount.isFinite || amount <= 0 {
            return DoseRejection(field: "amount", reason: "must be a positive number, got \(amount)")
        }
        if let over = overSeconds {
            if !over.isFinite || over <= 0 {
                return DoseRejection(field: "over", reason: "must be a positive duration, got \(over) s")
            }
            if over > Self.longestInfusionSeconds {
                return DoseRejection(field: "over", reason: "must be at most \(Int(Self.longestInfusionSeconds)) s (one week), got \(over) s")
            }
            if route != .ivInfusion {
                return DoseRejection(field: "over", reason: "only an iv-infusion lasts a while; route is \(route.rawValue)")
            }
        } else if route == .ivInfusion {
            return DoseRejection(field: "over", reason: "an iv-infusion needs its duration, e.g. --over 40m")
        }
        return nil
    }
}

/// Why a dose was refused: the field and a sentence saying what to do.
public struct DoseRejection: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "dose refused: \(field) \(reason)" }
}

/// A dose as recorded: the request, stamped on the sample clock and the wall clock.
public struct DoseEvent: Sendable, Equatable, Codable {
    public var request: DoseRequest
    /// Sample index the dose starts at.
    public var sampleIndex: UInt64
    /// Start and stop in seconds since session start (stop = start + 1/rate for a bolus).
    public var startSeconds: Double
    public var stopSeconds: Double
    /// Wall-clock time of the request, ISO 8601 UTC, for people.
    public var wallClock: String
    /// The session's number for this event (doses and marks share one sequence); nil when read from an older file.
    public var eventID: UInt64?
    /// Who asked for it (the control socket's peer); nil for the config's schedule.
    public var peer: PeerCredentials?

    public init(
        request: DoseRequest, sampleIndex: UInt64, startSeconds: Double, stopSeconds: Double, wallClock: String, eventID: UInt64? = nil,
        peer: PeerCredentials? = nil
    ) {
        self.request = request
        self.sampleIndex = sampleIndex
        self.startSeconds = startSeconds
        self.stopSeconds = stopSeconds
        self.wallClock = wallClock
        self.eventID = eventID
        self.peer = peer
    }

    /// Stamps a request at `sampleIndex` for a source running at `rateHz`.
    public init(
        stamping request: DoseRequest, atSample sampleIndex: UInt64, rateHz: Double, wallClock: String, eventID: UInt64? = nil,
        peer: PeerCredentials? = nil
    ) {
        let start = Double(sampleIndex) / rateHz
        let stop = start + (request.overSeconds ?? 1 / rateHz)
        self.init(request: request, sampleIndex: sampleIndex, startSeconds: start, stopSeconds: stop, wallClock: wallClock, eventID: eventID, peer: peer)
    }
}

/// A free-text annotation on the sample clock (`ketamapctl mark`).
public struct Mark: Sendable, Equatable, Codable {
    public var text: String
    public var sampleIndex: UInt64
    public var seconds: Double
    public var wallClock: String
    /// The session's number for this event (shared with doses); nil when read from an older file.
    public var eventID: UInt64?
    /// Who made the mark (the control socket's peer).
    public var peer: PeerCredentials?

    public init(text: String, sampleIndex: UInt64, seconds: Double, wallClock: String, eventID: UInt64? = nil, peer: PeerCredentials? = nil) {
        self.text = text
        self.sampleIndex = sampleIndex
        self.seconds = seconds
        self.wallClock = wallClock
        self.eventID = eventID
        self.peer = peer
    }
}
