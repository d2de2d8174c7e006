import KetaMapConfiguration
import KetaMapCore
import Testing

/// A session of two streams at two rates over one electrodes table.
enum StreamFixture {
    static let toml = """
        [session]
        description = "two streams"

        [subject]
        id = "sub-01"
        sex = "M"
        age = "P40Y"
        weight_kg = 70

        [[stream]]
        name = "seeg"
        kind = "sim"
        sample_rate_hz = 2000
        channels = "seeg.tsv"

        [[stream]]
        name = "micro"
        kind = "sim"
        sample_rate_hz = 30000
        channels = "micro.tsv"
        on_fault = "continue"

        [montage]
        electrodes = "electrodes.tsv"
        space = "ACPC"

        """

    static let seeg = """
        name\ttype\tunits\tlow_cutoff\thigh_cutoff\tgroup\tsampling_frequency\thardware_channel
        LA1\tSEEG\tuV\t0.1\t500\tLA\t2000\t0
        LA2\tSEEG\tuV\t0.1\t500\tLA\t2000\t1

        """

    static let micro = """
        name\ttype\tunits\tlow_cutoff\thigh_cutoff\tgroup\thardware_channel
        mLA1\tMICRO\tuV\tn/a\tn/a\tmLA\t0
        mLA2\tMICRO\tuV\tn/a\tn/a\tmLA\t1

        """

    static let electrodes = """
        name\tx\ty\tz\tsize\tgroup\themisphere\tregion
        LA1\t-22\t-4\t-20\t5.0\tLA\tL\tleft amygdala
        LA2\t-25.5\t-4\t-20\t5.0\tLA\tL\tleft amygdala
        mLA1\t-20\t-4\t-20\t0.0013\tmLA\tL\tleft amygdala
        mLA2\t-20\t-4\t-21\t0.0013\tmLA\tL\tleft amygdala

        """

    static func load(_ toml: String, files: [String: String] = [:]) throws(ConfigError) -> Configuration {
        let all = ["seeg.tsv": seeg, "micro.tsv": micro, "electrodes.tsv": electrodes].merging(files) { $1 }
        return try ConfigurationLoader.load(configText: toml, configPath: "/cfg/ketamapd.toml") { (path: String) throws(ConfigError) -> String in
            guard path.hasPrefix("/cfg/"), let text = all[String(path.dropFirst(5))] else {
                throw ConfigError(.unreadableFile, file: path, line: nil, key: nil, message: "no such file in the test", fix: "")
            }
            return text
        }
    }

    static func error(_ toml: String, files: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(toml, files: files)
            return nil
        } catch {
            return error
        }
    }

    /// `toml` with `old` replaced by `new` (which must occur).
    static func replacing(_ old: String, with new: String) -> String {
        precondition(toml.contains(old), "the fixture has \(old)")
        return toml.replacingOccurrences(of: old, with: new)
    }
}

@Suite("Streams")
struct StreamConfigurationTests {
    @Test("two [[stream]] tables load as two streams at their own rates, rows of one electrodes table")
    func twoStreams() throws {
        let configuration = try StreamFixture.load(StreamFixture.toml)
        let streams = configuration.streams
        #expect(streams.map(\.name) == ["seeg", "micro"])
        #expect(streams.map(\.source.sampleRateHz) == [2000, 30000])
        #expect(streams.map(\.onFault) == [.stop, .continue])
        #expect(streams[0].montage.channels.map(\.name) == ["LA1", "LA2"])
        #expect(streams[1].montage.channels.map(\.name) == ["mLA1", "mLA2"])
        #expect(streams[1].montage.channels.map(\.hardwareChannel) == [0, 1], "hardware channels count per card")
        #expect(configuration.montage.channels.map(\.name) == ["LA1", "LA2", "mLA1", "mLA2"], "the electrodes table: stream after stream")
        #expect(configuration.montage.groups.map(\.name) == ["LA", "mLA"])
        #expect(configuration.montage.coordinateSpace == "ACPC")
        #expect(streams.allSatisfy { $0.montage.coordinateSpace == "ACPC" })
        #expect(configuration.source == streams[0].source)
        #expect(streams[1].channelsPath == "/cfg/micro.tsv" && streams[1].channelsText == StreamFixture.micro)
    }

    @Test("a [source] config is one stream named main with the config's montage")
    func singleSource() throws {
        let configuration = try ConfigFixture.load(ConfigFixture.toml)
        #expect(!configuration.hasDeclaredStreams)
        #expect(configuration.streams.count == 1)
        #expect(configuration.streams[0].name == StreamSettings.singleStreamName)
        #expect(configuration.streams[0].montage == configuration.montage)
        #expect(configuration.streams[0].source == configuration.source)
        #expect(configuration.streams[0].onFault == .stop)
    }

    @Test(
        "a bad stream config names the file, line and key",
        arguments: [
            ("sample_rate_hz = 2000\nchannels = \"seeg.tsv\"", "sample_rate_hz = 2000\nchannels = \"seeg.tsv\"\non_fault = \"retry\"", "stream[1].on_fault", 15, ConfigError.Code.invalidValue),
            ("name = \"micro\"", "name = \"seeg\"", "stream[2].name", 17, .duplicate),
            ("name = \"micro\"", "name = \"micro wires\"", "stream[2].name", 17, .invalidValue),
            ("channels = \"micro.tsv\"\n", "", "stream[2].channels", 16, .missingKey),
            ("sample_rate_hz = 30000", "sample_rate_hz = 2500", "stream[2].sample_rate_hz", 19, .outOfRange),
            ("sample_rate_hz = 30000", "sample_rate_hz = 8000", "stream[2].sample_rate_hz", 19, .outOfRange),
            ("kind = \"sim\"\nsample_rate_hz = 30000", "kind = \"video\"\nsample_rate_hz = 30000", "stream[2].kind", 18, .invalidValue),
            ("space = \"ACPC\"", "space = \"ACPC\"\nchannels = \"seeg.tsv\"", "montage.channels", 26, .unknownKey),
        ])
    func badStream(old: String, new: String, key: String, line: Int, code: ConfigError.Code) throws {
        let error = try #require(StreamFixture.error(StreamFixture.replacing(old, with: new)))
        #expect(error.file == "/cfg/ketamapd.toml")
        #expect(error.key == key, "\(error)")
        #expect(error.line == line, "\(error)")
        #expect(error.code == code, "\(error)")
        #expect(!error.fix.isEmpty)
    }

    @Test("a stream's channels.tsv at another rate than the stream is refused in that file")
    func channelsAtAnotherRate() throws {
        let error = try #require(StreamFixture.error(StreamFixture.replacing("sample_rate_hz = 2000", with: "sample_rate_hz = 4000")))
        #expect(error.file == "/cfg/seeg.tsv" && error.key == "column sampling_frequency" && error.line == 2, "\(error)")
        #expect(error.code == .montage)
    }

    @Test("a channel recorded by two streams is refused, naming the stream that has it")
    func sharedChannel() throws {
        let micro = StreamFixture.micro.replacingOccurrences(of: "mLA2\tMICRO\tuV\tn/a\tn/a\tmLA", with: "LA2\tMICRO\tuV\tn/a\tn/a\tLA")
        let error = try #require(StreamFixture.error(StreamFixture.toml, files: ["micro.tsv": micro]))
        #expect(error.code == .duplicate && error.key == "stream[2].channels", "\(error)")
        #expect(error.message.contains("LA2") && error.message.contains("seeg"), "\(error)")
    }

    @Test("two comedi streams on one card are refused; on two cards they load")
    func oneCardOneStream() throws {
        let comedi = StreamFixture.toml.replacingOccurrences(of: "kind = \"sim\"", with: "kind = \"comedi\"")
        let same = try #require(StreamFixture.error(comedi))
        #expect(same.code == .duplicate && same.key == "stream[2].comedi.device", "\(same)")
        let twoCards = comedi.replacingOccurrences(of: "on_fault = \"continue\"\n", with: "on_fault = \"continue\"\n\n[stream.comedi]\ndevice = \"/dev/comedi1\"\n")
        let configuration = try StreamFixture.load(twoCards)
        #expect(configuration.streams.map(\.source.comedi.device) == ["/dev/comedi0", "/dev/comedi1"])
    }

    @Test("[source] and [[stream]] together are refused, and streams need [montage] electrodes")
    func sourceOrStreams() throws {
        let both = try #require(StreamFixture.error(StreamFixture.toml + "\n[source]\nkind = \"sim\"\nsample_rate_hz = 30000\n"))
        #expect(both.code == .duplicate && both.key == "source", "\(both)")
        let noMontage = try #require(StreamFixture.error(StreamFixture.replacing("[montage]\nelectrodes = \"electrodes.tsv\"\nspace = \"ACPC\"\n", with: "")))
        #expect(noMontage.code == .missingKey && noMontage.key == "montage", "\(noMontage)")
    }

    @Test("a schedule is refused when any stream is a card")
    func scheduleWithACard() throws {
        let toml = StreamFixture.toml.replacingOccurrences(of: "name = \"micro\"\nkind = \"sim\"", with: "name = \"micro\"\nkind = \"comedi\"")
            + "\n[[schedule.dose]]\nat_seconds = 1\ndrug = \"ketamine\"\namount = 0.5\nunit = \"mg/kg\"\nroute = \"iv-bolus\"\n"
        let error = try #require(StreamFixture.error(toml))
        #expect(error.key == "schedule.dose[1]" && error.message.contains("comedi"), "\(error)")
    }

    @Test("the example hybrid config over two cards loads: 64 sEEG contacts at 2 kHz, 8 microwires at 30 kHz")
    func exampleHybridConfig() throws {
        let configuration = try ConfigurationLoader.load(path: repositoryConfigDirectory + "/examples/hybrid-two-cards/ketamapd.toml")
        let streams = configuration.streams
        #expect(streams.map(\.name) == ["seeg", "micro"])
        #expect(streams.map(\.source.kind) == [.comedi, .comedi])
        #expect(streams.map(\.source.comedi.device) == ["/dev/comedi0", "/dev/comedi1"])
        #expect(streams.map(\.source.sampleRateHz) == [2000, 30000])
        #expect(streams.map(\.montage.channels.count) == [64, 8])
        #expect(streams[0].montage.channels.allSatisfy { $0.kind == .seeg })
        #expect(streams[1].montage.channels.allSatisfy { $0.kind == .micro })
        #expect(streams.map(\.onFault) == [.stop, .continue])
    }
}
