import Testing
import KetaMapConfiguration
import KetaMapCore

@Suite("TOML parser")
struct TOMLParserTests {
    func parse(_ text: String) throws(ConfigError) -> TOMLTable { try TOMLParser.parse(text, file: "t.toml") }

    /// One of each kind of value (also read by tomllib in `TOMLReferenceTests`).
    static let everyValueKind = #"""
        # comment
        a = 1_000          # trailing comment
        b = -2.5e3
        c = true
        d = "tab\there \"q\" \u00B5V"
        e = 'C:\raw\path'
        f = [1, 2,
             3,  # inside
        ]
        g = { x = 1, y = "z" }
        h = 0x1F
        i = inf
        j = """
        two
        lines"""
        "quoted key" = 'x'
        """#

    @Test("scalars, strings, arrays and inline tables, each with its line")
    func values() throws {
        let table = try parse(Self.everyValueKind)
        #expect(table["a"] == TOMLValue(.integer(1000), line: 2))
        #expect(table["b"]?.kind == .float(-2500))
        #expect(table["c"]?.kind == .boolean(true))
        #expect(table["d"]?.kind == .string("tab\there \"q\" µV"))
        #expect(table["e"]?.kind == .string(#"C:\raw\path"#))
        guard case .array(let f) = table["f"]?.kind else { Issue.record("f is an array"); return }
        #expect(f.map(\.kind) == [.integer(1), .integer(2), .integer(3)])
        #expect(f.map(\.line) == [7, 7, 8])
        guard case .table(let g) = table["g"]?.kind else { Issue.record("g is a table"); return }
        #expect(g["y"]?.kind == .string("z"))
        #expect(table["h"]?.kind == .integer(31))
        #expect(table["i"]?.kind == .float(.infinity))
        #expect(table["j"]?.kind == .string("two\nlines"))
        #expect(table["j"]?.line == 13)
        #expect(table["quoted key"]?.kind == .string("x"))
        #expect(table.keys == ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "quoted key"])
    }

    @Test("tables, nested tables and arrays of tables")
    func tables() throws {
        let table = try parse("""
            [source]
            kind = "sim"
            [source.comedi]
            device = "/dev/comedi0"
            [[schedule.dose]]
            at_seconds = 1
            [[schedule.dose]]
            at_seconds = 2
            """)
        guard case .table(let source) = table["source"]?.kind, case .table(let comedi) = source["comedi"]?.kind else {
            Issue.record("nested tables")
            return
        }
        #expect(source.line == 1 && comedi.line == 3)
        #expect(comedi["device"]?.kind == .string("/dev/comedi0"))
        guard case .table(let schedule) = table["schedule"]?.kind, case .array(let doses) = schedule["dose"]?.kind else {
            Issue.record("array of tables")
            return
        }
        #expect(doses.count == 2)
        #expect(doses.map(\.line) == [5, 7])
        guard case .table(let second) = doses[1].kind else { return }
        #expect(second["at_seconds"]?.kind == .integer(2))
    }

    @Test("syntax errors name their line", arguments: [
        ("a = 1\nb = \"open\n", 2),
        ("a = 1\n\nb = [1, 2\n", 4),
        ("a = 1\na = 2\n", 2),
        ("[x]\n[x]\n", 2),
        ("a = 1 2\n", 1),
        ("a.b = 1\n", 1),
        ("when = 2024-01-01\n", 1),
        ("a = \"bad \\q escape\"\n", 1),
        ("= 3\n", 1),
        ("a = 01\n", 1),
        ("dose = [{ a = 1 }]\n[[dose]]\n", 2),
        ("[dose]\n[[dose]]\n", 2),
    ])
    func syntaxErrors(text: String, line: Int) throws {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.file == "t.toml")
            #expect(!error.fix.isEmpty)
        }
    }
}
