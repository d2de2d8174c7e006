/// The software version written into every session file and printed by `--version`.
public enum KetaMapVersion {
    public static let current = "0.1.0"
}
