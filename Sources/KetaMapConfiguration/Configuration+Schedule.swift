/// Schedules are for simulations: no event is ever invented in a real recording.
extension Configuration {
    /// Refuses `[[schedule.dose]]` unless it can apply: always with the
    /// simulator, with a replay only when asked for on the command line
    /// (`ketamapd --apply-schedule`), never with the Comedi source. The
    /// loader checks the config's own `[source]` (a replay may still be asked
    /// for); `ketamapd` checks again with the source it really runs.
    public func checkSchedule(source: SourceSettings.Kind, applyToReplay: Bool) throws(ConfigError) {
        try Self.checkSchedule(schedule, file: provenance.configPath, source: source, applyToReplay: applyToReplay)
    }

    static func checkSchedule(_ schedule: [ScheduledDose], file: String, source: SourceSettings.Kind, applyToReplay: Bool) throws(ConfigError) {
        guard let first = schedule.first else { return }
        var fix: String
        switch source {
        case .simulated: return
        case .replay where applyToReplay: return
        case .replay: fix = "remove [[schedule.dose]] from the config, or pass --apply-schedule to record it into the replay"
        case .comedi: fix = "remove [[schedule.dose]] from the config: doses of a real recording are given with `ketamapctl dose`"
        }
        // The embedded default cannot be edited: its demonstration dose is left out with a config of one's own.
        if file.hasPrefix(DefaultConfiguration.directory) {
            fix = "the embedded default schedules the demonstration's dose: give --config with a copy of config/ketamapd.toml without [[schedule.dose]]"
                + (source == .replay ? ", or pass --apply-schedule to record it into the replay" : "")
        }
        throw ConfigError(
            .invalidValue, file: file, line: first.line, key: "schedule.dose[1]",
            message: "\(schedule.count) scheduled dose\(schedule.count == 1 ? "" : "s") would be recorded into a \(source.rawValue) session as if given; a schedule applies only to the simulator, or to a replay given --apply-schedule",
            fix: fix)
    }
}
