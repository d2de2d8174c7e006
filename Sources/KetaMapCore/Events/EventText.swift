/// The longest text each recorded field holds, in UTF-8 bytes: the session
/// file's fixed-length columns are this wide, so a longer text is refused with
/// its limit rather than cut in the file and kept whole in the event log.
public enum EventText {
    public static let drugBytes = 64
    public static let operatorBytes = 64
    public static let noteBytes = 512
    public static let markBytes = 512
    public static let reasonBytes = 512
    public static let unitBytes = 16
    public static let routeBytes = 16
    public static let wallClockBytes = 40
    /// The broken limits of a confirmed dose (a few sentences).
    public static let limitOverrideBytes = 1024

    /// Nil when `text` fits `maxBytes` and holds only visible text; otherwise the
    /// refusal naming the problem. A control or format character would end a
    /// fixed-length text early (NUL), break a status line (a line break), drive the
    /// reader's terminal (an escape) or hide in a name (a zero-width space).
    public static func check(_ text: String, field: String, maxBytes: Int) -> DoseRejection? {
        let bytes = text.utf8.count
        if bytes > maxBytes {
            return DoseRejection(field: field, reason: "is \(bytes) bytes long; the session file holds at most \(maxBytes) bytes (UTF-8) here: shorten it")
        }
        if let hidden = text.unicodeScalars.first(where: { [.control, .format].contains($0.properties.generalCategory) }) {
            let code = String(hidden.value, radix: 16, uppercase: true)
            return DoseRejection(
                field: field,
                reason: "contains U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code), a control or invisible character (a line break, a tab, a terminal escape, a zero-width space); write it as plain text")
        }
        return nil
    }
}
