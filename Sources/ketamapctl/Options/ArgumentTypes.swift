import ArgumentParser
import Foundation
import KetaMapCore

extension Route: ExpressibleByArgument {}
extension DoseUnit: ExpressibleByArgument {}

/// A number as it is typed at a bedside: digits with at most one decimal point,
/// perhaps a sign. Swift's `Double(_:)` also reads `0x48` (72), `1e1` and `nan`,
/// which nobody means for a dose or a weight.
struct PlainNumber: ExpressibleByArgument, Sendable {
    let value: Double

    init?(argument: String) {
        guard let value = Self.parse(argument) else { return nil }
        self.value = value
    }

    static func parse<S: StringProtocol>(_ text: S) -> Double? {
        let unsigned = text.first == "-" || text.first == "+" ? text.dropFirst() : text[...]
        guard unsigned.contains(where: \.isASCIIDigit), unsigned.allSatisfy({ $0.isASCIIDigit || $0 == "." }), unsigned.filter({ $0 == "." }).count <= 1
        else { return nil }
        return Double(String(text))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// A duration such as `40m`, `90s`, `1h30m` or `2400` (seconds).
struct DurationArgument: ExpressibleByArgument, Sendable {
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        guard let seconds = Self.parse(argument) else { return nil }
        self.seconds = seconds
    }

    /// Seconds, or nil unless `text` is a plain number or numbers each followed by
    /// `h`, `m` or `s`, each unit at most once and in that order (`1h1h` is a slip).
    static func parse(_ text: String) -> Double? {
        if let plain = PlainNumber.parse(text) { return plain >= 0 ? plain : nil }
        let scales: [Character: Double] = ["h": 3600, "m": 60, "s": 1]
        var total = 0.0
        var number = ""
        var largestAllowed = Double.infinity
        for character in text {
            guard let scale = scales[character] else {
                number.append(character)
                continue
            }
            guard scale < largestAllowed, let value = PlainNumber.parse(number), value >= 0 else { return nil }
            total += value * scale
            largestAllowed = scale
            number = ""
        }
        return number.isEmpty && !text.isEmpty ? total : nil
    }

    /// The duration as it is typed: `10m`, `1h30m`, `2.5s`.
    static func text(_ seconds: Double) -> String {
        guard seconds < 1e9 else { return "\(seconds)s" }  // 31 years: Int(_:) of far larger values traps
        let hours = Int(seconds / 3600), minutes = Int(seconds.truncatingRemainder(dividingBy: 3600) / 60)
        let rest = seconds - Double(hours * 3600 + minutes * 60)
        var text = (hours > 0 ? "\(hours)h" : "") + (minutes > 0 ? "\(minutes)m" : "")
        if rest > 0 || text.isEmpty { text += rest == rest.rounded() ? "\(Int(rest))s" : "\(rest)s" }
        return text
    }

    /// What `--help` shows as the default: the duration as it is typed, not the type's fields.
    var defaultValueDescription: String { Self.text(seconds) }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A body weight such as `72`, `72kg` or `72 kg`, in kg.
struct KilogramsArgument: ExpressibleByArgument, Sendable {
    let value: Double

    init?(argument: String) {
        var text = argument.lowercased()
        if text.hasSuffix("kg") { text.removeLast(2) }
        guard let value = PlainNumber.parse(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        self.value = value
    }
}

/// A window after the dose such as `5m..30m`.
struct TimeWindow: ExpressibleByArgument, Sendable {
    let startSeconds: Double
    let endSeconds: Double

    init(startSeconds: Double, endSeconds: Double) {
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
    }

    init?(argument: String) {
        let parts = argument.components(separatedBy: "..")
        guard parts.count == 2, let start = DurationArgument.parse(parts[0]), let end = DurationArgument.parse(parts[1]), end > start else {
            return nil
        }
        self.init(startSeconds: start, endSeconds: end)
    }

    /// What `--help` shows as the default: the window as it is typed.
    var defaultValueDescription: String { "\(DurationArgument.text(startSeconds))..\(DurationArgument.text(endSeconds))" }
}
