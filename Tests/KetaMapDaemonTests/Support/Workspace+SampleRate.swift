import Foundation

extension EndToEndTests.Workspace {
    /// Turns the workspace's 4 kHz config and channels.tsv down to 2 kHz (spike band
    /// 300–900 Hz): band power, LFP and doses are the same, and the debug-built
    /// simulator records twice as fast, for the tests that need minutes of signal.
    func atTwoKilohertz() throws {
        var config = try String(contentsOfFile: configPath, encoding: .utf8)
        config = config.replacingOccurrences(of: "sample_rate_hz = 4000", with: "sample_rate_hz = 2000")
        config = config.replacingOccurrences(of: "block_frames = 40 ", with: "block_frames = 20 ")
        config = config.replacingOccurrences(of: "spike_high_hz = 1500", with: "spike_high_hz = 900")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let channels = "\(directory.path)/channels.tsv"
        try String(contentsOfFile: channels, encoding: .utf8).replacingOccurrences(of: "\t4000\t", with: "\t2000\t")
            .write(toFile: channels, atomically: true, encoding: .utf8)
    }
}
