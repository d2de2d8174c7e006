import ArgumentParser
import Foundation
import KetaMapCore

extension Route: ExpressibleByArgument {}
extension DoseUnit: ExpressibleByArgument {}

/// A duration such as `40m`, `90s`, `1h30m` or `2400` (seconds).
struct DurationArgument: ExpressibleByArgument, Sendable {
    let seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        guard let seconds = Self.parse(argument) else { return nil }
        self.seconds = seconds
    }

    static func parse(_ text: String) -> Double? {
        if let plain = Double(text) { return plain >= 0 ? plain : nil }
        var total = 0.0
        var number = ""
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let scale: Double
            switch character {
            case "h": scale = 3600
            case "m": scale = 60
            case "s": scale = 1
            default: return nil
            }
            guard let value = Double(number) else { return nil }
            total += value * scale
            number = ""
        }
        return number.isEmpty && total >= 0 ? total : nil
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
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { return nil }
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
