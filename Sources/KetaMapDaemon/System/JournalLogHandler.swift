import Glibc
import Logging

/// A swift-log handler writing structured records to the systemd journal:
/// metadata becomes journal fields (`SESSION=…`), so `journalctl SESSION=x` works.
/// Used when the daemon runs under systemd (`JOURNAL_STREAM` is set).
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let identifier: String

    public init(label: String) {
        identifier = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            fields.append("\(Self.fieldName(key))=\(value)")
        }
        try? SystemdCalls.journalSend(fields)
    }

    /// syslog priorities, as journald expects them.
    private static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Journal field names are upper-case letters, digits and underscores.
    private static func fieldName(_ key: String) -> String {
        String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }
}

extension LoggingSystem {
    /// Journal records under systemd, plain lines on standard error otherwise.
    public static func bootstrapForKetaMap(label: String, level: Logger.Level) {
        let underSystemd = POSIXCalls.environment("JOURNAL_STREAM") != nil
        bootstrap { name in
            var handler: LogHandler = underSystemd ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
    }
}
