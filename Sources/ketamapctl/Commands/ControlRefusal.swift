import KetaMapControl

/// A session's refusal, printed as the session worded it.
struct ControlRefusal: Error, CustomStringConvertible {
    let description: String

    init(_ response: ControlResponse) {
        description = response.error.map { "refused: \($0.field) \($0.reason)" } ?? "the session gave no answer"
    }
}
