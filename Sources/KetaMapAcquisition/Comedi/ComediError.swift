/// A Comedi failure: what failed, on which device, comedilib's own words
/// (`comedi_strerror`) and what to do about it.
///
/// Callers match on `code`, e.g. `catch let error as ComediError where error.code == .stalled`.
public struct ComediError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Equatable {
        /// The device node could not be opened (`comedi_open`).
        case openFailed = "open-failed"
        /// A query or setting call failed (`comedi_get_*`, `comedi_set_*`).
        case callFailed = "call-failed"
        /// The configured subdevice does not exist, is not analog input, or no subdevice streams input.
        case noStreamingInput = "no-streaming-input"
        /// A montage hardware channel is not on the subdevice.
        case channelOutOfRange = "channel-out-of-range"
        /// The configured range index does not exist, or no range is in volts.
        case rangeUnavailable = "range-unavailable"
        /// The subdevice does not accept the configured analog reference.
        case referenceUnsupported = "reference-unsupported"
        /// The card's samples are wider than 16 bits.
        case sampleWidthUnsupported = "sample-width-unsupported"
        /// `comedi_command_test` did not settle or refused the command.
        case commandRefused = "command-refused"
        /// The rate the card gives is further from the requested one than the tolerance.
        case rateRefused = "rate-refused"
        /// `comedi_command` failed.
        case commandFailed = "command-failed"
        /// Reading the stream failed.
        case readFailed = "read-failed"
        /// The device went away while recording (unplugged, driver unloaded: `ENODEV`).
        case deviceVanished = "device-vanished"
        /// No samples arrived within the read timeout.
        case stalled
        /// The acquisition ended by itself (`read` returned 0).
        case streamEnded = "stream-ended"
    }

    /// What kind of failure.
    public var code: Code
    /// The device path, e.g. `/dev/comedi0`.
    public var device: String
    /// The C function that failed (e.g. `comedi_command`), or empty when KetaMap refused.
    public var function: String
    /// The Comedi or system error number, when there is one.
    public var errorNumber: Int32?
    /// comedilib's text for `errorNumber` (`comedi_strerror`), when there is one.
    public var libraryMessage: String?
    /// What happened, in KetaMap's words.
    public var message: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error; `libraryMessage`/`errorNumber` come from comedilib when it failed.
    public init(
        _ code: Code, device: String, function: String = "", errorNumber: Int32? = nil, libraryMessage: String? = nil,
        message: String, remedy: String
    ) {
        self.code = code
        self.device = device
        self.function = function
        self.errorNumber = errorNumber
        self.libraryMessage = libraryMessage
        self.message = message
        self.remedy = remedy
    }

    /// `/dev/comedi0: comedi_command failed: Device or resource busy (errno 16): <message>. <remedy>`
    public var description: String {
        var text = "\(device): "
        if !function.isEmpty { text += "\(function) failed: " }
        if let libraryMessage {
            text += libraryMessage
            if let errorNumber { text += " (errno \(errorNumber))" }
            text += ": "
        }
        text += message
        if !remedy.isEmpty { text += ". " + remedy }
        return text
    }
}
