import Testing
import KetaMapConfiguration
import KetaMapCore
import KetaMapDSP

@Suite("Configuration loading")
struct ConfigurationLoaderTests {
    @Test("a minimal file loads, and every absent key takes the model's default")
    func minimalDefaults() throws {
        let config = try ConfigFixture.load(ConfigFixture.toml)
        #expect(config.session.description == "test session")
        #expect(config.session.outputDirectory == SessionSettings(description: "").outputDirectory)
        #expect(config.subject.species == "Homo sapiens")
        #expect(config.subject.sex == .male)
        #expect(config.source.kind == .simulated)
        #expect(config.source.sampleRateHz == 30000)
        #expect(config.source.framesPerBlock == 300)
        #expect(config.source.comedi == ComediSettings())
        #expect(config.processing == ProcessingSettings())
        #expect(config.storage == StorageSettings())
        #expect(config.simulator == SimulatorSettings())
        #expect(config.schedule.isEmpty)
        #expect(config.montage.channels.map(\.name) == ["LA1", "LA2", "mLA1"])
        #expect(config.montage.channels[1].isGood == false)
        #expect(config.montage.channels[2].kind == .micro)
        #expect(config.montage.channels[0].units == "µV")
        #expect(abs(config.montage.channels[1].alongShaftMillimeters - 3.5) < 1e-9)
        #expect(config.montage.groups.map(\.name) == ["LA", "mLA"])
        #expect(config.montage.groups[0].region == "left amygdala")
        #expect(config.provenance.channelsText == ConfigFixture.channels)
    }

    @Test("an unknown key names file, line and key and suggests the close one")
    func unknownKey() throws {
        let toml = ConfigFixture.toml.replacingFirst("sample_rate_hz = 30000", with: "sample_rte_hz = 30000")
        let error = try #require(ConfigFixture.error(toml))
        #expect(error.code == .unknownKey)
        #expect(error.file == "/cfg/ketamapd.toml")
        #expect(error.line == 11)
        #expect(error.key == "source.sample_rte_hz")
        #expect(error.description.contains("did you mean `sample_rate_hz`"))
        #expect(error.description.hasPrefix("/cfg/ketamapd.toml:11: source.sample_rte_hz: "))
    }

    @Test("an unknown table is an error")
    func unknownTable() throws {
        let error = try #require(ConfigFixture.error(ConfigFixture.toml + "[procesing]\nenabled = true\n"))
        #expect(error.code == .unknownKey)
        #expect(error.key == "procesing")
        #expect(error.line == 16)
        #expect(error.description.contains("did you mean `processing`"))
    }

    @Test("a value of the wrong type says what was expected")
    func wrongType() throws {
        let toml = ConfigFixture.toml.replacingFirst("sample_rate_hz = 30000", with: "sample_rate_hz = \"30 kHz\"")
        let error = try #require(ConfigFixture.error(toml))
        #expect(error.code == .wrongType)
        #expect(error.line == 11)
        #expect(error.key == "source.sample_rate_hz")
        #expect(error.message.contains("a number in Hz"))
    }

    @Test("out-of-range numbers are refused", arguments: [
        ("sample_rate_hz = -5", "source.sample_rate_hz", "sample_rate_hz = 30000"),
        ("[processing]\nspike_low_hz = 7000", "processing.spike_high_hz", nil),
        ("[processing]\nlfp_rate_hz = 200", "processing.lfp_rate_hz", nil),
        // The rules SignalProcessor applies at the real rate, checked here at the configured one.
        ("[processing]\nlfp_rate_hz = 7000", "processing.lfp_rate_hz", nil),
        ("[processing]\nband_power_rate_hz = 7", "processing.band_power_rate_hz", nil),
        ("[storage]\ndeflate_level = 12", "storage.deflate_level", nil),
        ("[simulator]\nonset_seconds = 400", "simulator.onset_seconds", nil),
        ("[source.comedi]\nrate_tolerance_percent = 150", "source.comedi.rate_tolerance_percent", nil),
        ("[simulator]\npeak_seconds = 900\nhalf_life_seconds = 600", "simulator.peak_seconds", nil),
    ] as [(String, String, String?)])
    func outOfRange(edit: String, key: String, replacing: String?) throws {
        var toml = ConfigFixture.toml
        if let replacing { toml = toml.replacingFirst(replacing, with: edit) } else {
            toml = toml.replacingFirst("[montage]", with: "\(edit)\n\n[montage]")
        }
        let error = try #require(ConfigFixture.error(toml))
        #expect(error.code == .outOfRange, "\(error)")
        #expect(error.key == key, "\(error)")
        #expect(error.line != nil)
    }

    @Test("the montage states its coordinates' space; a name BIDS cannot hold is refused; unstated is Other")
    func coordinateSpace() throws {
        #expect(try ConfigFixture.load(ConfigFixture.toml).montage.coordinateSpace == "Other")
        let stated = ConfigFixture.toml.replacingFirst("electrodes = \"electrodes.tsv\"", with: "electrodes = \"electrodes.tsv\"\nspace = \"ACPC\"")
        #expect(try ConfigFixture.load(stated).montage.coordinateSpace == "ACPC")
        #expect(try ConfigurationLoader.loadDefault().montage.coordinateSpace == "MNI152NLin2009cAsym")
        let bad = ConfigFixture.toml.replacingFirst("electrodes = \"electrodes.tsv\"", with: "electrodes = \"electrodes.tsv\"\nspace = \"MNI 152\"")
        let error = try #require(ConfigFixture.error(bad))
        #expect(error.code == .invalidValue && error.key == "montage.space", "\(error)")
    }

    @Test("a band whose low edge is not below its high edge is refused")
    func bandOrder() throws {
        let toml = ConfigFixture.toml + "[[processing.band]]\nname = \"gamma\"\nlow_hz = 80\nhigh_hz = 30\n"
        let error = try #require(ConfigFixture.error(toml))
        #expect(error.code == .outOfRange)
        #expect(error.key == "processing.band[1].high_hz")
        #expect(error.line == 19)
    }

    @Test("required subject and session keys are demanded", arguments: [
        ("id = \"sub-01\"\n", "subject.id"),
        ("sex = \"M\"\n", "subject.sex"),
        ("age = \"P40Y\"\n", "subject.age"),
        ("description = \"test session\"\n", "session.description"),
    ])
    func missingRequired(line: String, key: String) throws {
        let error = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst(line, with: "")))
        #expect(error.code == .missingKey)
        #expect(error.key == key)
        #expect(error.line != nil, "points at the table header")
    }

    @Test("words outside their choices are refused with the allowed list", arguments: [
        ("sex = \"M\"", "sex = \"male\"", "subject.sex"),
        ("age = \"P40Y\"", "age = \"40 years\"", "subject.age"),
        ("kind = \"sim\"", "kind = \"simulator\"", "source.kind"),
        ("id = \"sub-01\"", "id = \"Jane Doe\"", "subject.id"),
    ])
    func invalidWords(original: String, replacement: String, key: String) throws {
        let error = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst(original, with: replacement)))
        #expect(error.code == .invalidValue)
        #expect(error.key == key)
    }

    @Test("a scheduled dose with an unknown route or unit names the entry and key")
    func scheduleErrors() throws {
        let dose = """
            [[schedule.dose]]
            at_seconds = 20
            drug = "ketamine"
            amount = 0.5
            unit = "mg/kg"
            route = "iv-infusion"
            over_seconds = 2400

            [[schedule.dose]]
            at_seconds = 60
            drug = "ketamine"
            amount = 0.5
            unit = "mg/kg"
            route = "intravenous"

            """
        let error = try #require(ConfigFixture.error(ConfigFixture.toml + dose))
        #expect(error.code == .invalidValue)
        #expect(error.key == "schedule.dose[2].route")
        #expect(error.line == 29)
        #expect(error.fix.contains("iv-bolus"))

        let loaded = try ConfigFixture.load(ConfigFixture.toml + dose.replacingFirst("\"intravenous\"", with: "\"iv-bolus\""))
        #expect(loaded.schedule.count == 2)
        #expect(loaded.schedule[0].request.route == .ivInfusion)
        #expect(loaded.schedule[0].request.overSeconds == 2400)
        #expect(loaded.schedule[0].request.atSample == 600_000)

        let noDuration = ConfigFixture.toml + dose.replacingFirst("over_seconds = 2400\n", with: "")
        let infusionError = try #require(ConfigFixture.error(noDuration.replacingFirst("\"intravenous\"", with: "\"iv-bolus\"")))
        #expect(infusionError.key == "schedule.dose[1].over_seconds")
    }

    @Test("a schedule is refused at load with the Comedi source, and at start with a replay not asked to take it")
    func scheduleOnlyForSimulations() throws {
        let dose = "\n[[schedule.dose]]\nat_seconds = 20\ndrug = \"ketamine\"\namount = 0.5\nunit = \"mg/kg\"\nroute = \"iv-bolus\"\n"
        let comedi = ConfigFixture.toml.replacingFirst("kind = \"sim\"", with: "kind = \"comedi\"") + dose
        let error = try #require(ConfigFixture.error(comedi))
        #expect(error.code == .invalidValue)
        #expect(error.file == "/cfg/ketamapd.toml")
        #expect(error.key == "schedule.dose[1]")
        #expect(error.line == 18, "the first dose's at_seconds")
        #expect(error.fix.contains("ketamapctl dose"))

        let simulated = try ConfigFixture.load(ConfigFixture.toml + dose)
        try simulated.checkSchedule(source: .simulated, applyToReplay: false)
        try simulated.checkSchedule(source: .replay, applyToReplay: true)
        #expect(throws: ConfigError.self) { try simulated.checkSchedule(source: .comedi, applyToReplay: true) }
        let replay = try #require(throws: ConfigError.self) { try simulated.checkSchedule(source: .replay, applyToReplay: false) }
        #expect(replay.line == 18 && replay.key == "schedule.dose[1]" && replay.fix.contains("--apply-schedule"))
        try ConfigFixture.load(ConfigFixture.toml).checkSchedule(source: .comedi, applyToReplay: false)
    }

    @Test("a scheduled dose is checked as a typed one: it needs the weight, and an implausible one needs confirm = true")
    func scheduleCheckedLikeTypedDoses() throws {
        let dose = "\n[[schedule.dose]]\nat_seconds = 20\ndrug = \"ketamine\"\namount = 5000\nunit = \"mg/kg\"\nroute = \"im\"\n"
        let absurd = try #require(ConfigFixture.error(ConfigFixture.toml + dose))
        #expect(absurd.key == "schedule.dose[1].amount" && absurd.message.contains("13 mg/kg limit") && absurd.fix.contains("confirm = true"))
        let confirmed = try ConfigFixture.load(ConfigFixture.toml + dose + "confirm = true\n")
        #expect(confirmed.schedule.first?.request.confirmed == true)
        let weightless = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst("weight_kg = 70", with: "") + dose))
        #expect(weightless.key == "schedule.dose[1].weight_kg" && weightless.fix.contains("weight_kg"))
        let heavy = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst("weight_kg = 70", with: "weight_kg = 7000")))
        #expect(heavy.key == "subject.weight_kg")
        #expect(try ConfigFixture.load(ConfigFixture.toml).subject.weightKilograms == 70)
    }

    @Test("a refused subject id is not repeated in the message (it may be a name, and messages go to the journal)")
    func subjectIDNotEchoed() throws {
        let error = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst("id = \"sub-01\"", with: "id = \"Jane Doe\"")))
        #expect(error.key == "subject.id")
        #expect(!error.description.contains("Jane") && !error.description.contains("Doe"))
    }

    @Test("TOML syntax errors name the line")
    func syntax() throws {
        let error = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst("kind = \"sim\"", with: "kind = sim")))
        #expect(error.code == .syntax)
        #expect(error.line == 10)
        #expect(error.fix.contains("double quotes"))

        let duplicate = try #require(ConfigFixture.error(ConfigFixture.toml + "[session]\nlab = \"x\"\n"))
        #expect(duplicate.code == .duplicate)
        #expect(duplicate.line == 16)
    }

    @Test("a missing montage file names its resolved path")
    func missingMontageFile() throws {
        let error = try #require(ConfigFixture.error(ConfigFixture.toml.replacingFirst("\"channels.tsv\"", with: "\"implant/ch.tsv\"")))
        #expect(error.code == .unreadableFile)
        #expect(error.file == "/cfg/implant/ch.tsv")
    }

    @Test("load(path:) reads real files next to each other, and reports a missing file")
    func realFiles() throws {
        let missing = #filePath + ".does-not-exist.toml"
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(path: missing) }
        do {
            _ = try ConfigurationLoader.load(path: missing)
        } catch {
            #expect(error.code == .unreadableFile)
            #expect(error.file == missing)
        }
    }

    @Test("replay without a montage numbers the channels as microwires")
    func replayWithoutMontage() throws {
        let toml = ConfigFixture.toml
            .replacingFirst("kind = \"sim\"\nsample_rate_hz = 30000", with: "kind = \"replay\"\n\n[source.replay]\npath = \"rec.dat\"\nchannels = 4\nsample_rate_hz = 20000\nuv_per_bit = 0.25\nloop = true")
            .replacingFirst("[montage]\nchannels = \"channels.tsv\"\nelectrodes = \"electrodes.tsv\"\n", with: "")
        let config = try ConfigFixture.load(toml)
        #expect(config.source.sampleRateHz == 20000)
        #expect(config.source.replay == ReplaySettings(path: "/cfg/rec.dat", channelCount: 4, sampleRateHz: 20000, microvoltsPerBit: 0.25, loop: true))
        #expect(config.montage.channels.map(\.name) == ["ch000", "ch001", "ch002", "ch003"])
        #expect(config.montage.channels.allSatisfy { $0.kind == .micro })

        let incomplete = toml.replacingFirst("uv_per_bit = 0.25\n", with: "")
        let error = try #require(ConfigFixture.error(incomplete))
        #expect(error.code == .missingKey)
        #expect(error.key == "source.replay.uv_per_bit")
    }
}

extension String {
    /// The string with the first occurrence of `target` replaced (unchanged if absent).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }

    func range(of target: String) -> Range<String.Index>? {
        guard !target.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) { return index..<self.index(index, offsetBy: target.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
