import KetaMapCore

/// Reads a montage from BIDS-iEEG style `channels.tsv` + `electrodes.tsv`.
///
/// `channels.tsv` (one row per recorded channel, in frame-column order):
///
/// | column             | BIDS?       | meaning                                                       |
/// |--------------------|-------------|---------------------------------------------------------------|
/// | `name`             | required    | channel label, e.g. `LA3`; unique                             |
/// | `type`             | required    | `SEEG` (macro contact) or `MICRO` (microwire, KetaMap's word) |
/// | `units`            | required    | `uV`/`µV` (also `mV`, `V`)                                    |
/// | `low_cutoff`       | required    | hardware high-pass in Hz, or `n/a`                            |
/// | `high_cutoff`      | required    | hardware low-pass in Hz, or `n/a`; above `low_cutoff`          |
/// | `reference`        | optional    | text, kept by BIDS tools; not used                            |
/// | `group`            | optional    | shaft or bundle; else taken from `electrodes.tsv`             |
/// | `sampling_frequency` | optional  | Hz; when given must equal the source rate                     |
/// | `notch`, `description`, `status_description` | optional | text; not used                        |
/// | `status`           | optional    | `good` (default) or `bad` (still recorded, flagged)           |
/// | `hardware_channel` | KetaMap     | channel number on the DAQ card, 0–4095; default: the row index |
///
/// `electrodes.tsv` (one row per contact, matched to channels by `name`):
///
/// | column           | BIDS?    | meaning                                                      |
/// |------------------|----------|--------------------------------------------------------------|
/// | `name`           | required | contact label, as in `channels.tsv`                          |
/// | `x`, `y`, `z`    | required | coordinates in mm (`n/a` when unknown)                        |
/// | `size`           | required | contact surface in mm² (`n/a` when unknown)                   |
/// | `group`          | optional | shaft or bundle                                              |
/// | `hemisphere`     | optional | `L` or `R`                                                   |
/// | `type`, `material`, `manufacturer`, `impedance`, `dimension` | optional | text, in the group description |
/// | `region`         | KetaMap  | brain region (NWB `location`), e.g. `left amygdala`; required |
/// | `along_shaft_mm` | KetaMap  | mm from the group's first-listed (deepest) contact; default: computed from x y z |
public enum MontageLoader {
    /// The columns of `channels.tsv` KetaMap reads (any other column is an error).
    public static let channelColumns = [
        "name", "type", "units", "low_cutoff", "high_cutoff", "reference", "group", "sampling_frequency", "notch",
        "description", "status", "status_description", "hardware_channel",
    ]
    /// The columns of `electrodes.tsv` KetaMap reads (any other column is an error).
    public static let electrodeColumns = [
        "name", "x", "y", "z", "size", "group", "hemisphere", "type", "material", "manufacturer", "impedance", "dimension",
        "region", "along_shaft_mm",
    ]
    /// Highest accepted `hardware_channel`.
    public static let maximumHardwareChannel = 4095

    /// Builds the montage from the two tables' text. `sampleRateHz`, when given,
    /// is checked against `sampling_frequency` cells.
    public static func load(
        channelsText: String, channelsFile: String, electrodesText: String, electrodesFile: String, sampleRateHz: Double? = nil
    ) throws(ConfigError) -> Montage {
        let channels = try TSVTable(text: channelsText, file: channelsFile)
        let electrodes = try TSVTable(text: electrodesText, file: electrodesFile)
        try channels.checkColumns(
            required: ["name", "type", "units"], known: channelColumns, purpose: "BIDS channels.tsv needs name, type and units")
        try electrodes.checkColumns(
            required: ["name", "x", "y", "z", "size", "region"], known: electrodeColumns,
            purpose: "BIDS electrodes.tsv needs name, x, y, z and size; KetaMap needs region")

        let contacts = try readElectrodes(electrodes)
        guard !channels.rows.isEmpty else {
            throw ConfigError(
                .montage, file: channelsFile, line: nil, key: nil, message: "no channels are listed",
                fix: "add one row per recorded channel under the header")
        }

        var result: [MontageChannel] = []
        var namesSeen: [String: Int] = [:]
        var hardwareSeen: [Int: Int] = [:]
        for (rowIndex, row) in channels.rows.enumerated() {
            let name = try channels.required(row, "name", what: "the channel label, e.g. LA1")
            if let earlier = namesSeen[name] {
                throw channels.error(
                    row, "name", .duplicate, "channel `\(name)` is already listed on line \(earlier)", fix: "give every channel its own name")
            }
            namesSeen[name] = row.line

            let typeText = try channels.required(row, "type", what: "SEEG or MICRO")
            guard let kind = MontageChannel.Kind(rawValue: typeText.uppercased()) else {
                throw channels.error(
                    row, "type", .invalidValue, "`\(typeText)` is not a channel type KetaMap records",
                    fix: "write SEEG for a depth macro contact or MICRO for a microwire")
            }

            let unitsText = try channels.required(row, "units", what: "uV")
            guard let units = normalisedUnits(unitsText) else {
                throw channels.error(
                    row, "units", .invalidValue, "`\(unitsText)` is not a voltage unit", fix: "write uV (or µV, mV, V)")
            }

            let low = try channels.number(row, "low_cutoff", unit: "Hz")
            let high = try channels.number(row, "high_cutoff", unit: "Hz")
            if let low, low < 0 {
                throw channels.error(row, "low_cutoff", .outOfRange, "must not be negative, got \(low)", fix: "write the high-pass corner in Hz, or n/a")
            }
            if let low, let high, low >= high {
                throw channels.error(
                    row, "high_cutoff", .outOfRange, "must be above low_cutoff (\(low) Hz), got \(high) Hz",
                    fix: "write the low-pass corner (e.g. 7500) in high_cutoff and the high-pass corner (e.g. 0.1) in low_cutoff")
            }
            if let rate = try channels.number(row, "sampling_frequency", unit: "Hz"), let expected = sampleRateHz, rate != expected {
                throw channels.error(
                    row, "sampling_frequency", .montage, "is \(rate) Hz but the source runs at \(expected) Hz (one source, one rate)",
                    fix: "write \(expected) or n/a, or change [source] sample_rate_hz")
            }

            var isGood = true
            if let status = channels.cell(row, "status") {
                switch status.lowercased() {
                case "good": isGood = true
                case "bad": isGood = false
                default:
                    throw channels.error(row, "status", .invalidValue, "`\(status)` is not a BIDS status", fix: "write good or bad")
                }
            }

            let hardware = try channels.integer(row, "hardware_channel") ?? rowIndex
            guard (0...maximumHardwareChannel).contains(hardware) else {
                throw channels.error(
                    row, "hardware_channel", .outOfRange, "must be between 0 and \(maximumHardwareChannel), got \(hardware)",
                    fix: "write the card's input number, counting from 0")
            }
            if let earlier = hardwareSeen[hardware] {
                throw channels.error(
                    row, "hardware_channel", .duplicate, "hardware channel \(hardware) is already used on line \(earlier)",
                    fix: "each card input records one channel; correct one of the two numbers")
            }
            hardwareSeen[hardware] = row.line

            guard let contact = contacts[name] else {
                throw channels.error(
                    row, "name", .montage, "channel `\(name)` has no row in \(electrodesFile)",
                    fix: "add a `\(name)` row (name, x, y, z, size, group, region) to \(electrodesFile)")
            }
            let channelGroup = channels.cell(row, "group")
            if let channelGroup, let contactGroup = contact.group, channelGroup != contactGroup {
                throw channels.error(
                    row, "group", .montage,
                    "channel `\(name)` is in group `\(channelGroup)` here but in `\(contactGroup)` on line \(contact.line) of \(electrodesFile)",
                    fix: "make the two group names the same")
            }
            guard let group = channelGroup ?? contact.group else {
                throw channels.error(
                    row, "group", .montage, "channel `\(name)` has no group (shaft or bundle) here nor in \(electrodesFile)",
                    fix: "fill in the `group` column, e.g. the shaft name `LA` for contact `LA3`")
            }

            result.append(
                MontageChannel(
                    name: name, kind: kind, group: group, region: contact.region, x: contact.x, y: contact.y, z: contact.z,
                    alongShaftMillimeters: contact.alongShaftMillimeters, sizeSquareMillimeters: contact.size, hardwareChannel: hardware,
                    units: units, isGood: isGood, lowCutoffHz: low, highCutoffHz: high))
        }
        return Montage(channels: result, groups: groups(of: result, contacts: contacts))
    }

    /// One row of `electrodes.tsv`.
    struct Contact {
        var line: Int
        var group: String?
        var region: String
        var x, y, z, size: Double?
        var alongShaftMillimeters: Double
        var hemisphere: String?
        var type: String?
        var manufacturer: String?
        var material: String?
    }

    static func readElectrodes(_ table: TSVTable) throws(ConfigError) -> [String: Contact] {
        var contacts: [String: Contact] = [:]
        var firstOfGroup: [String: Contact] = [:]
        for row in table.rows {
            let name = try table.required(row, "name", what: "the contact label, e.g. LA1")
            if let earlier = contacts[name] {
                throw table.error(
                    row, "name", .duplicate, "contact `\(name)` is already listed on line \(earlier.line)", fix: "give every contact its own name")
            }
            let region = try table.required(row, "region", what: "the brain region, e.g. left amygdala")
            var contact = Contact(
                line: row.line, group: table.cell(row, "group"), region: region, x: try table.number(row, "x", unit: "mm"),
                y: try table.number(row, "y", unit: "mm"), z: try table.number(row, "z", unit: "mm"),
                size: try table.number(row, "size", unit: "mm²"), alongShaftMillimeters: 0, hemisphere: table.cell(row, "hemisphere"),
                type: table.cell(row, "type"), manufacturer: table.cell(row, "manufacturer"), material: table.cell(row, "material"))
            if let size = contact.size, size <= 0 {
                throw table.error(row, "size", .outOfRange, "must be positive, got \(size)", fix: "write the contact surface in mm², or n/a")
            }
            if let hemisphere = contact.hemisphere, hemisphere != "L", hemisphere != "R" {
                throw table.error(row, "hemisphere", .invalidValue, "`\(hemisphere)` is not a hemisphere", fix: "write L, R or n/a")
            }
            if let along = try table.number(row, "along_shaft_mm", unit: "mm") {
                guard along >= 0 else {
                    throw table.error(row, "along_shaft_mm", .outOfRange, "must not be negative, got \(along)", fix: "write mm from the deepest contact")
                }
                contact.alongShaftMillimeters = along
            } else if let group = contact.group, let first = firstOfGroup[group], let x = contact.x, let y = contact.y, let z = contact.z,
                let x0 = first.x, let y0 = first.y, let z0 = first.z
            {
                contact.alongShaftMillimeters = ((x - x0) * (x - x0) + (y - y0) * (y - y0) + (z - z0) * (z - z0)).squareRoot()
            }
            if let group = contact.group, firstOfGroup[group] == nil { firstOfGroup[group] = contact }
            contacts[name] = contact
        }
        return contacts
    }

    /// One `ElectrodeGroup` per group, in order of first appearance: region = the most common region of its channels.
    static func groups(of channels: [MontageChannel], contacts: [String: Contact]) -> [ElectrodeGroup] {
        var order: [String] = []
        var members: [String: [MontageChannel]] = [:]
        for channel in channels {
            if members[channel.group] == nil { order.append(channel.group) }
            members[channel.group, default: []].append(channel)
        }
        return order.map { name in
            let list = members[name]!
            var counts: [String: Int] = [:]
            for channel in list { counts[channel.region, default: 0] += 1 }
            var region = list[0].region
            for channel in list where counts[channel.region]! > counts[region]! { region = channel.region }
            let contact = contacts[list[0].name]
            let kind = list[0].kind == .micro ? "microwire bundle" : "depth electrode"
            var parts = ["\(kind) \(name), \(list.count) \(list[0].kind == .micro ? "wires" : "contacts")"]
            if let hemisphere = contact?.hemisphere { parts.append(hemisphere == "L" ? "left hemisphere" : "right hemisphere") }
            if let type = contact?.type { parts.append(type) }
            if let material = contact?.material { parts.append(material) }
            if let manufacturer = contact?.manufacturer { parts.append(manufacturer) }
            parts.append("target \(region)")
            return ElectrodeGroup(name: name, description: parts.joined(separator: ", "), region: region)
        }
    }

    /// `uV`, `µV` (micro sign) and `μV` (Greek mu) all become `µV`; `mV` and `V` stay; anything else is nil.
    static func normalisedUnits(_ text: String) -> String? {
        switch text {
        case "uV", "µV", "μV", "microV": "µV"
        case "mV": "mV"
        case "V": "V"
        default: nil
        }
    }
}
