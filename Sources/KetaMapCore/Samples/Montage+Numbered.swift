extension Montage {
    /// A montage for a recording that comes without one: channels `ch000`,
    /// `ch001`, … (at least three digits), all microwires (`MICRO`, so spike
    /// detection runs on every channel), hardware channel = column, region
    /// `unknown`, one group `ch`.
    public static func numbered(count: Int) -> Montage {
        precondition(count > 0, "a montage has at least one channel")
        let digits = max(3, String(count - 1).count)
        let channels = (0..<count).map { index in
            let number = String(index)
            let name = "ch" + String(repeating: "0", count: digits - number.count) + number
            return MontageChannel(name: name, kind: .micro, group: "ch", region: "unknown", hardwareChannel: index)
        }
        let group = ElectrodeGroup(
            name: "ch", description: "\(count) channels of a recording replayed without a montage", region: "unknown")
        return Montage(channels: channels, groups: [group])
    }
}
