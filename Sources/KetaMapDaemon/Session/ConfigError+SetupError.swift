import KetaMapConfiguration
import KetaMapDSP

extension ConfigError {
    /// A processing setup refused at session start (with the source's real
    /// rate and channels) is a configuration error like any other: exit 78,
    /// which systemd does not restart into.
    init(refusedAtStart error: SignalProcessor.SetupError, configPath: String) {
        if let conflict = error.conflict {
            self.init(
                .outOfRange, file: configPath, line: nil, key: "processing.\(conflict.key)",
                message: "\(conflict.message) (the rate the source really delivers)", fix: conflict.fix)
        } else {
            self.init(.montage, file: configPath, line: nil, key: nil, message: error.description, fix: "")
        }
    }
}
