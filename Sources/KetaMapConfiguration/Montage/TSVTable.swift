/// A BIDS tab-separated table: a header row of column names, then one row per
/// line; `n/a` marks a missing value. Every cell remembers its line.
struct TSVTable {
    /// One data row: its 1-based line in the file and its cells by column.
    struct Row {
        var line: Int
        var cells: [String]
    }

    let file: String
    let columns: [String]
    let rows: [Row]

    /// Splits `text` into a header and rows; blank lines are skipped, `\r\n` is accepted.
    init(text: String, file: String) throws(ConfigError) {
        self.file = file
        var header: [String]?
        var rows: [Row] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                String($0).trimmingSpaces()
            }
            guard let columns = header else {
                if let empty = cells.firstIndex(of: "") {
                    throw ConfigError(
                        .syntax, file: file, line: lineNumber, key: nil, message: "column \(empty + 1) of the header row has no name",
                        fix: "name every column; separate columns with one tab")
                }
                var seen = Set<String>()
                for name in cells where !seen.insert(name).inserted {
                    throw ConfigError(
                        .duplicate, file: file, line: lineNumber, key: name, message: "column `\(name)` appears twice in the header",
                        fix: "keep one `\(name)` column")
                }
                header = cells
                continue
            }
            guard cells.count == columns.count else {
                throw ConfigError(
                    .syntax, file: file, line: lineNumber, key: nil,
                    message: "this row has \(cells.count) tab-separated cells but the header has \(columns.count) columns",
                    fix: "separate cells with exactly one tab and write `n/a` for an empty cell (spaces do not separate columns)")
            }
            rows.append(Row(line: lineNumber, cells: cells))
        }
        guard let columns = header else {
            throw ConfigError(
                .syntax, file: file, line: nil, key: nil, message: "the file is empty",
                fix: "write a header row of tab-separated column names, then one row per channel")
        }
        self.columns = columns
        self.rows = rows
    }

    /// Index of `column`, or nil.
    func index(of column: String) -> Int? {
        columns.firstIndex(of: column)
    }

    /// Throws unless every `required` column is present, and unless every present column is in `known`.
    func checkColumns(required: [String], known: [String], purpose: String) throws(ConfigError) {
        for name in required where index(of: name) == nil {
            throw ConfigError(
                .missingKey, file: file, line: 1, key: name, message: "the required column `\(name)` is missing (\(purpose))",
                fix: "add a `\(name)` column to the header row; the columns KetaMap reads are: \(known.joined(separator: ", "))")
        }
        for name in columns where !known.contains(name) {
            throw ConfigError(
                .unknownKey, file: file, line: 1, key: name, message: "unknown column `\(name)`",
                fix: ConfigError.suggestion(for: name, in: known))
        }
    }

    /// The cell of `row` in `column`; nil when the column is absent or the cell is `n/a` or empty.
    func cell(_ row: Row, _ column: String) -> String? {
        guard let i = index(of: column) else { return nil }
        let value = row.cells[i]
        return value.isEmpty || value == "n/a" ? nil : value
    }

    /// A cell that must be present.
    func required(_ row: Row, _ column: String, what: String) throws(ConfigError) -> String {
        guard let value = cell(row, column) else {
            throw error(row, column, .missingKey, "is empty; expected \(what)", fix: "fill in the `\(column)` cell")
        }
        return value
    }

    /// A cell holding a finite number, if present.
    func number(_ row: Row, _ column: String, unit: String) throws(ConfigError) -> Double? {
        guard let text = cell(row, column) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw error(row, column, .wrongType, "`\(text)` is not a number; expected a number in \(unit)", fix: "write e.g. 12.5, or n/a")
        }
        return value
    }

    /// A cell holding a whole number, if present.
    func integer(_ row: Row, _ column: String) throws(ConfigError) -> Int? {
        guard let text = cell(row, column) else { return nil }
        guard let value = Int(text) else {
            throw error(row, column, .wrongType, "`\(text)` is not a whole number", fix: "write a whole number such as 12")
        }
        return value
    }

    /// An error about one cell: file, line and column.
    func error(_ row: Row, _ column: String, _ code: ConfigError.Code, _ message: String, fix: String) -> ConfigError {
        ConfigError(code, file: file, line: row.line, key: "column \(column)", message: message, fix: fix)
    }
}

extension String {
    /// The string without leading and trailing spaces.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice = slice.dropFirst() }
        while slice.last == " " { slice = slice.dropLast() }
        return String(slice)
    }
}
