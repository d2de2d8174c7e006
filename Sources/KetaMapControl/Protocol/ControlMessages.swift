import KetaMapCore

/// One request line on the control socket (JSON).
public struct ControlRequest: Sendable, Equatable, Codable {
    public enum Command: String, Sendable, Codable, CaseIterable { case status, dose, void, weight, mark, stop }

    public var command: Command
    /// For `dose`.
    public var dose: DoseRequest?
    /// For `mark`.
    public var text: String?
    /// For `void`: the dose's event id, and why.
    public var eventID: UInt64?
    public var reason: String?
    /// For `weight`: the subject's body weight, in kg.
    public var weightKilograms: Double?

    public init(
        command: Command, dose: DoseRequest? = nil, text: String? = nil, eventID: UInt64? = nil, reason: String? = nil, weightKilograms: Double? = nil
    ) {
        self.command = command
        self.dose = dose
        self.text = text
        self.eventID = eventID
        self.reason = reason
        self.weightKilograms = weightKilograms
    }
}

/// One response line on the control socket (JSON).
public struct ControlResponse: Sendable, Equatable, Codable {
    public var ok: Bool
    public var status: SessionStatus?
    public var dose: DoseEvent?
    public var void: DoseVoid?
    public var weight: WeightChange?
    public var mark: Mark?
    /// Every acknowledged event's number (`ketamapctl void` takes a dose's).
    public var eventID: UInt64?
    /// After a dose, void or weight: the running totals per drug.
    public var dosing: DosingSummary?
    /// After a dose: seconds since the previous standing dose started.
    public var secondsSincePreviousDose: Double?
    /// Why the request was refused: the field (when one is at fault) and what to do.
    public var error: DoseRejection?

    public init(
        ok: Bool, status: SessionStatus? = nil, dose: DoseEvent? = nil, void: DoseVoid? = nil, weight: WeightChange? = nil, mark: Mark? = nil,
        eventID: UInt64? = nil, dosing: DosingSummary? = nil, secondsSincePreviousDose: Double? = nil, error: DoseRejection? = nil
    ) {
        self.ok = ok
        self.status = status
        self.dose = dose
        self.void = void
        self.weight = weight
        self.mark = mark
        self.eventID = eventID
        self.dosing = dosing
        self.secondsSincePreviousDose = secondsSincePreviousDose
        self.error = error
    }

    public static func refused(field: String, _ reason: String) -> ControlResponse {
        ControlResponse(ok: false, error: DoseRejection(field: field, reason: reason))
    }

    public init(_ ack: DoseAcknowledgement) {
        self.init(ok: true, dose: ack.dose, eventID: ack.dose.eventID, dosing: ack.dosing, secondsSincePreviousDose: ack.secondsSincePreviousDose)
    }

    public init(_ ack: VoidAcknowledgement) {
        self.init(ok: true, void: ack.void, eventID: ack.void.eventID, dosing: ack.dosing)
    }

    public init(_ ack: WeightAcknowledgement) {
        self.init(ok: true, weight: ack.weight, eventID: ack.weight.eventID, dosing: ack.dosing)
    }
}
