import KetaMapCore

/// One request line on the control socket (JSON).
public struct ControlRequest: Sendable, Equatable, Codable {
    public enum Command: String, Sendable, Codable { case status, dose, mark, stop }

    public var command: Command
    /// For `dose`.
    public var dose: DoseRequest?
    /// For `mark`.
    public var text: String?

    public init(command: Command, dose: DoseRequest? = nil, text: String? = nil) {
        self.command = command
        self.dose = dose
        self.text = text
    }
}

/// One response line on the control socket (JSON).
public struct ControlResponse: Sendable, Equatable, Codable {
    public var ok: Bool
    public var status: SessionStatus?
    public var dose: DoseEvent?
    public var mark: Mark?
    /// Why the request was refused: the field (when one is at fault) and what to do.
    public var error: DoseRejection?

    public init(ok: Bool, status: SessionStatus? = nil, dose: DoseEvent? = nil, mark: Mark? = nil, error: DoseRejection? = nil) {
        self.ok = ok
        self.status = status
        self.dose = dose
        self.mark = mark
        self.error = error
    }

    public static func refused(field: String, _ reason: String) -> ControlResponse {
        ControlResponse(ok: false, error: DoseRejection(field: field, reason: reason))
    }
}
