import Testing
import KetaMapConfiguration
import KetaMapCore

@Suite("Montage TSV loading")
struct MontageLoaderTests {
    /// The error `MontageLoader.load` throws for these tables, or nil.
    func loadError(channels: String = ConfigFixture.channels, electrodes: String = ConfigFixture.electrodes, rate: Double? = 30000) -> ConfigError? {
        do {
            _ = try MontageLoader.load(
                channelsText: channels, channelsFile: "/m/channels.tsv", electrodesText: electrodes, electrodesFile: "/m/electrodes.tsv",
                sampleRateHz: rate)
            return nil
        } catch { return error }
    }

    @Test("BIDS columns become the montage; bad status, µV units and distances along the shaft")
    func loads() throws {
        let montage = try MontageLoader.load(
            channelsText: ConfigFixture.channels, channelsFile: "c.tsv", electrodesText: ConfigFixture.electrodes, electrodesFile: "e.tsv")
        #expect(montage.channels.count == 3)
        let la2 = montage.channels[1]
        #expect(la2 == MontageChannel(
            name: "LA2", kind: .seeg, group: "LA", region: "left amygdala", x: -25.5, y: -4, z: -20, alongShaftMillimeters: 3.5,
            sizeSquareMillimeters: 5, hardwareChannel: 1, units: "µV", isGood: false, lowCutoffHz: 0.1, highCutoffHz: 7500))
        #expect(montage.groups[0].description.contains("left hemisphere"))
        #expect(montage.groups[1].description.hasPrefix("microwire bundle mLA"))
    }

    @Test("cell errors name the file, the line and the column", arguments: [
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tECOG\tuV\t0.1\t7500\tLA\tbad\t1", "column type", ConfigError.Code.invalidValue),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tuV\t0.1\t7500\tLA\tbroken\t1", "column status", .invalidValue),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tuV\t300\t250\tLA\tbad\t1", "column high_cutoff", .outOfRange),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t5000", "column hardware_channel", .outOfRange),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t0", "column hardware_channel", .duplicate),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA1\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "column name", .duplicate),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tuV\t0.1\t7500\tLB\tbad\t1", "column group", .montage),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\tone", "column hardware_channel", .wrongType),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA2\tSEEG\tfurlongs\t0.1\t7500\tLA\tbad\t1", "column units", .invalidValue),
        ("LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "LA9\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1", "column name", .montage),
    ])
    func channelCellErrors(original: String, replacement: String, column: String, code: ConfigError.Code) throws {
        let channels = ConfigFixture.channels.replacingFirst(original, with: replacement)
        let error = try #require(loadError(channels: channels))
        #expect(error.code == code, "\(error)")
        #expect(error.file == "/m/channels.tsv")
        #expect(error.line == 3, "\(error)")
        #expect(error.key == column, "\(error)")
        #expect(error.description.hasPrefix("/m/channels.tsv:3: \(column): "))
    }

    @Test("a group missing from both files is an error")
    func missingGroup() throws {
        let channels = ConfigFixture.channels.replacingFirst("mLA1\tMICRO\tuV\tn/a\tn/a\tmLA", with: "mLA1\tMICRO\tuV\tn/a\tn/a\tn/a")
        let electrodes = ConfigFixture.electrodes.replacingFirst("0.0013\tmLA", with: "0.0013\tn/a")
        let error = try #require(loadError(channels: channels, electrodes: electrodes))
        #expect(error.code == .montage)
        #expect(error.line == 4)
        #expect(error.key == "column group")
    }

    @Test("electrode errors: bad numbers, hemisphere, duplicate names, missing region")
    func electrodeErrors() throws {
        let badX = try #require(loadError(electrodes: ConfigFixture.electrodes.replacingFirst("LA2\t-25.5", with: "LA2\t-25,5")))
        #expect(badX.file == "/m/electrodes.tsv" && badX.line == 3 && badX.key == "column x" && badX.code == .wrongType)
        let hemisphere = try #require(loadError(electrodes: ConfigFixture.electrodes.replacingFirst("LA\tL\tleft", with: "LA\tleft\tleft")))
        #expect(hemisphere.key == "column hemisphere" && hemisphere.line == 2)
        let region = try #require(loadError(electrodes: ConfigFixture.electrodes.replacingFirst("\tleft amygdala\nLA2", with: "\tn/a\nLA2")))
        #expect(region.key == "column region" && region.code == .missingKey && region.line == 2)
    }

    @Test("table-level errors: unknown or missing columns, ragged rows, rate mismatch")
    func tableErrors() throws {
        let unknown = try #require(loadError(channels: ConfigFixture.channels.replacingFirst("\tstatus\t", with: "\tstatuss\t")))
        #expect(unknown.code == .unknownKey && unknown.line == 1 && unknown.key == "statuss")
        #expect(unknown.fix.contains("did you mean `status`"))

        let missing = try #require(loadError(electrodes: ConfigFixture.electrodes.replacingFirst("\tsize\t", with: "\tarea\t")))
        #expect(missing.code == .missingKey || missing.code == .unknownKey)

        let ragged = try #require(loadError(channels: ConfigFixture.channels.replacingFirst("LA2\tSEEG\tuV\t", with: "LA2 SEEG\tuV\t")))
        #expect(ragged.code == .syntax && ragged.line == 3)
        #expect(ragged.fix.contains("tab"))

        let withRate = ConfigFixture.channels
            .replacingFirst("\tstatus\thardware_channel", with: "\tstatus\thardware_channel\tsampling_frequency")
            .replacingFirst("good\t0\n", with: "good\t0\t20000\n")
            .replacingFirst("bad\t1\n", with: "bad\t1\tn/a\n")
            .replacingFirst("good\t2\n", with: "good\t2\tn/a\n")
        let rate = try #require(loadError(channels: withRate))
        #expect(rate.code == .montage && rate.key == "column sampling_frequency" && rate.line == 2)
        #expect(loadError(channels: withRate, rate: 20000) == nil)
    }

    @Test("a montage without hardware_channel numbers the rows; Montage.numbered names channels ch000…")
    func defaultsAndNumbered() throws {
        let channels = "name\ttype\tunits\tgroup\nLA1\tSEEG\tµV\tLA\nLA2\tSEEG\tμV\tLA\n"
        let montage = try MontageLoader.load(
            channelsText: channels, channelsFile: "c", electrodesText: ConfigFixture.electrodes, electrodesFile: "e")
        #expect(montage.channels.map(\.hardwareChannel) == [0, 1])
        #expect(montage.channels.map(\.units) == ["µV", "µV"])
        let numbered = Montage.numbered(count: 1200)
        #expect(numbered.channels.first?.name == "ch0000" && numbered.channels.last?.name == "ch1199")
        #expect(Montage.numbered(count: 2).channels.map(\.name) == ["ch000", "ch001"])
    }
}
