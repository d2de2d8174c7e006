import Foundation

/// Names of a session's files: `<dir>/<stem>.nwb` and `<dir>/<stem>.events.jsonl`,
/// where the stem is the session id, or `<id>-2`, `<id>-3`… when a file of that
/// name exists already (a restarted session never overwrites).
public struct SessionFiles: Sendable, Equatable {
    public let sessionID: String
    public let stem: String
    public let directory: String
    /// 1 for `<id>`, 2 for `<id>-2`, …: the part of the session these files hold.
    public let part: Int

    /// The stems of the parts before this one (`<id>`, `<id>-2`, …), oldest first.
    public var earlierStems: [String] { (1..<part).map { Self.stem(sessionID: sessionID, part: $0) } }

    public var nwbPath: String { "\(directory)/\(stem).nwb" }
    public var eventsPath: String { "\(directory)/\(stem).events.jsonl" }

    /// Picks the first free stem for `sessionID` in `directory`.
    public init(sessionID: String, directory: String, fileManager: FileManager = .default) {
        self.sessionID = sessionID
        self.directory = directory
        var part = 1
        while fileManager.fileExists(atPath: "\(directory)/\(Self.stem(sessionID: sessionID, part: part)).nwb")
            || fileManager.fileExists(atPath: "\(directory)/\(Self.stem(sessionID: sessionID, part: part)).events.jsonl")
        {
            part += 1
        }
        self.part = part
        stem = Self.stem(sessionID: sessionID, part: part)
    }

    private static func stem(sessionID: String, part: Int) -> String { part == 1 ? sessionID : "\(sessionID)-\(part)" }

    /// The files of a session already recorded, by their stem (`<id>` or `<id>-N`).
    public init(sessionID: String, stem: String, directory: String) {
        self.sessionID = sessionID
        self.stem = stem
        self.directory = directory
        let suffix = stem.hasPrefix(sessionID + "-") ? Int(stem.dropFirst(sessionID.count + 1)) : nil
        part = suffix ?? 1
    }

    /// The default session id: the UTC start time, `YYYYMMDDTHHMMSSZ`.
    public static func defaultSessionID(at date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// Session ids become file and unit names: letters, digits, `-`, `_`, `.` only.
    public static func isValidSessionID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 128 && !id.hasPrefix(".") && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
