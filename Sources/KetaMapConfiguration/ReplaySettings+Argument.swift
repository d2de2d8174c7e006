extension ReplaySettings {
    /// The parameters `replay:PATH?…` accepts.
    public static let argumentParameters = ["channels", "rate", "uv_per_bit", "stream", "loop"]

    /// Parses the command-line form `replay:PATH[?stream=NAME][&loop]` or
    /// `replay:PATH?channels=N&rate=HZ&uv_per_bit=X[&loop]` (the `replay:` prefix
    /// is optional; `loop` may also be `loop=true|false`).
    ///
    /// A KetaMap session file and an Open Ephys, SpikeGLX or Intan recording need
    /// no parameters (`stream` picks one stream of several); a headless interleaved
    /// int16 file needs all three of `channels`, `rate` and `uv_per_bit`: giving
    /// any of them says the file is headless. Nothing is opened here.
    /// Errors are `ConfigError`s whose `file` is `--source` and whose `key` is the parameter.
    public init(argument: String) throws(ConfigError) {
        var text = Substring(argument)
        if text.hasPrefix("replay:") { text = text.dropFirst("replay:".count) }
        let path: Substring
        var query: Substring = ""
        if let mark = text.firstIndex(of: "?") {
            path = text[..<mark]
            query = text[text.index(after: mark)...]
        } else {
            path = text
        }
        func error(_ code: ConfigError.Code, _ key: String?, _ message: String, _ fix: String) -> ConfigError {
            ConfigError(code, file: "--source", line: nil, key: key, message: message, fix: fix)
        }
        guard !path.isEmpty else {
            throw error(.missingKey, nil, "no file is named", "write `--source replay:/path/to/recording.dat?channels=64&rate=30000&uv_per_bit=0.195`")
        }
        var channels: Int?
        var rate: Double?
        var microvolts: Double?
        var stream: String?
        var loop = false
        var seen = Set<String>()
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : nil
            guard Self.argumentParameters.contains(key) else {
                throw error(.unknownKey, key, "unknown parameter `\(key)`", ConfigError.suggestion(for: key, in: Self.argumentParameters))
            }
            guard seen.insert(key).inserted else { throw error(.duplicate, key, "`\(key)` is given twice", "give each parameter once") }
            if key == "loop" {
                switch value {
                case nil, "true", "1": loop = true
                case "false", "0": loop = false
                default: throw error(.invalidValue, key, "`\(value!)` is not true or false", "write `&loop` (or `loop=false`)")
                }
                continue
            }
            guard let value, !value.isEmpty else { throw error(.missingKey, key, "`\(key)` has no value", "write `\(key)=VALUE`") }
            switch key {
            case "channels":
                guard let n = Int(value), (1...4096).contains(n) else {
                    throw error(.outOfRange, key, "`\(value)` is not a channel count between 1 and 4096", "write e.g. `channels=64`")
                }
                channels = n
            case "stream":
                stream = value
            case "rate":
                guard let hz = Double(value), hz.isFinite, hz > 0 else {
                    throw error(.outOfRange, key, "`\(value)` is not a positive rate in Hz", "write e.g. `rate=30000`")
                }
                rate = hz
            default:
                guard let uv = Double(value), uv.isFinite, uv > 0 else {
                    throw error(.outOfRange, key, "`\(value)` is not a positive number of µV per bit", "write e.g. `uv_per_bit=0.195` (Intan) or `uv_per_bit=2.34` (Neuropixels at gain 500)")
                }
                microvolts = uv
            }
        }
        if channels != nil || rate != nil || microvolts != nil {
            let example = "--source 'replay:\(path)?channels=64&rate=30000&uv_per_bit=0.195'"
            if channels == nil { throw error(.missingKey, "channels", "a raw int16 file needs its channel count", "add `channels=N`: \(example)") }
            if rate == nil { throw error(.missingKey, "rate", "a raw int16 file needs its sample rate", "add `rate=HZ`: \(example)") }
            if microvolts == nil { throw error(.missingKey, "uv_per_bit", "a raw int16 file needs its scale", "add `uv_per_bit=X`: \(example)") }
        }
        if stream != nil, channels != nil || rate != nil || microvolts != nil {
            throw error(.invalidValue, "stream", "a headless int16 file has no streams", "remove `stream`, or remove channels, rate and uv_per_bit to replay a recording with its own metadata")
        }
        self.init(path: String(path), channelCount: channels, sampleRateHz: rate, microvoltsPerBit: microvolts, stream: stream, loop: loop)
    }
}
