/// A small TOML parser for KetaMap's configuration files: no dependency, and
/// every value keeps the line it was written on.
///
/// Supported (TOML 1.0 subset): comments, `[table]` and `[a.b]` headers,
/// arrays of tables `[[schedule.dose]]`, bare and quoted keys, basic strings
/// with escapes, literal strings, multi-line basic and literal strings,
/// integers (decimal, `_` separators, `0x`/`0o`/`0b`), floats (`1.5`, `1e3`,
/// `inf`, `nan`), booleans, arrays (over several lines, trailing comma) and
/// inline tables `{ a = 1 }`. Not supported, and reported as such: dotted keys
/// on the left of `=` and dates (quote them instead).
public struct TOMLParser {
    private let bytes: [UInt8]
    private let file: String
    private var index = 0
    private var line = 1
    /// Dotted paths of the arrays made by `[[header]]`s (a `key = [...]` array cannot be extended by one).
    private var headerArrays: Set<String> = []
    /// Arrays and inline tables open around the value being parsed.
    private var depth = 0

    /// Deepest nesting of arrays and inline tables accepted (a config needs 2; the parser recurses per level).
    public static let maximumDepth = 32

    /// Parses `text`; errors name `file` and the line.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8), file: file)
        return try parser.parseDocument()
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: - Document

    private mutating func parseDocument() throws(ConfigError) -> TOMLTable {
        var root = TOMLTable(line: 0)
        root.isExplicit = true
        /// Path of the table that `key = value` lines go to; `arrayIndex` set when it is the last element of an array of tables.
        var currentPath: [String] = []
        while true {
            skipWhitespaceAndNewlinesAndComments()
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "[") {
                let headerLine = line
                advance()
                let isArray = peek() == UInt8(ascii: "[")
                if isArray { advance() }
                skipSpaces()
                let path = try parseHeaderPath()
                skipSpaces()
                try expect("]", what: isArray ? "`]]` closing the array-of-tables header" : "`]` closing the table header")
                if isArray { try expect("]", what: "`]]` closing the array-of-tables header") }
                try endOfLine()
                if isArray {
                    try appendTable(to: &root, path: path, line: headerLine)
                } else {
                    try openTable(in: &root, path: path, line: headerLine)
                }
                currentPath = path
            } else {
                let keyLine = line
                let key = try parseKey()
                skipSpaces()
                if peek() == UInt8(ascii: ".") {
                    throw error(
                        "dotted keys such as `\(key).…` are not supported",
                        fix: "write the key inside a `[\((currentPath + [key]).joined(separator: "."))]` table instead", key: key)
                }
                try expect("=", what: "`=` after the key `\(key)`")
                skipSpaces()
                let value = try parseValue()
                try endOfLine()
                try insert(key: key, value: value, at: currentPath, in: &root, line: keyLine)
            }
        }
        return root
    }

    // MARK: - Tables

    /// Resolves `path` through nested tables (following the last element of arrays of tables) and applies `body` to the table found.
    private func withTable(
        _ table: inout TOMLTable, path: ArraySlice<String>, line: Int, fullPath: [String],
        createMissing: Bool, _ body: (inout TOMLTable) throws(ConfigError) -> Void
    ) throws(ConfigError) {
        guard let first = path.first else {
            try body(&table)
            return
        }
        let dotted = fullPath.joined(separator: ".")
        var child: TOMLValue
        if let existing = table[first] {
            child = existing
        } else {
            guard createMissing else { return }
            child = TOMLValue(.table(TOMLTable(line: line)), line: line)
        }
        switch child.kind {
        case .table(var inner):
            try withTable(&inner, path: path.dropFirst(), line: line, fullPath: fullPath, createMissing: createMissing, body)
            child.kind = .table(inner)
        case .array(var elements):
            guard let last = elements.indices.last, case .table(var inner) = elements[last].kind else {
                throw error("`\(first)` is already a value (line \(child.line)), not a table", fix: "rename one of them", key: dotted)
            }
            try withTable(&inner, path: path.dropFirst(), line: line, fullPath: fullPath, createMissing: createMissing, body)
            elements[last].kind = .table(inner)
            child.kind = .array(elements)
        default:
            throw error("`\(first)` is already a value (line \(child.line)), not a table", fix: "rename one of them", key: dotted)
        }
        table.set(first, child)
    }

    private mutating func openTable(in root: inout TOMLTable, path: [String], line: Int) throws(ConfigError) {
        let parent = path.dropLast()
        let name = path.last!
        let dotted = path.joined(separator: ".")
        let file = self.file
        try withTable(&root, path: parent, line: line, fullPath: path, createMissing: true) { (table: inout TOMLTable) throws(ConfigError) in
            if let existing = table[name] {
                guard case .table(var inner) = existing.kind else {
                    throw ConfigError(
                        .duplicate, file: file, line: line, key: dotted,
                        message: "`[\(dotted)]` is already defined on line \(existing.line) as \(existing.typeDescription)",
                        fix: "write each table once")
                }
                if inner.isExplicit {
                    throw ConfigError(
                        .duplicate, file: file, line: line, key: dotted,
                        message: "table `[\(dotted)]` is already defined on line \(inner.line)",
                        fix: "merge the two `[\(dotted)]` sections into one")
                }
                inner.isExplicit = true
                inner.line = line
                table.set(name, TOMLValue(.table(inner), line: line))
            } else {
                var inner = TOMLTable(line: line)
                inner.isExplicit = true
                table.set(name, TOMLValue(.table(inner), line: line))
            }
        }
    }

    private mutating func appendTable(to root: inout TOMLTable, path: [String], line: Int) throws(ConfigError) {
        let parent = path.dropLast()
        let name = path.last!
        let dotted = path.joined(separator: ".")
        let file = self.file
        let madeByHeaders = headerArrays.contains(dotted)
        headerArrays.insert(dotted)
        try withTable(&root, path: parent, line: line, fullPath: path, createMissing: true) { (table: inout TOMLTable) throws(ConfigError) in
            var element = TOMLTable(line: line)
            element.isExplicit = true
            let newElement = TOMLValue(.table(element), line: line)
            if let existing = table[name] {
                guard case .array(var elements) = existing.kind, madeByHeaders else {
                    throw ConfigError(
                        .duplicate, file: file, line: line, key: dotted,
                        message: "`[[\(dotted)]]` clashes with `\(dotted)` defined on line \(existing.line) as \(existing.typeDescription)",
                        fix: "use either `[[\(dotted)]]` entries or one `\(name) = ...`, not both")
                }
                elements.append(newElement)
                table.set(name, TOMLValue(.array(elements), line: existing.line))
            } else {
                element.line = line
                table.set(name, TOMLValue(.array([newElement]), line: line))
            }
        }
    }

    private mutating func insert(key: String, value: TOMLValue, at path: [String], in root: inout TOMLTable, line: Int) throws(ConfigError) {
        let dotted = (path + [key]).joined(separator: ".")
        let file = self.file
        try withTable(&root, path: path[...], line: line, fullPath: path, createMissing: true) { (table: inout TOMLTable) throws(ConfigError) in
            if let existing = table[key] {
                throw ConfigError(
                    .duplicate, file: file, line: line, key: dotted,
                    message: "`\(key)` is already set on line \(existing.line)", fix: "keep only one `\(key) = ...` in this table")
            }
            table.set(key, value)
        }
    }

    // MARK: - Keys

    private mutating func parseHeaderPath() throws(ConfigError) -> [String] {
        var path: [String] = []
        while true {
            skipSpaces()
            path.append(try parseKey())
            skipSpaces()
            if peek() == UInt8(ascii: ".") {
                advance()
                continue
            }
            return path
        }
    }

    private mutating func parseKey() throws(ConfigError) -> String {
        guard let byte = peek() else { throw error("expected a key, found the end of the file", fix: "complete or remove the last line") }
        if byte == UInt8(ascii: "\"") {
            advance()
            return try parseBasicString()
        }
        if byte == UInt8(ascii: "'") {
            advance()
            return try parseLiteralString()
        }
        let start = index
        while let b = peek(), isBareKeyByte(b) { advance() }
        guard index > start else {
            throw error(
                "expected a key (letters, digits, `_`, `-`) but found `\(displayCharacter(byte))`",
                fix: "write `key = value`, `[table]` or `# comment` on each line")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    // MARK: - Values

    private mutating func parseValue() throws(ConfigError) -> TOMLValue {
        let valueLine = line
        guard let byte = peek() else { throw error("expected a value after `=`, found the end of the file", fix: "give the key a value") }
        if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
            guard depth < Self.maximumDepth else {
                throw error("arrays and inline tables are nested more than \(Self.maximumDepth) deep", fix: "a KetaMap config needs at most 2 levels")
            }
            depth += 1
        }
        defer { if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth -= 1 } }
        switch byte {
        case UInt8(ascii: "\""):
            if startsWith("\"\"\"") {
                index += 3
                return TOMLValue(.string(try parseMultilineBasicString()), line: valueLine)
            }
            advance()
            return TOMLValue(.string(try parseBasicString()), line: valueLine)
        case UInt8(ascii: "'"):
            if startsWith("'''") {
                index += 3
                return TOMLValue(.string(try parseMultilineLiteralString()), line: valueLine)
            }
            advance()
            return TOMLValue(.string(try parseLiteralString()), line: valueLine)
        case UInt8(ascii: "["):
            advance()
            return TOMLValue(.array(try parseArray()), line: valueLine)
        case UInt8(ascii: "{"):
            advance()
            return TOMLValue(.table(try parseInlineTable(line: valueLine)), line: valueLine)
        default:
            return try parseScalar(line: valueLine)
        }
    }

    private mutating func parseScalar(line valueLine: Int) throws(ConfigError) -> TOMLValue {
        let start = index
        while let b = peek(), !(b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") || b == UInt8(ascii: "#")
            || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t"))
        {
            advance()
        }
        let word = String(decoding: bytes[start..<index], as: UTF8.self)
        if word == "true" { return TOMLValue(.boolean(true), line: valueLine) }
        if word == "false" { return TOMLValue(.boolean(false), line: valueLine) }
        if word.isEmpty {
            throw error("expected a value after `=`", fix: "give the key a value: a number, \"text\", true/false or [a, list]", line: valueLine)
        }
        if let integer = Self.integer(word) { return TOMLValue(.integer(integer), line: valueLine) }
        if let float = Self.float(word) { return TOMLValue(.float(float), line: valueLine) }
        if word.count >= 10, word.contains("-"), word.first?.isNumber == true {
            throw error("dates and times are not supported (`\(word)`)", fix: "quote it: \"\(word)\"", line: valueLine)
        }
        throw error(
            "`\(word)` is not a TOML value", fix: "put text in double quotes (\"\(word)\"); numbers and true/false stay bare",
            line: valueLine)
    }

    static func integer(_ word: String) -> Int64? {
        var text = Substring(word)
        var sign: Int64 = 1
        if text.first == "+" || text.first == "-" {
            if text.first == "-" { sign = -1 }
            text = text.dropFirst()
        }
        var radix = 10
        if text.hasPrefix("0x") { radix = 16 } else if text.hasPrefix("0o") { radix = 8 } else if text.hasPrefix("0b") { radix = 2 }
        if radix != 10 {
            guard sign == 1, word.first != "+" else { return nil }
            text = text.dropFirst(2)
        }
        guard !text.isEmpty, text.first != "_", text.last != "_", !text.contains("__") else { return nil }
        let digits = text.filter { $0 != "_" }
        if radix == 10, digits.count > 1, digits.first == "0" { return nil }
        guard let value = Int64(digits, radix: radix) else { return nil }
        return sign * value
    }

    static func float(_ word: String) -> Double? {
        switch word {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        guard word.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return nil }
        guard !word.contains("__"), word.last != "_", !word.contains("._"), !word.contains("_.") else { return nil }
        let text = word.filter { $0 != "_" }
        // TOML wants digits on both sides of the point.
        if let dot = text.firstIndex(of: ".") {
            let before = text[text.startIndex..<dot].last
            let after = text[text.index(after: dot)...].first
            guard before?.isNumber == true, after?.isNumber == true else { return nil }
        }
        guard text.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { return nil }
        return Double(text)
    }

    private mutating func parseArray() throws(ConfigError) -> [TOMLValue] {
        var elements: [TOMLValue] = []
        while true {
            skipWhitespaceAndNewlinesAndComments()
            if peek() == UInt8(ascii: "]") {
                advance()
                return elements
            }
            guard peek() != nil else { throw error("this array is never closed", fix: "add `]` after its last element") }
            elements.append(try parseValue())
            skipWhitespaceAndNewlinesAndComments()
            if peek() == UInt8(ascii: ",") {
                advance()
            } else if peek() == UInt8(ascii: "]") {
                advance()
                return elements
            } else {
                throw error("expected `,` or `]` in the array", fix: "separate array elements with commas")
            }
        }
    }

    private mutating func parseInlineTable(line tableLine: Int) throws(ConfigError) -> TOMLTable {
        var table = TOMLTable(line: tableLine)
        table.isExplicit = true
        skipSpaces()
        if peek() == UInt8(ascii: "}") {
            advance()
            return table
        }
        while true {
            skipSpaces()
            let keyLine = line
            let key = try parseKey()
            skipSpaces()
            try expect("=", what: "`=` after the key `\(key)`")
            skipSpaces()
            let value = try parseValue()
            if table[key] != nil {
                throw ConfigError(
                    .duplicate, file: file, line: keyLine, key: key, message: "`\(key)` appears twice in this inline table",
                    fix: "keep one")
            }
            table.set(key, value)
            skipSpaces()
            if peek() == UInt8(ascii: ",") {
                advance()
            } else if peek() == UInt8(ascii: "}") {
                advance()
                return table
            } else {
                throw error("expected `,` or `}` in the inline table", fix: "inline tables stay on one line: `{ a = 1, b = 2 }`")
            }
        }
    }

    // MARK: - Strings

    private mutating func parseBasicString() throws(ConfigError) -> String {
        var out: [UInt8] = []
        while true {
            guard let b = peek(), b != UInt8(ascii: "\n") else {
                throw error("this string is never closed", fix: "add the closing `\"` on the same line")
            }
            advance()
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                try parseEscape(into: &out)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func parseMultilineBasicString() throws(ConfigError) -> String {
        var out: [UInt8] = []
        if peek() == UInt8(ascii: "\n") { advanceLine() } else if startsWith("\r\n") { index += 1; advanceLine() }
        while true {
            guard let b = peek() else { throw error("this multi-line string is never closed", fix: "end it with `\"\"\"`") }
            if startsWith("\"\"\"") {
                index += 3
                // Up to two quotes right before the closing delimiter belong to the string.
                while peek() == UInt8(ascii: "\"") {
                    out.append(b)
                    advance()
                }
                return String(decoding: out, as: UTF8.self)
            }
            if b == UInt8(ascii: "\n") {
                advanceLine()
                out.append(b)
            } else if b == UInt8(ascii: "\\") {
                advance()
                // A backslash at the end of a line trims the newline and the following whitespace.
                var probe = index
                while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
                if probe < bytes.count, bytes[probe] == UInt8(ascii: "\n") || bytes[probe] == UInt8(ascii: "\r") {
                    index = probe
                    skipWhitespaceAndNewlines()
                } else {
                    try parseEscape(into: &out)
                }
            } else {
                advance()
                out.append(b)
            }
        }
    }

    private mutating func parseLiteralString() throws(ConfigError) -> String {
        let start = index
        while true {
            guard let b = peek(), b != UInt8(ascii: "\n") else {
                throw error("this string is never closed", fix: "add the closing `'` on the same line")
            }
            if b == UInt8(ascii: "'") { break }
            advance()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        advance()
        return text
    }

    private mutating func parseMultilineLiteralString() throws(ConfigError) -> String {
        if peek() == UInt8(ascii: "\n") { advanceLine() } else if startsWith("\r\n") { index += 1; advanceLine() }
        let start = index
        while !startsWith("'''") {
            guard let b = peek() else { throw error("this multi-line string is never closed", fix: "end it with `'''`") }
            if b == UInt8(ascii: "\n") { advanceLine() } else { advance() }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 3
        return text
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(ConfigError) {
        guard let e = peek() else { throw error("the string ends in the middle of an escape", fix: "close the string") }
        advance()
        switch e {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = e == UInt8(ascii: "u") ? 4 : 8
            guard index + count <= bytes.count,
                let scalarValue = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(scalarValue)
            else {
                throw error("invalid unicode escape", fix: "write \\u followed by 4 hex digits (or \\U and 8)")
            }
            index += count
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error(
                "unknown escape `\\\(displayCharacter(e))` in a string",
                fix: "write `\\\\` for a backslash, or use a 'literal string' (single quotes) for paths")
        }
    }

    // MARK: - Lexing helpers

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func advance() { index += 1 }

    private mutating func advanceLine() {
        index += 1
        line += 1
    }

    private func startsWith(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let pointer = text.utf8Start
        for i in 0..<count where bytes[index + i] != pointer[i] { return false }
        return true
    }

    private mutating func skipSpaces() {
        while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { advance() }
    }

    private mutating func skipWhitespaceAndNewlines() {
        while let b = peek() {
            if b == UInt8(ascii: "\n") {
                advanceLine()
            } else if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                advance()
            } else {
                return
            }
        }
    }

    private mutating func skipWhitespaceAndNewlinesAndComments() {
        while true {
            skipWhitespaceAndNewlines()
            guard peek() == UInt8(ascii: "#") else { return }
            while let b = peek(), b != UInt8(ascii: "\n") { advance() }
        }
    }

    /// After a value or header: optional spaces and comment, then a newline or the end.
    private mutating func endOfLine() throws(ConfigError) {
        skipSpaces()
        if peek() == UInt8(ascii: "#") {
            while let b = peek(), b != UInt8(ascii: "\n") { advance() }
        }
        if peek() == UInt8(ascii: "\r") { advance() }
        guard let b = peek() else { return }
        guard b == UInt8(ascii: "\n") else {
            throw error(
                "unexpected `\(displayCharacter(b))` after the value", fix: "put one `key = value` per line; start comments with `#`")
        }
        advanceLine()
    }

    private mutating func expect(_ character: Unicode.Scalar, what: String) throws(ConfigError) {
        guard peek() == UInt8(ascii: character) else {
            let found = peek().map { "`\(displayCharacter($0))`" } ?? "the end of the file"
            throw error("expected \(what), found \(found)", fix: "see the example in config/ketamapd.toml")
        }
        advance()
    }

    private func displayCharacter(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\n"): "end of line"
        case 0x20...0x7E: String(UnicodeScalar(byte))
        default: "byte 0x" + String(byte, radix: 16)
        }
    }

    private func error(_ message: String, fix: String, key: String? = nil, line: Int? = nil) -> ConfigError {
        ConfigError(.syntax, file: file, line: line ?? self.line, key: key, message: message, fix: fix)
    }
}
