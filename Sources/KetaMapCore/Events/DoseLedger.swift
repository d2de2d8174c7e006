/// What a session has given so far: the subject's weight, every dose and
/// correction, and the event numbers. It converts and checks each new dose
/// (weight, plausibility limits, the session limit) and keeps the running
/// totals, leaving voided doses out. No I/O: the dose desk holds one under
/// its lock and applies each event only once it is durable.
public struct DoseLedger: Sendable {
    public let limits: DoseLimits
    /// The weight doses are converted with, in kg; nil until the config or `ketamapctl weight` gives one.
    public var weightKilograms: Double? { weights.last?.kilograms }
    /// Every weight so far (event 0: the config's), newest last.
    private var weights: [(eventID: UInt64, kilograms: Double)]
    /// Every dose recorded, voided ones included, in the order recorded.
    public private(set) var doses: [DoseEvent] = []
    /// Voided dose → the void event that names it.
    public private(set) var voidedBy: [UInt64: UInt64] = [:]
    private var lastEventID: UInt64 = 0
    private var doseIDs: Set<UInt64> = []

    public init(limits: DoseLimits = .clinicalDefaults, weightKilograms: Double? = nil) {
        self.limits = limits
        weights = weightKilograms.map { [(eventID: UInt64(0), kilograms: $0)] } ?? []
    }

    /// The number the next event will carry (1, 2, …): doses, marks, voids and weights share one sequence.
    public var nextEventID: UInt64 { lastEventID + 1 }

    /// Doses that still stand (not voided).
    public var standingDoses: [DoseEvent] { doses.filter { voidedBy[$0.eventID] == nil } }

    /// Converts `request` with the current weight and checks it against the
    /// limits. Returns the normalised dose and, for a confirmed dose that broke
    /// limits, the override to record; throws the refusal otherwise.
    public func assess(_ request: DoseRequest) throws(DoseRejection) -> (normalized: NormalizedDose, limitOverride: String?) {
        if let problem = request.validate() { throw problem }
        guard let weight = weightKilograms else {
            throw DoseRejection(
                field: "weight",
                reason: "of the subject is not known, so \(request.unit.symbol) cannot be converted to mg and mg/kg; give it first with `ketamapctl weight KG` (or `weight_kg` in [subject])")
        }
        let normalized = request.normalized(weightKilograms: weight)
        guard normalized.milligrams.isFinite, normalized.milligramsPerKilogram.isFinite, normalized.milligrams <= DoseRequest.largestAmount else {
            throw DoseRejection(
                field: "amount",
                reason: "\(DoseNumber.format(request.amount)) \(request.unit.symbol) comes to \(DoseNumber.format(normalized.milligrams)) mg at \(DoseNumber.format(weight)) kg, beyond any dose; check the number and the unit")
        }
        let broken = limits.broken(by: request, normalized, sessionBefore: total(of: request.drug))
        guard !broken.isEmpty else { return (normalized, nil) }
        let override = broken.joined(separator: "; ")
        if request.confirmed {
            if let problem = EventText.check(override, field: "limit_override", maxBytes: EventText.limitOverrideBytes) { throw problem }
            return (normalized, override)
        }
        throw DoseRejection(
            field: "amount", reason: "breaks a plausibility limit: \(override). Check the amount, unit and route; if the dose is right, give it again with --confirm (the override is recorded)",
            brokenLimits: broken)
    }

    /// Checks that `eventID` names a standing dose and that the reason fits.
    public func checkVoid(of eventID: UInt64, reason: String) throws(DoseRejection) {
        if reason.allSatisfy(\.isWhitespace) {
            throw DoseRejection(field: "reason", reason: "is empty; say why the dose is voided, e.g. --reason \"entered mg/kg, meant mg\"")
        }
        if let problem = EventText.check(reason, field: "reason", maxBytes: EventText.reasonBytes) { throw problem }
        guard doseIDs.contains(eventID) else {
            throw DoseRejection(
                field: "event", reason: eventID < nextEventID && eventID > 0 ? "\(eventID) is not a dose; only doses can be voided" : "\(eventID) is not an event of this session; the acknowledgement of each dose names its event id")
        }
        if let by = voidedBy[eventID] {
            throw DoseRejection(field: "event", reason: "\(eventID) is already voided (by event \(by))")
        }
    }

    /// Takes the next event number (for an event about to be logged).
    public mutating func takeEventID() -> UInt64 {
        lastEventID += 1
        return lastEventID
    }

    /// Applies a dose (as it is stamped: later requests are checked against it).
    public mutating func record(_ dose: DoseEvent) {
        doses.append(dose)
        doseIDs.insert(dose.eventID)
    }

    /// Applies a void (as it is stamped).
    public mutating func record(_ void: DoseVoid) {
        voidedBy[void.voidedEventID] = void.eventID
    }

    /// Applies a weight change (as it is stamped).
    public mutating func record(_ weight: WeightChange) {
        weights.append((weight.eventID, weight.kilograms))
    }

    /// Takes back the event `eventID` (a dose, void or weight whose request was
    /// refused after it was stamped): it never counts.
    public mutating func withdraw(_ eventID: UInt64) {
        doses.removeAll { $0.eventID == eventID }
        doseIDs.remove(eventID)
        voidedBy = voidedBy.filter { $0.value != eventID }
        weights.removeAll { $0.eventID == eventID }
    }

    /// What the standing doses of `drug` add up to (nil when there are none).
    public func total(of drug: String) -> NormalizedDose? {
        let key = DoseLimit.key(drug)
        let matching = standingDoses.filter { DoseLimit.key($0.request.drug) == key }
        guard !matching.isEmpty else { return nil }
        return NormalizedDose(
            weightKilograms: weightKilograms ?? matching.last!.normalized.weightKilograms,
            milligrams: matching.reduce(0) { $0 + $1.normalized.milligrams },
            milligramsPerKilogram: matching.reduce(0) { $0 + $1.normalized.milligramsPerKilogram })
    }

    /// The totals, weight and last dose, as replies and `status` show them.
    public var summary: DosingSummary {
        var totals: [DrugTotal] = []
        for dose in standingDoses {
            let key = DoseLimit.key(dose.request.drug)
            if let i = totals.firstIndex(where: { DoseLimit.key($0.drug) == key }) {
                totals[i].milligrams += dose.normalized.milligrams
                totals[i].milligramsPerKilogram += dose.normalized.milligramsPerKilogram
                totals[i].doseCount += 1
                totals[i].lastDoseSeconds = max(totals[i].lastDoseSeconds, dose.startSeconds)
            } else {
                totals.append(
                    DrugTotal(
                        drug: dose.request.drug, milligrams: dose.normalized.milligrams, milligramsPerKilogram: dose.normalized.milligramsPerKilogram,
                        doseCount: 1, lastDoseSeconds: dose.startSeconds))
            }
        }
        let last = standingDoses.max { $0.startSeconds < $1.startSeconds }
        return DosingSummary(
            weightKilograms: weightKilograms, totals: totals, voidedBy: voidedBy, lastDoseEventID: last?.eventID,
            lastDoseSeconds: last?.startSeconds)
    }
}

/// The running totals of a session, voided doses left out.
public struct DosingSummary: Sendable, Equatable, Codable {
    /// The subject's current weight, in kg.
    public var weightKilograms: Double?
    /// One per drug, in the order first given.
    public var totals: [DrugTotal]
    /// Voided dose → the void event that names it.
    public var voidedBy: [UInt64: UInt64]
    /// The newest standing dose: its event and start, in seconds since session start.
    public var lastDoseEventID: UInt64?
    public var lastDoseSeconds: Double?

    public init(weightKilograms: Double? = nil, totals: [DrugTotal] = [], voidedBy: [UInt64: UInt64] = [:], lastDoseEventID: UInt64? = nil, lastDoseSeconds: Double? = nil) {
        self.weightKilograms = weightKilograms
        self.totals = totals
        self.voidedBy = voidedBy
        self.lastDoseEventID = lastDoseEventID
        self.lastDoseSeconds = lastDoseSeconds
    }

    // `voidedBy` is a JSON object keyed by the voided dose's event id ("1": 7),
    // not the flat array JSON coders make of a dictionary with integer keys.
    enum CodingKeys: String, CodingKey { case weightKilograms, totals, voidedBy, lastDoseEventID, lastDoseSeconds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var voided: [UInt64: UInt64] = [:]
        for (key, by) in try c.decode([String: UInt64].self, forKey: .voidedBy) {
            guard let dose = UInt64(key) else {
                throw DecodingError.dataCorruptedError(forKey: .voidedBy, in: c, debugDescription: "`\(key)` is not an event id")
            }
            voided[dose] = by
        }
        self.init(
            weightKilograms: try c.decodeIfPresent(Double.self, forKey: .weightKilograms), totals: try c.decode([DrugTotal].self, forKey: .totals),
            voidedBy: voided, lastDoseEventID: try c.decodeIfPresent(UInt64.self, forKey: .lastDoseEventID),
            lastDoseSeconds: try c.decodeIfPresent(Double.self, forKey: .lastDoseSeconds))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(weightKilograms, forKey: .weightKilograms)
        try c.encode(totals, forKey: .totals)
        try c.encode(Dictionary(uniqueKeysWithValues: voidedBy.map { (String($0.key), $0.value) }), forKey: .voidedBy)
        try c.encodeIfPresent(lastDoseEventID, forKey: .lastDoseEventID)
        try c.encodeIfPresent(lastDoseSeconds, forKey: .lastDoseSeconds)
    }
}

/// What a session gave of one drug.
public struct DrugTotal: Sendable, Equatable, Codable {
    public var drug: String
    public var milligrams: Double
    public var milligramsPerKilogram: Double
    public var doseCount: Int
    /// Start of its newest dose, in seconds since session start.
    public var lastDoseSeconds: Double

    public init(drug: String, milligrams: Double, milligramsPerKilogram: Double, doseCount: Int, lastDoseSeconds: Double) {
        self.drug = drug
        self.milligrams = milligrams
        self.milligramsPerKilogram = milligramsPerKilogram
        self.doseCount = doseCount
        self.lastDoseSeconds = lastDoseSeconds
    }
}
