import KetaMapCore
import KetaMapDSP
import KetaMapConfiguration

/// Paths of everything KetaMap writes in a session file, shared by the
/// writer and the reader.
enum NWBLayout {
    static let raw = "/acquisition/ElectricalSeries"
    static let electrodes = "/general/extracellular_ephys/electrodes"
    static let device = "/general/devices/DAQ"
    static let ecephys = "/processing/ecephys"
    static let lfpContainer = "/processing/ecephys/LFP"
    static let lfp = "/processing/ecephys/LFP/LFP"
    static let bandPower = "/processing/ecephys/BandPower"
    static let thresholdCrossings = "/events/threshold_crossings"
    static let marks = "/events/marks"
    static let clock = "/events/sample_clock"
    static let dosing = "/intervals/dosing"
    static let gaps = "/intervals/acquisition_gaps"
    static let provenance = "/general/data_collection"
    static let notes = "/general/notes"

    /// Tables that are deleted on a clean close when no row was written
    /// (nwbinspector rejects empty tables).
    static let optionalTables = [thresholdCrossings, marks, clock, dosing, gaps]

    /// Bytes of each fixed-length text column (UTF-8, cut at a character boundary).
    enum TextBytes {
        static let drug = 64, unit = 16, route = 16, `operator` = 64, note = 512, wallClock = 40, cause = 32, mark = 512, stream = 16
    }
}

/// What KetaMap stores in `/general/data_collection`, as JSON: where the
/// configuration came from, the source, and every processing parameter.
struct NWBProvenance: Codable {
    var software_version: String
    var session_id: String
    var configuration: ConfigurationProvenanceRecord
    var source: [String: String]
    var processing: ProcessingSettings
    var storage: StorageSettings
    var snippet_sample_count: Int
    var lfp_start_seconds: Double
    var band_power_start_seconds: Double

    struct ConfigurationProvenanceRecord: Codable {
        var config_path: String
        var config_text: String
        var channels_tsv: String
        var electrodes_tsv: String
    }
}
