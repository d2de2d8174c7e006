import KetaMapCore

/// The electrodes table's coordinates as NWB defines them: micrometres, with
/// +x posterior, +y inferior and +z right. Montages (BIDS `electrodes.tsv`)
/// are in millimetres on RAS axes (+x right, +y anterior, +z superior), the
/// convention of MNI, ACPC and scanner spaces alike.
///
/// ```
///   NWB x = −RAS y × 1000     (posterior)
///   NWB y = −RAS z × 1000     (inferior)
///   NWB z =  RAS x × 1000     (right)
/// ```
public enum NWBCoordinates {
    public static let micrometresPerMillimetre = 1000.0

    /// NWB (x, y, z) in µm from RAS millimetres.
    public static func nwb(rasMillimetres x: Double, _ y: Double, _ z: Double) -> (x: Double, y: Double, z: Double) {
        (-y * micrometresPerMillimetre, -z * micrometresPerMillimetre, x * micrometresPerMillimetre)
    }

    /// RAS millimetres (x, y, z) from NWB µm.
    public static func ras(nwbMicrometres x: Double, _ y: Double, _ z: Double) -> (x: Double, y: Double, z: Double) {
        (z / micrometresPerMillimetre, -x / micrometresPerMillimetre, -y / micrometresPerMillimetre)
    }

    /// The sentence each coordinate column carries.
    static func columnDescription(_ axis: String, space: String) -> String {
        let meaning = ["x": "+x is posterior (= −RAS y)", "y": "+y is inferior (= −RAS z)", "z": "+z is right (= RAS x)"][axis] ?? ""
        return "\(axis) coordinate of the contact in micrometres, \(meaning), in the montage's space \(space); NaN when unknown."
    }
}
