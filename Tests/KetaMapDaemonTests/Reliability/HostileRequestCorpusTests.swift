import Foundation
import KetaMapControl
import KetaMapCore
import Testing

@testable import KetaMapDaemon
import KetaMapStorage

/// Hostile control requests: each gets exactly one refusal naming what is
/// wrong, and nothing is recorded; none crashes the parser or the dispatcher.
@Suite("Hostile request corpus")
struct HostileRequestCorpusTests {
    static func dose(_ fields: String) -> String { #"{"command":"dose","dose":{"# + fields + "}}" }
    static let valid = #""drug":"ketamine","unit":"mg/kg","route":"iv-bolus","operator":"","note":""#

    static let corpus: [String] = {
        var lines = [
            "", " ", "\t", "null", "true", "0", "-1", "1e308", "[]", "{}", "\"status\"", "[[[[[[[[[[", "{{{{", "}", "]",
            #"{"command":null}"#, #"{"command":1}"#, #"{"command":"shutdown"}"#, #"{"command":"STATUS"}"#, #"{"command":"dose"}"#,
            #"{"command":"dose","dose":null}"#, #"{"command":"dose","dose":[]}"#, #"{"command":"dose","dose":{}}"#,
            #"{"command":"status""#, #"{"command":"status"}}"#, #"{"command":"sta\u0000tus"}"#, "\u{FEFF}{\"command\":\"dose\"}",
            String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 50_000),
            String(repeating: "x", count: ControlRequest.maximumBytes + 1),
            #"{"command":"mark","text":""}"#, #"{"command":"mark","text":"   "}"#, #"{"command":"mark","text":5}"#,
            #"{"command":"mark"}"#,
        ]
        for amount in ["1e308", "-1e308", "0", "-0.5", "1e309", "\"0.5\"", "null", "NaN", "Infinity", "-Infinity", "99999999999999999999999999999"] {
            lines.append(dose(valid + #","amount":"# + amount))
        }
        for over in ["1e308", "1e9", "-1", "0", "\"40m\"", "1e309"] {
            lines.append(dose(#""drug":"ketamine","amount":0.5,"unit":"mg/kg","route":"iv-infusion","operator":"","note":"","overSeconds":"# + over))
        }
        for route in ["\"iv\"", "\"IV-BOLUS\"", "\"\"", "1", "null"] {
            lines.append(dose(#""drug":"ketamine","amount":0.5,"unit":"mg/kg","operator":"","note":"","route":"# + route))
        }
        for unit in ["\"g\"", "\"mg/kg/min/s\"", "\"\"", "7"] {
            lines.append(dose(#""drug":"ketamine","amount":0.5,"route":"iv-bolus","operator":"","note":"","unit":"# + unit))
        }
        for drug in ["\"\"", "\"   \"", "null", "3"] {
            lines.append(dose(#""amount":0.5,"unit":"mg/kg","route":"iv-bolus","operator":"","note":"","drug":"# + drug))
        }
        lines.append(dose(valid + #","amount":0.5,"atSample":18446744073709551616"#))
        lines.append(dose(valid + #","amount":0.5,"atSample":-1"#))
        lines.append(dose(valid + #","amount":0.5,"overSeconds":2400"#))  // a bolus with a duration
        return lines
    }()

    @Test("at least 60 hostile requests: each refused with a field and a reason, nothing recorded, none crashes")
    func everyOneRefused() async throws {
        #expect(Self.corpus.count >= 60)
        let fixture = try ControlFixture()
        let (dispatcher, desk, log) = (fixture.dispatcher, fixture.desk, fixture.log)
        let peer = PeerCredentials(uid: 0, gid: 0, pid: 1)
        for line in Self.corpus {
            let reply = await dispatcher.respond(toLine: Array(line.utf8), from: peer)
            #expect(reply.last == UInt8(ascii: "\n") && reply.dropLast().allSatisfy { $0 != UInt8(ascii: "\n") }, "exactly one reply line")
            let response = try JSONDecoder().decode(ControlResponse.self, from: Data(reply.dropLast()))
            #expect(!response.ok, "accepted: \(line.prefix(120))")
            #expect(response.error?.field.isEmpty == false && response.error?.reason.isEmpty == false)
        }
        await desk.drain()
        #expect(try EventLog.read(log.path).isEmpty, "nothing hostile reaches the event log")
    }
}
