import KetaMapCore
import KetaMapConfiguration

/// `--source sim|comedi|replay:PATH[?stream=NAME|?channels=N&rate=HZ&uv_per_bit=X][&loop]`.
public enum SourceSpec: Sendable, Equatable {
    case simulated
    case comedi
    /// A KetaMap session file (`.nwb`), an Open Ephys, SpikeGLX or Intan recording, or a headless int16 file.
    case replay(ReplaySettings)

    /// Parses the command-line form; throws `SourceSpecError` (or the replay parser's `ConfigError`) when it is not one of the three.
    public static func parse(_ text: String) throws -> SourceSpec {
        switch text {
        case "sim", "simulated": return .simulated
        case "comedi": return .comedi
        default:
            guard text.hasPrefix("replay:") else {
                throw SourceSpecError(text: text, reason: "expected sim, comedi or replay:PATH")
            }
            return .replay(try ReplaySettings(argument: String(text.dropFirst("replay:".count))))
        }
    }
}

/// Why a `--source` value was refused.
public struct SourceSpecError: Error, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "--source \(text): \(reason)" }
}

extension SourceSpec {
    /// Which kind of source this is.
    public var kind: SourceSettings.Kind {
        switch self {
        case .simulated: .simulated
        case .comedi: .comedi
        case .replay: .replay
        }
    }

    /// The source a configuration names in `[source]`.
    public init(_ settings: SourceSettings) throws {
        switch settings.kind {
        case .simulated: self = .simulated
        case .comedi: self = .comedi
        case .replay:
            guard let replay = settings.replay else {
                throw SourceSpecError(text: "replay", reason: "the config's [source] kind is replay but it has no [source.replay] table")
            }
            self = .replay(replay)
        }
    }
}
