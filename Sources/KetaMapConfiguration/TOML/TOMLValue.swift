/// One value of a TOML document, with the line it was written on (1-based),
/// so that every configuration error can point at it.
public struct TOMLValue: Sendable, Equatable {
    /// The value itself.
    public enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    public var kind: Kind
    /// Line of the value (for a table: of its `[header]` or first key), 1-based.
    public var line: Int

    public init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    /// The TOML name of the value's type, for error messages ("a string", "an integer", ...).
    public var typeDescription: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A TOML table: keys in the order they were written, each with its value and line.
public struct TOMLTable: Sendable, Equatable {
    /// Keys in document order.
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    /// Line of the `[header]` (0 for the root table).
    public var line: Int
    /// `true` when the table was opened by a `[header]` of its own (not only implied by a deeper header).
    var isExplicit: Bool = false

    public init(line: Int) {
        self.line = line
    }

    /// The value for `key`, if present.
    public subscript(key: String) -> TOMLValue? {
        values[key]
    }

    /// Sets `key` (appending it to `keys` if new).
    public mutating func set(_ key: String, _ value: TOMLValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }
}
