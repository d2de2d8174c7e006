import Testing
import KetaMapConfiguration
import KetaMapCore

@Suite("--source replay:PATH?… argument")
struct ReplayArgumentTests {
    @Test("a raw file with every parameter")
    func full() throws {
        let settings = try ReplaySettings(argument: "replay:/data/rec.dat?channels=64&rate=30000&uv_per_bit=0.195&loop")
        #expect(settings == ReplaySettings(path: "/data/rec.dat", channelCount: 64, sampleRateHz: 30000, microvoltsPerBit: 0.195, loop: true))
        let noLoop = try ReplaySettings(argument: "rec.bin?uv_per_bit=2.34&rate=2500&channels=385&loop=false")
        #expect(noLoop == ReplaySettings(path: "rec.bin", channelCount: 385, sampleRateHz: 2500, microvoltsPerBit: 2.34, loop: false))
    }

    @Test("a KetaMap session file needs no parameters")
    func sessionFile() throws {
        #expect(try ReplaySettings(argument: "replay:/var/lib/ketamap/sessions/20260101T000000Z.nwb") == ReplaySettings(path: "/var/lib/ketamap/sessions/20260101T000000Z.nwb"))
    }

    @Test("errors name the parameter and say how to write it", arguments: [
        ("replay:rec.dat?channels=64&rate=30000", "uv_per_bit", ConfigError.Code.missingKey),
        ("replay:rec.dat?rate=30000&uv_per_bit=1", "channels", .missingKey),
        ("replay:rec.dat?channels=0&rate=30000&uv_per_bit=1", "channels", .outOfRange),
        ("replay:rec.dat?channels=4&rate=-1&uv_per_bit=1", "rate", .outOfRange),
        ("replay:rec.dat?channels=4&rate=30000&uv_per_bit=abc", "uv_per_bit", .outOfRange),
        ("replay:rec.dat?chanels=4&rate=30000&uv_per_bit=1", "chanels", .unknownKey),
        ("replay:rec.dat?channels=4&channels=5&rate=1&uv_per_bit=1", "channels", .duplicate),
        ("replay:rec.dat?channels=4&rate=1&uv_per_bit=1&loop=maybe", "loop", .invalidValue),
    ])
    func errors(argument: String, key: String, code: ConfigError.Code) throws {
        do {
            _ = try ReplaySettings(argument: argument)
            Issue.record("\(argument) was accepted")
        } catch {
            #expect(error.code == code, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.file == "--source")
            #expect(!error.fix.isEmpty)
        }
    }

    @Test("a typo in a parameter gets a suggestion")
    func suggestion() throws {
        do {
            _ = try ReplaySettings(argument: "replay:rec.dat?chanels=4&rate=30000&uv_per_bit=1")
        } catch {
            #expect(error.description.contains("did you mean `channels`"))
        }
    }
}
