import KetaMapConfiguration
import KetaMapCore

/// A small valid configuration and montage, varied by each test.
enum ConfigFixture {
    static let toml = """
        [session]
        description = "test session"

        [subject]
        id = "sub-01"
        sex = "M"
        age = "P40Y"
        weight_kg = 70
        [source]
        kind = "sim"
        sample_rate_hz = 30000

        [montage]
        channels = "channels.tsv"
        electrodes = "electrodes.tsv"

        """

    static let channels = """
        name\ttype\tunits\tlow_cutoff\thigh_cutoff\tgroup\tstatus\thardware_channel
        LA1\tSEEG\tuV\t0.1\t7500\tLA\tgood\t0
        LA2\tSEEG\tuV\t0.1\t7500\tLA\tbad\t1
        mLA1\tMICRO\tuV\tn/a\tn/a\tmLA\tgood\t2

        """

    static let electrodes = """
        name\tx\ty\tz\tsize\tgroup\themisphere\tregion
        LA1\t-22\t-4\t-20\t5.0\tLA\tL\tleft amygdala
        LA2\t-25.5\t-4\t-20\t5.0\tLA\tL\tleft amygdala
        mLA1\t-20\t-4\t-20\t0.0013\tmLA\tL\tleft amygdala

        """

    /// Loads `toml` from `/cfg/ketamapd.toml` with the montage files given in memory.
    static func load(_ toml: String, channels: String = channels, electrodes: String = electrodes) throws(ConfigError) -> Configuration {
        try ConfigurationLoader.load(configText: toml, configPath: "/cfg/ketamapd.toml") { (path: String) throws(ConfigError) -> String in
            switch path {
            case "/cfg/channels.tsv": return channels
            case "/cfg/electrodes.tsv": return electrodes
            default:
                throw ConfigError(.unreadableFile, file: path, line: nil, key: nil, message: "no such file in the test", fix: "")
            }
        }
    }

    /// The error loading `toml` throws, or nil when it loads.
    static func error(_ toml: String, channels: String = channels, electrodes: String = electrodes) -> ConfigError? {
        do {
            _ = try load(toml, channels: channels, electrodes: electrodes)
            return nil
        } catch {
            return error
        }
    }
}
