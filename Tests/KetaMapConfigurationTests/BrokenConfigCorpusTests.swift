import Foundation
import KetaMapConfiguration
import KetaMapCore
import KetaMapTestSupport
import Testing

/// Broken configurations, as an attacker or an unlucky clinic writes them:
/// every one is refused with a `ConfigError` naming the file (and, where there
/// is one, the line and key), and none crashes the loader. Numbers are
/// checked before they are converted or size anything.
@Suite("Broken config corpus")
struct BrokenConfigCorpusTests {
    /// The fixture with `key = value` set in `[table]` (added when missing).
    static func with(_ table: String, _ line: String) -> String {
        let header = "[\(table)]\n"
        if let range = ConfigFixture.toml.range(of: header) {
            var text = ConfigFixture.toml
            text.insert(contentsOf: line + "\n", at: range.upperBound)
            return text
        }
        return ConfigFixture.toml + "\n" + header + line + "\n"
    }

    /// Each entry: a name and a config text that must be refused.
    static let corpus: [(String, String)] = {
        var cases: [(String, String)] = []
        let huge = ["1e300", "1e308", "-1e308", "1e19", "9223372036854775807", "-9223372036854775808", "inf", "-inf", "nan", "0", "-1"]
        for value in huge { cases.append(("sample_rate_hz = \(value)", ConfigFixture.toml.replacingOccurrences(of: "sample_rate_hz = 30000", with: "sample_rate_hz = \(value)"))) }
        cases.append(("sample_rate_hz = 1e9", ConfigFixture.toml.replacingOccurrences(of: "sample_rate_hz = 30000", with: "sample_rate_hz = 1e9")))
        for value in ["1e300", "1e6", "-4", "0", "nan", "1e9"] { cases.append(("ring_seconds = \(value)", with("source", "ring_seconds = \(value)"))) }
        for value in ["0", "-1", "9223372036854775807", "99999999999", "1.5", "\"300\""] { cases.append(("block_frames = \(value)", with("source", "block_frames = \(value)"))) }
        for value in ["1e300", "0", "-1", "1e5"] { cases.append(("flush_seconds = \(value)", with("storage", "flush_seconds = \(value)"))) }
        for value in ["1e300", "0", "1e9"] { cases.append(("chunk_seconds = \(value)", with("storage", "chunk_seconds = \(value)"))) }
        for value in ["10", "-1", "99999999999999999999"] { cases.append(("deflate_level = \(value)", with("storage", "deflate_level = \(value)"))) }
        for value in ["1e300", "-1", "1e6"] { cases.append(("spike_refractory_ms = \(value)", with("processing", "spike_refractory_ms = \(value)"))) }
        for value in ["1e300", "0", "1e9"] { cases.append(("noise_window_seconds = \(value)", with("processing", "noise_window_seconds = \(value)"))) }
        for value in ["1e300", "-50", "nan"] { cases.append(("line_frequency_hz = \(value)", with("processing", "line_frequency_hz = \(value)"))) }
        for value in ["1e300", "0", "1e12"] { cases.append(("lfp_rate_hz = \(value)", with("processing", "lfp_rate_hz = \(value)"))) }
        for value in ["0", "1000"] { cases.append(("line_harmonics = \(value)", with("processing", "line_harmonics = \(value)"))) }
        for value in ["1e300", "-1", "1e6"] { cases.append(("buffer_seconds = \(value)", with("source.comedi", "buffer_seconds = \(value)"))) }
        for value in ["0", "99999999999"] { cases.append(("read_timeout_ms = \(value)", with("source.comedi", "read_timeout_ms = \(value)"))) }
        let dose = "drug = \"ketamine\"\namount = 0.5\nunit = \"mg/kg\"\nroute = \"iv-infusion\"\n"
        for (name, entry) in [
            ("at_seconds = 1e300", "at_seconds = 1e300\n" + dose + "over_seconds = 2400"),
            ("at_seconds = -1", "at_seconds = -1\n" + dose + "over_seconds = 2400"),
            ("over_seconds = 1e308", "at_seconds = 1\n" + dose + "over_seconds = 1e308"),
            ("over_seconds = 1e9", "at_seconds = 1\n" + dose + "over_seconds = 1e9"),
            ("amount = 1e308", "at_seconds = 1\ndrug = \"ketamine\"\namount = 1e308\nunit = \"mg/kg\"\nroute = \"iv-bolus\""),
            ("amount = nan", "at_seconds = 1\ndrug = \"ketamine\"\namount = nan\nunit = \"mg/kg\"\nroute = \"iv-bolus\""),
        ] {
            cases.append((name, ConfigFixture.toml + "\n[[schedule.dose]]\n" + entry + "\n"))
        }
        // Syntax and structure.
        cases.append(("200 000 nested arrays", ConfigFixture.toml + "\n[session]\nkeywords = " + String(repeating: "[", count: 200_000) + "\n"))
        cases.append(("200 000 nested inline tables", ConfigFixture.toml + "\nx = " + String(repeating: "{a = ", count: 200_000) + "\n"))
        cases.append(("33 nested arrays", with("session", "keywords = " + String(repeating: "[", count: 33) + "\"a\"" + String(repeating: "]", count: 33))))
        cases.append(("unterminated string", with("session", "description = \"never closed")))
        cases.append(("duplicate key", with("source", "kind = \"sim\"")))
        cases.append(("unknown key", with("source", "sample_rate = 30000")))
        cases.append(("unknown table", ConfigFixture.toml + "\n[sourse]\nkind = \"sim\"\n"))
        cases.append(("a word for a number", ConfigFixture.toml.replacingOccurrences(of: "sample_rate_hz = 30000", with: "sample_rate_hz = \"fast\"")))
        cases.append(("integer overflow literal", with("source", "block_frames = 99999999999999999999999999")))
        cases.append(("subject without id", ConfigFixture.toml.replacingOccurrences(of: "id = \"sub-01\"\n", with: "")))
        cases.append(("empty file", ""))
        cases.append(("binary junk", String(decoding: (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }, as: UTF8.self)))
        return cases
    }()

    @Test("at least 60 broken configs, each refused with a ConfigError naming the file; none crashes")
    func everyOneRefused() {
        #expect(Self.corpus.count >= 60)
        for (name, text) in Self.corpus {
            let error = ConfigFixture.error(text)
            #expect(error != nil, "\(name) was accepted")
            #expect(error?.description.contains("/cfg/ketamapd.toml") == true, "\(name): \(String(describing: error))")
        }
    }

    @Test("a FIFO, a device, a folder and a file over the size limit are refused as config files, without waiting")
    func nonRegularFiles() throws {
        let folder = try TemporaryFolder("cfg")
        let directory = folder.path
        let fifo = directory + "/fifo.toml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let big = directory + "/big.toml"
        #expect(FileManager.default.createFile(atPath: big, contents: Data(count: 5 << 20)))
        for path in [fifo, "/dev/zero", directory, big] {
            let started = Date()
            #expect(throws: ConfigError.self, "\(path)") { try ConfigurationLoader.load(path: path) }
            #expect(Date().timeIntervalSince(started) < 2, "\(path) was waited on")
        }
    }
}
