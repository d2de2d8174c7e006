import Testing
import KetaMapConfiguration
import KetaMapCore

#if canImport(Glibc)
import Glibc
import KetaMapDSP
#endif

/// The repository's `config/` folder, found from this file's path.
let repositoryConfigDirectory: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path + "/config"
}()

/// The bytes of a file (the test reads `config/` directly).
func fileBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n == 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return bytes
}

@Suite("Default configuration")
struct DefaultConfigurationTests {
    @Test("the embedded texts equal config/ byte for byte", arguments: [
        ("ketamapd.toml", DefaultConfiguration.configText),
        ("channels.tsv", DefaultConfiguration.channelsText),
        ("electrodes.tsv", DefaultConfiguration.electrodesText),
    ])
    func embeddedEqualsFiles(name: String, embedded: String) throws {
        let bytes = try #require(fileBytes(repositoryConfigDirectory + "/" + name), "config/\(name) is readable")
        #expect(Array(embedded.utf8) == bytes, "run config/embed.sh after editing config/\(name)")
    }

    @Test("the default loads: a simulated 30 kHz session with a ketamine infusion at 20 s")
    func defaultLoads() throws {
        let config = try ConfigurationLoader.loadDefault()
        #expect(config.source.kind == .simulated)
        #expect(config.source.sampleRateHz == 30000)
        #expect(config.subject.id == "sim01")
        #expect(config.subject.age == "P34Y")
        #expect(config.schedule.count == 1)
        let dose = try #require(config.schedule.first)
        #expect(dose.atSeconds == 20)
        #expect(dose.request.drug == "ketamine")
        #expect(dose.request.amount == 0.5)
        #expect(dose.request.unit == .milligramsPerKilogram)
        #expect(dose.request.route == .ivInfusion)
        #expect(dose.request.overSeconds == Double(40 * 60))
        #expect(config.provenance.configText == DefaultConfiguration.configText)
        #expect(config.processing.bands == ProcessingSettings.defaultBands)
    }

    @Test("the file in config/ loads through load(path:) to the same configuration")
    func fileLoadsTheSame() throws {
        let fromFile = try ConfigurationLoader.load(path: repositoryConfigDirectory + "/ketamapd.toml")
        let embedded = try ConfigurationLoader.loadDefault()
        #expect(fromFile.montage == embedded.montage)
        #expect(fromFile.simulator == embedded.simulator)
        #expect(fromFile.schedule == embedded.schedule)
        #expect(fromFile.session == embedded.session)
    }

    @Test("the default montage is a realistic bilateral implant with a microwire bundle")
    func defaultMontage() throws {
        let montage = try ConfigurationLoader.loadDefault().montage
        let shafts = montage.groups.filter { group in montage.channels.contains { $0.group == group.name && $0.kind == .seeg } }
        #expect(shafts.count >= 8)
        for shaft in shafts {
            let contacts = montage.channels.filter { $0.group == shaft.name }.count
            #expect((8...12).contains(contacts), "\(shaft.name) has \(contacts) contacts")
        }
        let micro = montage.channels.filter { $0.kind == .micro }
        #expect(micro.count == 8)
        #expect(Set(micro.map(\.group)).count == 1)
        let regions = montage.channels.map { $0.region.lowercased() }
        for word in ["orbitofrontal", "dorsolateral prefrontal", "caudate", "putamen", "accumbens", "amygdala", "hippocampus", "insula", "cingulate"] {
            #expect(regions.contains { $0.contains(word) }, "some contact is in \(word)")
        }
        #expect(regions.contains { $0.hasPrefix("left") } && regions.contains { $0.hasPrefix("right") })
        #expect(Set(montage.channels.map(\.hardwareChannel)).count == montage.channels.count)
        #expect(montage.channels.allSatisfy { $0.x != nil && $0.sizeSquareMillimeters != nil })
        #expect((90...130).contains(montage.channels.count))
    }

    @Test("every default simulator effect matches contacts of the default montage")
    func effectsMatchRegions() throws {
        let config = try ConfigurationLoader.loadDefault()
        for effect in config.simulator.effects {
            let matched = config.montage.channels.filter { effect.matches(region: $0.region) }
            #expect(!matched.isEmpty, "\(effect.region) matches no contact")
        }
        let striatum = try #require(config.simulator.effects.first { $0.region == "striatum" })
        let striatalRegions = Set(config.montage.channels.filter { striatum.matches(region: $0.region) }.map(\.region))
        #expect(striatalRegions == ["left caudate", "right caudate", "left putamen", "right putamen", "left nucleus accumbens", "right nucleus accumbens"])
        let prefrontal = try #require(config.simulator.effects.first { $0.region == "prefrontal" })
        #expect(!config.montage.channels.contains { prefrontal.matches(region: $0.region) && $0.region.contains("amygdala") })
    }
}
