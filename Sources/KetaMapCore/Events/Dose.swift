/// What a clinician asks to record (from `ketamapctl dose` or the config's schedule).
public struct DoseRequest: Sendable, Equatable, Codable {
    public var drug: String
    /// The amount as entered, in `unit` (for a rate unit, the infusion rate).
    public var amount: Double
    public var unit: DoseUnit
    public var route: Route
    /// Infusion length in seconds; nil for a bolus.
    public var overSeconds: Double?
    /// The name typed with `--operator`: a note beside the account the kernel names.
    public var `operator`: String
    public var note: String
    /// `--confirm`: record the dose even though it breaks a plausibility limit (the override is recorded).
    public var confirmed: Bool
    /// Sample index to stamp instead of the newest acquired one: only for the
    /// config's schedule, whose doses belong at fixed points of the sample clock.
    public var atSample: UInt64?

    public init(
        drug: String, amount: Double, unit: DoseUnit, route: Route, overSeconds: Double? = nil,
        operator: String = "", note: String = "", confirmed: Bool = false, atSample: UInt64? = nil
    ) {
        self.drug = drug
        self.amount = amount
        self.unit = unit
        self.route = route
        self.overSeconds = overSeconds
        self.operator = `operator`
        self.note = note
        self.confirmed = confirmed
        self.atSample = atSample
    }

    enum CodingKeys: String, CodingKey { case drug, amount, unit, route, overSeconds, `operator`, note, confirmed, atSample }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            drug: try c.decode(String.self, forKey: .drug), amount: try c.decode(Double.self, forKey: .amount),
            unit: try c.decode(DoseUnit.self, forKey: .unit), route: try c.decode(Route.self, forKey: .route),
            overSeconds: try c.decodeIfPresent(Double.self, forKey: .overSeconds),
            operator: try c.decodeIfPresent(String.self, forKey: .operator) ?? "", note: try c.decodeIfPresent(String.self, forKey: .note) ?? "",
            confirmed: try c.decodeIfPresent(Bool.self, forKey: .confirmed) ?? false,
            atSample: try c.decodeIfPresent(UInt64.self, forKey: .atSample))
    }

    /// The largest amount any unit accepts, and the longest infusion (7 days): beyond
    /// them a number is a typing slip, whatever the drug, and no `--confirm` records it.
    public static let largestAmount = 1e6
    public static let longestInfusionSeconds = 7 * 86_400.0

    /// Checks the request before anything is recorded; returns the first problem found.
    /// (Plausibility for the drug, route and body weight is `DoseLedger`'s job.)
    public func validate() -> DoseRejection? {
        if drug.allSatisfy(\.isWhitespace) {
            return DoseRejection(field: "drug", reason: "is empty; name the drug, e.g. ketamine")
        }
        if let problem = EventText.check(drug, field: "drug", maxBytes: EventText.drugBytes)
            ?? EventText.check(`operator`, field: "operator", maxBytes: EventText.operatorBytes)
            ?? EventText.check(note, field: "note", maxBytes: EventText.noteBytes)
        {
            return problem
        }
        if !amount.isFinite || amount <= 0 {
            return DoseRejection(field: "amount", reason: "must be a positive number, got \(amount)")
        }
        if amount > Self.largestAmount {
            return DoseRejection(field: "amount", reason: "\(amount) \(unit.symbol) is beyond any dose (at most \(Int(Self.largestAmount)) in any unit); check the number")
        }
        if let over = overSeconds {
            if !over.isFinite || over < 1 || over > Self.longestInfusionSeconds {
                return DoseRejection(field: "over", reason: "must be a duration from 1 s to 7 days, got \(over) s")
            }
            if route != .ivInfusion {
                return DoseRejection(field: "over", reason: "only an iv-infusion lasts a while; route is \(route.rawValue)")
            }
        } else if route == .ivInfusion {
            return DoseRejection(field: "over", reason: "an iv-infusion needs its duration, e.g. --over 40m")
        }
        if unit.isRate && route != .ivInfusion {
            return DoseRejection(field: "unit", reason: "\(unit.symbol) is an infusion rate; use it with --route iv-infusion and --over, or give the amount in mg or mg/kg")
        }
        return nil
    }
}

/// Why a dose, void, weight or mark was refused: the field and a sentence saying what to do.
public struct DoseRejection: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var field: String
    public var reason: String
    /// The plausibility limits the dose broke; `--confirm` records it anyway. Nil for other refusals.
    public var brokenLimits: [String]?

    public init(field: String, reason: String, brokenLimits: [String]? = nil) {
        self.field = field
        self.reason = reason
        self.brokenLimits = brokenLimits
    }

    public var description: String { "refused: \(field) \(reason)" }
}

/// A dose as recorded: the request as entered, its normalised amounts, and its
/// stamps on the sample clock and the wall clock.
public struct DoseEvent: Sendable, Equatable, Codable {
    public var request: DoseRequest
    /// The amount in mg and mg/kg (and mg/kg/h for an infusion), at the weight of the time.
    public var normalized: NormalizedDose
    /// Sample index the dose starts at.
    public var sampleIndex: UInt64
    /// Start and stop in seconds since session start (stop = start + 1/rate for a bolus).
    public var startSeconds: Double
    public var stopSeconds: Double
    /// Wall-clock time of the request, ISO 8601 UTC, for people.
    public var wallClock: String
    /// The session's number for this event (doses, voids, weights and marks share one sequence; `ketamapctl void ID` names it).
    public var eventID: UInt64
    /// Who asked for it (the control socket's peer); nil for the config's schedule.
    public var peer: PeerCredentials?
    /// The peer's account name, resolved from `peer.uid` when the dose was recorded.
    public var operatorAccount: String?
    /// The plausibility limits a confirmed dose broke, or nil when it broke none.
    public var limitOverride: String?

    public init(
        request: DoseRequest, normalized: NormalizedDose, sampleIndex: UInt64, startSeconds: Double, stopSeconds: Double, wallClock: String,
        eventID: UInt64 = 0, peer: PeerCredentials? = nil, operatorAccount: String? = nil, limitOverride: String? = nil
    ) {
        self.request = request
        self.normalized = normalized
        self.sampleIndex = sampleIndex
        self.startSeconds = startSeconds
        self.stopSeconds = stopSeconds
        self.wallClock = wallClock
        self.eventID = eventID
        self.peer = peer
        self.operatorAccount = operatorAccount
        self.limitOverride = limitOverride
    }

    /// Stamps a request at `sampleIndex` for a source running at `rateHz`, for a subject of `weightKilograms`.
    public init(
        stamping request: DoseRequest, atSample sampleIndex: UInt64, rateHz: Double, weightKilograms: Double, wallClock: String,
        eventID: UInt64 = 0, peer: PeerCredentials? = nil, operatorAccount: String? = nil, limitOverride: String? = nil
    ) {
        let start = Double(sampleIndex) / rateHz
        let stop = start + (request.overSeconds ?? 1 / rateHz)
        self.init(
            request: request, normalized: request.normalized(weightKilograms: weightKilograms), sampleIndex: sampleIndex, startSeconds: start,
            stopSeconds: stop, wallClock: wallClock, eventID: eventID, peer: peer, operatorAccount: operatorAccount, limitOverride: limitOverride)
    }
}

/// A free-text annotation on the sample clock (`ketamapctl mark`).
public struct Mark: Sendable, Equatable, Codable {
    public var text: String
    public var sampleIndex: UInt64
    public var seconds: Double
    public var wallClock: String
    /// The session's number for this event (shared with doses).
    public var eventID: UInt64
    /// Who made the mark (the control socket's peer).
    public var peer: PeerCredentials?

    public init(text: String, sampleIndex: UInt64, seconds: Double, wallClock: String, eventID: UInt64 = 0, peer: PeerCredentials? = nil) {
        self.text = text
        self.sampleIndex = sampleIndex
        self.seconds = seconds
        self.wallClock = wallClock
        self.eventID = eventID
        self.peer = peer
    }
}
