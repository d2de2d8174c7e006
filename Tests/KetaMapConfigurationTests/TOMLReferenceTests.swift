import Foundation
import KetaMapConfiguration
import KetaMapTestSupport
import Testing

/// The TOML reader against Python's `tomllib` on the same documents: same
/// keys in the same order, same types, same values.
@Suite("TOML reader matches tomllib")
struct TOMLReferenceTests {
    static let documents: [(name: String, text: String)] = [
        ("default ketamapd.toml", DefaultConfiguration.configText),
        ("test fixture", ConfigFixture.toml),
        ("every value kind", TOMLParserTests.everyValueKind),
        ("tables, arrays of tables, other integer bases", #"""
            o = 0o17
            bin = 0b101
            n = -inf
            k = '''
            raw \n kept'''
            empty = []
            g = { x = 1, inner = { deep = [true, false] } }

            [table.sub]
            z = 1e-3

            [[list]]
            name = "first"

            [[list]]
            name = "second"
            values = [[1, 2], ["a"]]
            """#),
    ]

    @Test("same keys, types and values", arguments: documents.indices)
    func matchesTomllib(index: Int) async throws {
        let document = Self.documents[index]
        guard let python = ProcessRunner.python() else { return }
        let folder = try TemporaryFolder("toml")
        let path = folder.path("doc.toml")
        try document.text.write(toFile: path, atomically: true, encoding: .utf8)
        let tagged = Self.tag(.init(.table(try TOMLParser.parse(document.text, file: path)), line: 0))
        let json = try JSONSerialization.data(withJSONObject: tagged)
        let result = try await ProcessRunner.run(python, [ProcessRunner.pythonScript("toml_compare.py"), path], input: json)
        #expect(result.status == 0, "\(document.name): \(result.output)\(result.error)")
    }

    /// The Swift reader's value with its TOML type, in toml_compare.py's form.
    static func tag(_ value: TOMLValue) -> Any {
        switch value.kind {
        case .string(let text): return ["str": text]
        case .integer(let number): return ["int": number]
        case .float(let number): return ["float": number.isFinite ? "\(number)" : (number.isNaN ? "nan" : (number > 0 ? "inf" : "-inf"))]
        case .boolean(let flag): return ["bool": flag]
        case .array(let items): return items.map(tag)
        case .table(let table):
            // JSONSerialization does not keep key order: list the pairs, and let Python rebuild the dict.
            return ["table": table.keys.map { [$0, tag(table[$0]!)] }]
        }
    }
}
