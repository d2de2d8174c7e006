/// Reads one TOML table into typed values for `ConfigurationLoader`: every
/// error names the file, the line and the dotted key, and keys the table
/// does not know are refused (with a "did you mean").
struct TOMLTableReader {
    let table: TOMLTable
    /// Dotted path of the table (`source.comedi`, `schedule.dose[2]`); empty for the root.
    let path: String
    let file: String
    /// How the table is written in the file, for messages (`[source.comedi]`).
    var header: String { path.isEmpty ? "the top level" : "[\(path)]" }

    /// Wraps `table` and refuses any key not in `known`.
    init(_ table: TOMLTable, path: String, file: String, known: [String]) throws(ConfigError) {
        self.table = table
        self.path = path
        self.file = file
        for key in table.keys where !known.contains(key) {
            let value = table[key]!
            let what: String
            if case .table = value.kind { what = "table `[\(dotted(key))]`" } else { what = "key `\(key)` in \(header)" }
            throw ConfigError(
                .unknownKey, file: file, line: value.line, key: dotted(key), message: "unknown \(what)",
                fix: ConfigError.suggestion(for: key, in: known))
        }
    }

    /// `path.key`.
    func dotted(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Line of `key`, or of the table header when the key is absent.
    func line(of key: String) -> Int? {
        if let value = table[key] { return value.line }
        return table.line > 0 ? table.line : nil
    }

    func error(_ code: ConfigError.Code, _ key: String, _ message: String, fix: String) -> ConfigError {
        ConfigError(code, file: file, line: line(of: key), key: dotted(key), message: message, fix: fix)
    }

    private func wrongType(_ key: String, _ value: TOMLValue, expected: String, example: String) -> ConfigError {
        error(.wrongType, key, "expected \(expected), got \(value.typeDescription)", fix: "write e.g. `\(key) = \(example)`")
    }

    private func missing(_ key: String, expected: String, example: String) -> ConfigError {
        error(.missingKey, key, "\(header) needs `\(key)` (\(expected))", fix: "add `\(key) = \(example)` to \(header)")
    }

    // MARK: - Scalars

    func string(_ key: String, example: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard case .string(let text) = value.kind else { throw wrongType(key, value, expected: "a string in double quotes", example: "\"\(example)\"") }
        return text
    }

    func requiredString(_ key: String, expected: String, example: String) throws(ConfigError) -> String {
        guard let text = try string(key, example: example) else { throw missing(key, expected: expected, example: "\"\(example)\"") }
        guard !text.allSatisfy({ $0 == " " || $0 == "\t" }) else {
            throw error(.outOfRange, key, "is empty; expected \(expected)", fix: "write e.g. `\(key) = \"\(example)\"`")
        }
        return text
    }

    /// A number (integer or float) checked by `valid`; `rule` says what `valid` wants ("must be positive").
    /// Largest magnitude of any number in a config (a billion): every key's own
    /// rule is tighter, and everything below it converts to an integer count safely.
    static let largestNumber = 1e9

    func double(_ key: String, unit: String, example: String, rule: String, _ valid: (Double) -> Bool) throws(ConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        let number: Double
        switch value.kind {
        case .integer(let i): number = Double(i)
        case .float(let f): number = f
        default: throw wrongType(key, value, expected: "a number in \(unit)", example: example)
        }
        guard number.isFinite, abs(number) <= Self.largestNumber, valid(number) else {
            throw error(.outOfRange, key, "\(rule), got \(Self.format(number))", fix: "write e.g. `\(key) = \(example)` (\(unit))")
        }
        return number
    }

    func requiredDouble(_ key: String, unit: String, example: String, rule: String, _ valid: (Double) -> Bool) throws(ConfigError) -> Double {
        guard let number = try double(key, unit: unit, example: example, rule: rule, valid) else {
            throw missing(key, expected: "a number in \(unit)", example: example)
        }
        return number
    }

    /// A whole number checked by `valid`.
    func integer(_ key: String, example: String, rule: String, _ valid: (Int) -> Bool) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard case .integer(let i) = value.kind, let number = Int(exactly: i) else {
            throw wrongType(key, value, expected: "a whole number", example: example)
        }
        guard valid(number) else {
            throw error(.outOfRange, key, "\(rule), got \(number)", fix: "write e.g. `\(key) = \(example)`")
        }
        return number
    }

    func boolean(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard case .boolean(let b) = value.kind else { throw wrongType(key, value, expected: "true or false", example: "true") }
        return b
    }

    /// A word that must be one of `E`'s raw values.
    func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(ConfigError) -> E? where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue)
        guard let text = try string(key, example: allowed[0]) else { return nil }
        guard let value = E(rawValue: text) else {
            throw error(.invalidValue, key, "`\(text)` is not allowed", fix: ConfigError.suggestion(for: text, in: allowed))
        }
        return value
    }

    func requiredChoice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, expected: String) throws(ConfigError) -> E
    where E.RawValue == String {
        guard let value = try choice(key, type) else {
            throw missing(key, expected: "\(expected): one of \(E.allCases.map(\.rawValue).joined(separator: ", "))", example: "\"\(E.allCases.map(\.rawValue)[0])\"")
        }
        return value
    }

    func strings(_ key: String, example: String) throws(ConfigError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard case .array(let elements) = value.kind else {
            throw wrongType(key, value, expected: "an array of strings", example: "[\"\(example)\"]")
        }
        var result: [String] = []
        for element in elements {
            guard case .string(let text) = element.kind else {
                throw ConfigError(
                    .wrongType, file: file, line: element.line, key: dotted(key),
                    message: "expected an array of strings, but an element is \(element.typeDescription)",
                    fix: "quote every element: `\(key) = [\"\(example)\"]`")
            }
            result.append(text)
        }
        return result
    }

    // MARK: - Nested tables

    /// The sub-table `key` (`[path.key]`), if present, with its allowed keys.
    func table(_ key: String, known: [String]) throws(ConfigError) -> TOMLTableReader? {
        guard let value = table[key] else { return nil }
        guard case .table(let inner) = value.kind else {
            throw error(.wrongType, key, "expected a table `[\(dotted(key))]`, got \(value.typeDescription)", fix: "write `[\(dotted(key))]` on its own line, then its keys")
        }
        return try TOMLTableReader(inner, path: dotted(key), file: file, known: known)
    }

    /// The array of tables `key` (`[[path.key]]`), each with its allowed keys.
    func arrayOfTables(_ key: String, known: [String]) throws(ConfigError) -> [TOMLTableReader] {
        guard let value = table[key] else { return [] }
        guard case .array(let elements) = value.kind else {
            throw error(.wrongType, key, "expected `[[\(dotted(key))]]` entries, got \(value.typeDescription)", fix: "write each entry as a `[[\(dotted(key))]]` section")
        }
        var readers: [TOMLTableReader] = []
        for (i, element) in elements.enumerated() {
            guard case .table(let inner) = element.kind else {
                throw ConfigError(
                    .wrongType, file: file, line: element.line, key: dotted(key), message: "expected a table, got \(element.typeDescription)",
                    fix: "write each entry as a `[[\(dotted(key))]]` section")
            }
            var table = inner
            if table.line == 0 { table.line = element.line }
            readers.append(try TOMLTableReader(table, path: "\(dotted(key))[\(i + 1)]", file: file, known: known))
        }
        return readers
    }

    /// `12`, `0.5`, `1e-06`: short and exact enough for messages.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
