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
    static let doseVoids = "/events/dose_voids"
    static let subjectWeight = "/events/subject_weight"
    static let gaps = "/intervals/acquisition_gaps"
    static let provenance = "/general/data_collection"
    static let notes = "/general/notes"

    /// What a stream's objects add to the single-source names
    /// (`ElectricalSeries_micro`, `sample_clock_micro`); nothing for the one
    /// unnamed stream of a single-source session.
    static func streamSuffix(_ stream: String?) -> String { stream.map { "_\($0)" } ?? "" }

    /// Tables that are deleted on a clean close when no row was written
    /// (nwbinspector rejects empty tables).
    static let optionalTables = [thresholdCrossings, marks, clock, dosing, doseVoids, subjectWeight, gaps]

    /// `TimeIntervals` tables, put in `start_time` order when the file is finished.
    static let intervalTables = [dosing, gaps]

    /// Bytes of each fixed-length text column (UTF-8). Recorded texts are
    /// checked against `EventText` before anything is written, so none is cut.
    enum TextBytes {
        static let drug = EventText.drugBytes, unit = EventText.unitBytes, route = EventText.routeBytes, `operator` = EventText.operatorBytes
        static let note = EventText.noteBytes, wallClock = EventText.wallClockBytes, mark = EventText.markBytes, reason = EventText.reasonBytes
        static let limitOverride = EventText.limitOverrideBytes, cause = 32, stream = 16
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
