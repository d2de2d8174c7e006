import KetaMapControl
import KetaMapCore
import Testing

/// A line that is not a request is refused in the protocol's words: the field's
/// path and what it must be, never the decoder's own description of itself.
@Suite("Control request refusals")
struct ControlRequestParserTests {
    static func reason(_ line: String) -> String? {
        guard case .failure(let refusal) = ControlRequest.parse(Array(line.utf8)) else { return nil }
        return refusal.reason
    }

    @Test(
        "each malformed line names its field and what the field takes",
        arguments: [
            ("status please", "it is not JSON"),
            (#"[{"command":"status"}]"#, "it is not one JSON object"),
            (#"{"command":"STATUS"}"#, "command must be one of status, dose, void, weight, mark, stop"),
            (#"{"command":"void","eventID":"first","reason":"typo"}"#, "eventID must be a whole number from 0"),
            (#"{"command":"dose","dose":{"drug":"ketamine","amount":0.5,"unit":"mg/kg","operator":"","note":""}}"#, "dose.route is missing"),
            (#"{"command":"dose","dose":{"drug":"ketamine","amount":"half","unit":"mg/kg","route":"im"}}"#, "dose.amount must be a number"),
            (#"{"command":"dose","dose":{"drug":"ketamine","amount":0.5,"unit":"grams","route":"im"}}"#, "dose.unit must be one of mg, ug, mg/kg, ug/kg, mg/kg/h, ug/kg/min"),
        ])
    func refusals(_ line: String, _ expected: String) {
        #expect(Self.reason(line) == "is not a valid control request (\(expected))")
    }

    @Test("a number no field can hold is said to be out of range, not to be bad JSON", arguments: [#"{"command":"void","eventID":-1,"reason":"typo"}"#, #"{"command":"void","eventID":1e30,"reason":"typo"}"#])
    func outOfRange(_ line: String) {
        #expect(Self.reason(line) == "is not a valid control request (a number is out of its field's range: an id or a sample index is a whole number from 0)")
    }
}
