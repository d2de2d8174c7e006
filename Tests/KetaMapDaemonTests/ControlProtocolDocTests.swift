import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// `docs/control-protocol.md` is what a script writer builds on: every
/// example request in it is sent, as written, to a running `ketamapd`, and the
/// reply must have the documented shape.
@Suite("docs/control-protocol.md against a running daemon", .serialized)
struct ControlProtocolDocTests {
    typealias Workspace = EndToEndTests.Workspace

    /// One example of the doc: a request line (```` ```json request ````) and the reply shown after it (```` ```json reply ````).
    struct Example {
        let request: String
        let reply: JSON
    }

    static var doc: String {
        get throws { try String(contentsOf: ProcessRunner.repositoryRoot.appendingPathComponent("docs/control-protocol.md"), encoding: .utf8) }
    }

    /// The keys the doc's "Optional keys" line names: a reply leaves them out when they have no value.
    static func optionalKeys() throws -> Set<String> {
        let text = try doc
        guard let start = text.range(of: "Optional keys") else { return [] }
        let paragraph = text[start.lowerBound...].prefix { $0 != "." }
        return Set(paragraph.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
    }

    static func examples() throws -> [Example] {
        let doc = try doc
        var blocks: [(kind: String, text: String)] = []
        var current: (kind: String, lines: [String])?
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if var block = current {
                if line == "```" {
                    blocks.append((block.kind, block.lines.joined(separator: "\n")))
                    current = nil
                } else {
                    block.lines.append(line)
                    current = block
                }
            } else if line.hasPrefix("```") {
                current = (String(line.dropFirst(3)), [])
            }
        }
        var examples: [Example] = []
        var request: String?
        for block in blocks {
            switch block.kind {
            case "json request":
                #expect(request == nil, "two requests without a reply between them")
                request = block.text
            case "json reply":
                let sent = try #require(request, "a reply without its request: \(block.text)")
                examples.append(Example(request: sent, reply: try JSON.parse(block.text)))
                request = nil
            default: continue
            }
        }
        return examples
    }

    /// A JSON value as the doc and the wire have it, by kind.
    indirect enum JSON: Decodable, CustomStringConvertible {
        case object([String: JSON]), array([JSON]), string(String), number(Double), bool(Bool), null

        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let value = try? single.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? single.decode(Double.self) {
                self = .number(value)
            } else if let value = try? single.decode(String.self) {
                self = .string(value)
            } else if let value = try? single.decode([JSON].self) {
                self = .array(value)
            } else {
                self = .object(try single.decode([String: JSON].self))
            }
        }

        static func parse(_ text: String) throws -> JSON { try JSONDecoder().decode(JSON.self, from: Data(text.utf8)) }

        var kind: String {
            switch self {
            case .object: "object"
            case .array: "array"
            case .string: "string"
            case .number: "number"
            case .bool: "boolean"
            case .null: "null"
            }
        }

        var description: String {
            switch self {
            case .string(let text): "\"\(text)\""
            case .number(let value): "\(value)"
            case .bool(let value): "\(value)"
            default: kind
            }
        }
    }

    /// Where `actual` differs in shape from `documented`: the same keys, each
    /// value of the same JSON kind (arrays by their first element; `null`
    /// stands for a value not yet known); `ok` and an error's `field` must be
    /// equal, not only of the same kind; a documented optional key may be left out.
    static func shapeDifferences(_ documented: JSON, _ actual: JSON, at path: String = "", optional: Set<String>) -> [String] {
        switch (documented, actual) {
        case (.null, _), (_, .null):
            return []  // a value not yet known (a band power before its first estimate)
        case (.object(let d), .object(let a)):
            var problems: [String] = []
            for key in Set(d.keys).subtracting(a.keys).subtracting(optional).sorted() { problems.append("\(path).\(key) is documented but not sent") }
            for key in Set(a.keys).subtracting(d.keys).sorted() { problems.append("\(path).\(key) is sent but not documented") }
            for key in Set(d.keys).intersection(a.keys).sorted() {
                if key == "ok" || (key == "field" && path.hasSuffix(".error")), d[key]!.description != a[key]!.description {
                    problems.append("\(path).\(key) is \(a[key]!), documented \(d[key]!)")
                }
                problems += shapeDifferences(d[key]!, a[key]!, at: "\(path).\(key)", optional: optional)
            }
            return problems
        case (.array(let d), .array(let a)):
            guard let first = d.first, let other = a.first else { return [] }
            return shapeDifferences(first, other, at: "\(path)[0]", optional: optional)
        default:
            return documented.kind == actual.kind ? [] : ["\(path) is a \(actual.kind) (\(actual)), documented a \(documented.kind) (\(documented))"]
        }
    }

    @Test("every example request in docs/control-protocol.md, sent to a running ketamapd, gets a reply of the documented shape; the last (stop) ends the session with exit 0")
    func examplesMatchTheDaemon() async throws {
        let examples = try Self.examples()
        let optional = try Self.optionalKeys()
        #expect(optional.contains("diskHoursLeft") && optional.contains("fault"), "\(optional)")
        #expect(examples.count >= 10, "the doc shows every request and error: \(examples.count) examples")
        let workspace = try Workspace(doseAt: nil)
        let daemon = try await workspace.startDaemon(session: "doc")
        for example in examples {
            let socket = try RawControlSocket(path: workspace.socketPath)  // one connection per request, as ketamapctl does
            try socket.send(example.request)
            guard case .line(let line) = socket.readLine(timeoutSeconds: 30) else {
                Issue.record("no reply to \(example.request)")
                continue
            }
            if ProcessInfo.processInfo.environment["KETAMAP_PRINT_REPLIES"] != nil { print("REQUEST \(example.request)\nREPLY \(line)") }
            let actual = try JSON.parse(line)
            let problems = Self.shapeDifferences(example.reply, actual, optional: optional)
            #expect(problems.isEmpty, "\(example.request):\n\(problems.joined(separator: "\n"))")
        }
        #expect(examples.last?.request.contains(#""command":"stop""#) == true, "the doc's last example stops the session")
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "\(ended.error)")
    }
}
