import Foundation
import KetaMapCore
import KetaMapDSP

/// The parts of the NWB structure written once, before SWMR starts.
extension NWBSessionWriter {
    /// Root attributes, required datasets, top-level groups, `/general`, subject and device.
    static func writeFileMetadata(_ root: HDF5Location, _ d: SessionDescription) throws(HDF5Error) {
        try NWBObject.tag(root, type: "NWBFile")
        try root.setAttribute("nwb_version", NWBObject.nwbVersion)
        try root.writeStrings("file_create_date", [NWBObject.isoTimestamp(Date())]).close()
        try root.writeString("identifier", d.identifier)
        let summary = d.session.description.isEmpty ? "KetaMap depth-electrode session \(d.sessionID)" : d.session.description
        try root.writeString("session_description", summary)
        try root.writeString("session_start_time", NWBObject.isoTimestamp(d.sessionStartTime))
        try root.writeString("timestamps_reference_time", NWBObject.isoTimestamp(d.sessionStartTime))
        for name in ["acquisition", "analysis", "processing", "stimulus", "stimulus/presentation", "stimulus/templates", "general", "events", "intervals"] {
            try root.createGroup(name).close()
        }
        let general = try root.openGroup("general")
        let g = general.location
        try g.writeString("session_id", d.sessionID)
        if !d.session.experimenters.isEmpty { try g.writeStrings("experimenter", d.session.experimenters).close() }
        if !d.session.experimentDescription.isEmpty { try g.writeString("experiment_description", d.session.experimentDescription) }
        if !d.session.institution.isEmpty { try g.writeString("institution", d.session.institution) }
        if !d.session.lab.isEmpty { try g.writeString("lab", d.session.lab) }
        if !d.session.keywords.isEmpty { try g.writeStrings("keywords", d.session.keywords).close() }
        try g.writeString("data_collection", provenanceJSON(d))
        try g.writeString("source_script", "ketamapd \(d.softwareVersion)")
        let script = try g.openDataset("source_script")
        try script.location.setAttribute("file_name", "ketamapd")
        try script.close()

        let subject = try g.createGroup("subject")
        try NWBObject.tag(subject.location, type: "Subject")
        try subject.location.writeString("subject_id", d.subject.id)
        try subject.location.writeString("species", d.subject.species)
        try subject.location.writeString("sex", d.subject.sex.rawValue)
        try subject.location.writeString("age", d.subject.age)
        let age = try subject.location.openDataset("age")
        try age.location.setAttribute("reference", "birth")
        try age.close()
        if !d.subject.description.isEmpty { try subject.location.writeString("description", d.subject.description) }
        // NWB's weight is text; changes during the session are rows of /events/subject_weight.
        if let kilograms = d.subject.weightKilograms { try subject.location.writeString("weight", "\(DoseNumber.format(kilograms)) kg") }
        try subject.close()

        let devices = try g.createGroup("devices")
        let device = try devices.location.createGroup("DAQ")
        try NWBObject.tag(device.location, type: "Device")
        let facts = d.sourceProvenance.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
        try device.location.setAttribute("description", "Acquisition board" + (facts.isEmpty ? "" : " (\(facts))"))
        if let maker = d.sourceProvenance["manufacturer"] ?? d.sourceProvenance["driver"], !maker.isEmpty {
            try device.location.setAttribute("manufacturer", maker)
        }
        try device.close()
        try devices.close()
        try general.close()
    }

    /// The provenance JSON of `/general/data_collection`.
    static func provenanceJSON(_ d: SessionDescription) -> String {
        let record = NWBProvenance(
            software_version: d.softwareVersion, session_id: d.sessionID,
            configuration: .init(
                config_path: d.configuration.configPath, config_text: d.configuration.configText,
                channels_tsv: d.configuration.channelsText, electrodes_tsv: d.configuration.electrodesText),
            source: d.sourceProvenance, processing: d.processing, storage: d.storage, snippet_sample_count: d.snippetSampleCount,
            lfp_start_seconds: d.lfpStartSeconds, band_power_start_seconds: d.bandPowerStartSeconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(record) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Electrode groups (one per shaft) and the electrodes table: one row per
    /// raw channel, then (unless processed channels are the raw rows) one per
    /// processed channel with a `reference` column naming what was subtracted.
    static func writeElectrodes(_ root: HDF5Location, _ d: SessionDescription) throws(HDF5Error) {
        let ephys = try root.createGroup("general/extracellular_ephys")
        let e = ephys.location
        var groupNames = d.montage.groups.map(\.name)
        for channel in d.montage.channels where !groupNames.contains(channel.group) { groupNames.append(channel.group) }
        for name in groupNames {
            let info = d.montage.groups.first { $0.name == name }
            let group = try e.createGroup(name)
            try NWBObject.tag(group.location, type: "ElectrodeGroup")
            try group.location.setAttribute("description", info?.description.isEmpty == false ? info!.description : "shaft \(name)")
            try group.location.setAttribute("location", info?.region ?? d.montage.channels.first { $0.group == name }?.region ?? "unknown")
            try group.location.createSoftLink("device", to: NWBLayout.device)
            try group.close()
        }

        let channels = d.montage.channels
        let processedRows = d.processedChannelsAreRawRows ? [] : d.processedChannels
        let rows = channels.count + processedRows.count
        func anodeChannel(_ p: ProcessedChannel) -> MontageChannel { channels[p.anode] }
        func mid(_ a: Double?, _ b: Double?) -> Double? { guard let a else { return nil }; guard let b else { return a }; return (a + b) / 2 }

        let table = try e.createGroup("electrodes")
        let t = table.location
        try NWBObject.tag(t, type: "ElectrodesTable")
        try t.setAttribute("description", "One row per recorded contact (frame column order)" + (processedRows.isEmpty ? "." : ", then one per processed channel (re-referenced derivation).")
            + " Coordinates x, y, z in micrometres on NWB's axes (+x posterior, +y inferior, +z right), space \(d.montage.coordinateSpace) (attribute coordinate_space).")
        var colnames: [String] = []
        func column(_ dataset: HDF5Dataset, _ name: String, _ description: String) throws(HDF5Error) {
            try NWBObject.tag(dataset.location, type: "VectorData", namespace: "hdmf-common")
            try dataset.location.setAttribute("description", description)
            try dataset.close()
            colnames.append(name)
        }
        let n = UInt64(rows)
        try column(t.writeStrings("location", channels.map(\.region) + processedRows.map(\.region), growable: true), "location", "Brain region of the contact; for a bipolar pair, of both contacts, or `deeper | shallower` for a pair across two regions (a boundary pair, reported in neither region).")
        let groupPaths = channels.map(\.group) + processedRows.map { anodeChannel($0).group }
        var references: [HDF5ObjectReference] = []
        for group in groupPaths { references.append(try root.reference(to: "/general/extracellular_ephys/\(group)")) }
        try column(t.writeArray("group", references, dims: [n], growable: true), "group", "Reference to the ElectrodeGroup (shaft).")
        try column(t.writeStrings("group_name", groupPaths, growable: true), "group_name", "Name of the ElectrodeGroup (shaft).")
        try column(t.writeStrings("channel_name", channels.map(\.name) + processedRows.map(\.name), growable: true), "channel_name", "Channel label (SpikeInterface channel id).")
        // rel_x/rel_y in µm, as NWB and SpikeInterface read them: shafts are drawn 10 mm apart
        // (SpikeInterface puts every channel in one probe and needs distinct positions), rel_y
        // along the shaft; a contact off its shaft's line (a splayed microwire) is set off in
        // rel_x by its distance from that line, and contacts at one place 100 µm apart.
        let layout = ShaftLayout(montage: d.montage, groupOrder: groupNames)
        let relX = layout.relX + processedRows.map { layout.relX[$0.anode] }
        try column(t.writeArray("rel_x", relX, dims: [n], growable: true), "rel_x", "Drawing position across shafts in micrometres: shafts 10 000 µm apart (montage group order), plus a contact's distance from its shaft's line.")
        let relY = layout.relY + processedRows.map { p in mid(layout.relY[p.anode], p.cathode.map { layout.relY[$0] })! }
        try column(t.writeArray("rel_y", relY, dims: [n], growable: true), "rel_y", "Position along the shaft from the deepest contact, in micrometres (midpoint for bipolar derivations).")
        if channels.contains(where: { $0.x != nil || $0.y != nil || $0.z != nil }) {
            func nwb(_ c: MontageChannel?) -> (x: Double, y: Double, z: Double)? {
                guard let c, let x = c.x, let y = c.y, let z = c.z else { return nil }
                return NWBCoordinates.nwb(rasMillimetres: x, y, z)
            }
            let raw = channels.map { nwb($0) }
            let derived = processedRows.map { p -> (x: Double, y: Double, z: Double)? in
                guard let a = nwb(anodeChannel(p)) else { return nil }
                guard let cathode = p.cathode else { return a }
                guard let b = nwb(channels[cathode]) else { return nil }
                return ((a.x + b.x) / 2, (a.y + b.y) / 2, (a.z + b.z) / 2)
            }
            for (name, key) in [("x", \(x: Double, y: Double, z: Double).x), ("y", \.y), ("z", \.z)] {
                let values = (raw + derived).map { $0?[keyPath: key] ?? .nan }
                try column(t.writeArray(name, values, dims: [n], growable: true), name, NWBCoordinates.columnDescription(name, space: d.montage.coordinateSpace))
            }
        }
        let gains = d.format.calibration.microvoltsPerCount
        try column(t.writeArray("hardware_channel", channels.map { Int64($0.hardwareChannel) } + processedRows.map { Int64(anodeChannel($0).hardwareChannel) }, dims: [n], growable: true), "hardware_channel", "Channel number on the DAQ card (anode's for derivations).")
        try column(t.writeArray("gain", gains + processedRows.map { gains[$0.anode] }, dims: [n], growable: true), "gain", "Microvolts per stored count (conversion × channel_conversion × 1e6).")
        if channels.contains(where: { $0.lowCutoffHz != nil || $0.highCutoffHz != nil }) {
            let filtering = channels.map(Self.hardwareFiltering) + processedRows.map { Self.hardwareFiltering(anodeChannel($0)) }
            try column(t.writeStrings("filtering", filtering, growable: true), "filtering", "Hardware filtering of the channel (the montage's low_cutoff and high_cutoff).")
        }
        try column(t.writeStrings("contact_type", channels.map(\.kind.rawValue) + processedRows.map { anodeChannel($0).kind.rawValue }, growable: true), "contact_type", "SEEG (macro contact) or MICRO (microwire).")
        try column(t.writeStrings("status", channels.map { $0.isGood ? "good" : "bad" } + processedRows.map { anodeChannel($0).isGood ? "good" : "bad" }, growable: true), "status", "BIDS status: good or bad (bad channels are still recorded).")
        if !processedRows.isEmpty {
            try column(t.writeStrings("reference", channels.map { _ in "recording reference" } + processedRows.map(\.referenceDescription), growable: true), "reference", "What was subtracted: the cathode contact of a bipolar derivation, an average, or the recording reference.")
            try column(t.writeArray("anode", (0..<channels.count).map { Int64($0) } + processedRows.map { Int64($0.anode) }, dims: [n], growable: true), "anode", "Raw row of the contact itself.")
            try column(t.writeArray("cathode", channels.map { _ in Int64(-1) } + processedRows.map { Int64($0.cathode ?? -1) }, dims: [n], growable: true), "cathode", "Raw row subtracted in a bipolar derivation; -1 when none.")
        }
        let polynomials = d.format.calibration.polynomials
        if !polynomials.isEmpty {
            let width = polynomials.map(\.count).max() ?? 1
            var values: [Double] = []
            for row in 0..<rows {
                let channel = row < channels.count ? row : processedRows[row - channels.count].anode
                let p = channel < polynomials.count ? polynomials[channel] : []
                values += p + [Double](repeating: 0, count: width - p.count)
            }
            try column(t.writeArray("calibration_polynomial", values, dims: [n, UInt64(width)], growable: true), "calibration_polynomial", "Card calibration: volts = Σ c[i]·raw^i with raw the card count before re-centring; not applied to the stored data.")
        }
        let ids = try t.writeArray("id", (0..<rows).map { Int64($0) }, dims: [n], growable: true)
        try NWBObject.tag(ids.location, type: "ElementIdentifiers", namespace: "hdmf-common")
        try ids.close()
        try t.setAttribute("colnames", colnames)
        try t.setAttribute("coordinate_space", d.montage.coordinateSpace)
        try table.close()
        try ephys.close()
    }

    /// `hardware band-pass 0.1–7500 Hz`, from a channel's BIDS cut-offs.
    static func hardwareFiltering(_ channel: MontageChannel) -> String {
        func hz(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
        switch (channel.lowCutoffHz, channel.highCutoffHz) {
        case let (low?, high?): return "hardware band-pass \(hz(low))–\(hz(high)) Hz"
        case let (low?, nil): return "hardware high-pass \(hz(low)) Hz"
        case let (nil, high?): return "hardware low-pass \(hz(high)) Hz"
        case (nil, nil): return "n/a"
        }
    }

    /// `comments`, `description` and the type tag of a TimeSeries group.
    static func tagTimeSeries(_ location: HDF5Location, type: String, description: String) throws(HDF5Error) {
        try NWBObject.tag(location, type: type)
        try location.setAttribute("comments", "no comments")
        try location.setAttribute("description", description)
    }

    /// `conversion`, `offset`, `resolution` and `unit` of a TimeSeries' data.
    static func setDataAttributes(_ data: HDF5Location, unit: String, conversion: Double, offset: Double, resolution: Double) throws(HDF5Error) {
        try data.setAttribute("conversion", conversion)
        try data.setAttribute("offset", offset)
        try data.setAttribute("resolution", resolution)
        try data.setAttribute("unit", unit)
    }

    /// The scalar `starting_time` dataset with its `rate` (Hz) and unit.
    static func writeStartingTime(_ series: HDF5Location, rate: Double, start: Double) throws(HDF5Error) {
        let dataset = try series.createDataset("starting_time", of: Double.self, shape: .scalar)
        try dataset.writeAll([start])
        try dataset.location.setAttribute("rate", rate)
        try dataset.location.setAttribute("unit", "seconds")
        try dataset.close()
    }

    /// A `DynamicTableRegion` into the electrodes table.
    static func writeRegion(_ series: HDF5Location, root: HDF5Location, rows: [Int], description: String, name: String = "electrodes") throws(HDF5Error) {
        let region = try series.writeArray(name, rows.map { Int64($0) }, dims: [UInt64(rows.count)], growable: true)
        try NWBObject.tag(region.location, type: "DynamicTableRegion", namespace: "hdmf-common")
        try region.location.setAttribute("description", description)
        try region.location.setAttribute("table", try root.reference(to: NWBLayout.electrodes))
        try region.close()
    }

    /// The `bands` table (`FrequencyBandsTable`) of the band-power series.
    static func writeBands(_ series: HDF5Location, _ bands: [ProcessingSettings.Band]) throws(HDF5Error) {
        let group = try series.createGroup("bands")
        let t = group.location
        try NWBObject.tag(t, type: "FrequencyBandsTable")
        try t.setAttribute("description", "Frequency bands of the band power, in Hz.")
        try t.setAttribute("colnames", ["band_name", "band_limits", "band_mean", "band_stdev"])
        let n = UInt64(bands.count)
        func describe(_ dataset: HDF5Dataset, _ text: String) throws(HDF5Error) {
            try NWBObject.tag(dataset.location, type: "VectorData", namespace: "hdmf-common")
            try dataset.location.setAttribute("description", text)
            try dataset.close()
        }
        try describe(t.writeStrings("band_name", bands.map(\.name), growable: true), "Name of the band, e.g. theta.")
        try describe(t.writeArray("band_limits", bands.flatMap { [$0.lowHz, $0.highHz] }, dims: [n, 2], growable: true), "Low and high limit of each band in Hz.")
        try describe(t.writeArray("band_mean", bands.map { ($0.lowHz * $0.highHz).squareRoot() }, dims: [n], growable: true), "Geometric centre of the band, in Hz.")
        try describe(t.writeArray("band_stdev", bands.map { ($0.highHz - $0.lowHz) / 2 }, dims: [n], growable: true), "Half the band's width, in Hz (the filters are Butterworth band-passes, not Gaussians).")
        let ids = try t.writeArray("id", (0..<bands.count).map { Int64($0) }, dims: [n], growable: true)
        try NWBObject.tag(ids.location, type: "ElementIdentifiers", namespace: "hdmf-common")
        try ids.close()
        try group.close()
    }

    /// `/specifications/<namespace>/<version>/<source>`: the cached schema JSON.
    static func writeSpecifications(_ root: HDF5Location) throws(HDF5Error) {
        let specifications = try root.createGroup("specifications")
        for namespace in NWBSpecifications.namespaces {
            let group = try specifications.location.createGroup(namespace.name)
            let version = try group.location.createGroup(namespace.version)
            for source in namespace.sources { try version.location.writeString(source.name, source.json) }
            try version.close()
            try group.close()
        }
        try specifications.close()
    }
}
