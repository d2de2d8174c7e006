import KetaMapCore

/// Where each contact sits within its shaft, in micrometres, for the electrodes
/// table's `rel_x` and `rel_y` (what SpikeInterface reads as channel locations).
///
/// `rel_y` is the distance along the shaft from its first (deepest) contact.
/// `rel_x` is the shaft's slot (shafts 10 mm apart, so one probe holds them all
/// without overlap) plus the contact's distance from the shaft's line, from
/// its first to its farthest contact: 0 on a straight sEEG shaft, the splay of
/// a microwire in a bundle. Contacts that would still coincide are set 100 µm apart.
struct ShaftLayout {
    static let shaftSpacingMicrometres = 10_000.0
    static let coincidentSpacingMicrometres = 100.0

    private(set) var relX: [Double] = []
    private(set) var relY: [Double] = []

    init(montage: Montage, groupOrder: [String]) {
        let micrometres = NWBCoordinates.micrometresPerMillimetre
        var lines: [String: (origin: [Double], direction: [Double])] = [:]
        for group in groupOrder {
            let members = montage.channels.filter { $0.group == group }
            guard let first = members.first.flatMap(Self.point), let far = members.max(by: { $0.alongShaftMillimeters < $1.alongShaftMillimeters }).flatMap(Self.point)
            else { continue }
            let d = zip(far, first).map { $0 - $1 }
            let length = d.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if length > 0 { lines[group] = (first, d.map { $0 / length }) }
        }
        var taken: [String: Int] = [:]
        for channel in montage.channels {
            var lateral = 0.0
            if let line = lines[channel.group], let p = Self.point(channel) {
                let v = zip(p, line.origin).map { $0 - $1 }
                let along = zip(v, line.direction).reduce(0) { $0 + $1.0 * $1.1 }
                lateral = max(0, v.reduce(0) { $0 + $1 * $1 } - along * along).squareRoot()
            }
            let slot = Double(groupOrder.firstIndex(of: channel.group) ?? 0) * Self.shaftSpacingMicrometres
            let x = slot + (lateral * micrometres).rounded()
            let y = (channel.alongShaftMillimeters * micrometres).rounded()
            let key = "\(x)@\(y)"
            let k = taken[key, default: 0]
            taken[key] = k + 1
            relX.append(x + Double(k) * Self.coincidentSpacingMicrometres)
            relY.append(y)
        }
    }

    private static func point(_ channel: MontageChannel) -> [Double]? {
        guard let x = channel.x, let y = channel.y, let z = channel.z else { return nil }
        return [x, y, z]
    }
}
