/// A problem with a configuration or montage file: which file, which line,
/// which key (or TSV column), what was expected and how to fix it.
///
/// Callers catch by code: `catch let error as ConfigError where error.code == .unknownKey`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The file cannot be read (missing, unreadable, not UTF-8).
        public static let unreadableFile = Code(rawValue: "unreadable-file")
        /// The text is not valid TOML (or not a valid TSV table).
        public static let syntax = Code(rawValue: "syntax")
        /// A key or table that KetaMap does not know.
        public static let unknownKey = Code(rawValue: "unknown-key")
        /// A required key is absent.
        public static let missingKey = Code(rawValue: "missing-key")
        /// A value of the wrong TOML type (a string where a number belongs, ...).
        public static let wrongType = Code(rawValue: "wrong-type")
        /// A number outside its allowed range, or inconsistent with another value.
        public static let outOfRange = Code(rawValue: "out-of-range")
        /// A word that is not one of the allowed choices (route, unit, sex, ...).
        public static let invalidValue = Code(rawValue: "invalid-value")
        /// The same key, table, channel name or hardware channel appears twice.
        public static let duplicate = Code(rawValue: "duplicate")
        /// The montage files disagree with each other or with the configuration.
        public static let montage = Code(rawValue: "montage")

        public var description: String { rawValue }
    }

    public var code: Code
    /// Path of the file the problem is in (`(embedded default)/ketamapd.toml` for the built-in one).
    public var file: String
    /// 1-based line, when the problem is on one line.
    public var line: Int?
    /// Dotted key (`source.sample_rate_hz`) or TSV column, when the problem is about one.
    public var key: String?
    /// What is wrong and what was expected.
    public var message: String
    /// What to do about it.
    public var fix: String

    public init(_ code: Code, file: String, line: Int?, key: String?, message: String, fix: String) {
        self.code = code
        self.file = file
        self.line = line
        self.key = key
        self.message = message
        self.fix = fix
    }

    /// `config.toml:12: source.sample_rate_hz: must be positive, got -5. Fix: ...`
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        text += message
        if !fix.isEmpty { text += ". Fix: \(fix)" }
        return text
    }
}

extension ConfigError {
    /// The closest of `candidates` to `word` (edit distance at most 1/3 of the length, at least 2), for "did you mean".
    static func closest(to word: String, in candidates: [String]) -> String? {
        let budget = max(2, word.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let d = editDistance(word.lowercased(), candidate.lowercased())
            if d <= budget, d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        return best?.0
    }

    /// Levenshtein distance between two strings, in characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// "did you mean `x`?" or a list of the allowed words.
    static func suggestion(for word: String, in candidates: [String]) -> String {
        if let close = closest(to: word, in: candidates) {
            return "did you mean `\(close)`? Allowed: \(candidates.joined(separator: ", "))"
        }
        return "allowed: \(candidates.joined(separator: ", "))"
    }
}
