import KetaMapCore

extension ProcessingSettings.Reference {
    /// The channels the signal processor works on for `montage` under this reference.
    ///
    /// Rules (the raw file always keeps every recorded contact, monopolar):
    /// - Contacts marked bad (`isGood == false`) are left out of every derivation
    ///   and every average; their raw figures still reach the status board.
    /// - `monopolar`: each good contact as recorded.
    /// - `bipolar`: on each sEEG shaft, contacts ordered from the deepest
    ///   (`alongShaftMillimeters` ascending); each neighbouring pair gives
    ///   `deeper − shallower`, named `LA1-LA2`. A shaft with one good contact gives
    ///   nothing. Microwires have no geometry along a shaft and stay monopolar.
    ///   A pair whose contacts lie in two regions belongs to neither: its region
    ///   is the boundary's (`ProcessedChannel.boundaryRegion`), a row of its own.
    /// - `car-shaft`: each contact minus the average of the good contacts of its
    ///   shaft (a microwire bundle is a shaft).
    /// - `car-all`: each contact minus the average of all good contacts of the
    ///   same kind (sEEG with sEEG, microwires with microwires): the two kinds
    ///   have different impedances and signals, and are never mixed in an average.
    ///
    /// Spikes are detected on every processed channel whose anode is a microwire.
    public func processedChannels(for montage: Montage) -> [ProcessedChannel] {
        let channels = montage.channels
        func monopolar(_ i: Int, description: String = "recording reference") -> ProcessedChannel {
            let c = channels[i]
            return ProcessedChannel(
                name: c.name, anode: i, cathode: nil, referenceDescription: description, region: c.region,
                group: c.group, detectsSpikes: c.kind == .micro)
        }
        let good = channels.indices.filter { channels[$0].isGood }
        switch self {
        case .monopolar:
            return good.map { monopolar($0) }
        case .commonAveragePerShaft:
            return good.map { monopolar($0, description: "average of shaft \(channels[$0].group)") }
        case .commonAverageAll:
            return good.map {
                monopolar($0, description: channels[$0].kind == .micro ? "average of all microwires" : "average of all sEEG contacts")
            }
        case .bipolar:
            var result: [ProcessedChannel] = []
            var done = Set<String>()
            for i in good where !done.contains(channels[i].group) || channels[i].kind == .micro {
                let c = channels[i]
                if c.kind == .micro {
                    result.append(monopolar(i))
                    continue
                }
                done.insert(c.group)
                let shaft = good.filter { channels[$0].group == c.group && channels[$0].kind == .seeg }
                    .sorted { channels[$0].alongShaftMillimeters < channels[$1].alongShaftMillimeters }
                for (deep, shallow) in zip(shaft, shaft.dropFirst()) {
                    let a = channels[deep]
                    let b = channels[shallow]
                    result.append(
                        ProcessedChannel(
                            name: "\(a.name)-\(b.name)", anode: deep, cathode: shallow, referenceDescription: b.name,
                            region: a.region == b.region ? a.region : ProcessedChannel.boundaryRegion(a.region, b.region),
                            group: a.group, detectsSpikes: false))
                }
            }
            return result
        }
    }

    /// Which raw channels are averaged and subtracted from `channel` under this
    /// reference (empty for monopolar and bipolar).
    func averagedChannels(for channel: Int, in montage: Montage) -> [Int] {
        let channels = montage.channels
        let c = channels[channel]
        switch self {
        case .monopolar, .bipolar:
            return []
        case .commonAveragePerShaft:
            return channels.indices.filter { channels[$0].isGood && channels[$0].group == c.group }
        case .commonAverageAll:
            return channels.indices.filter { channels[$0].isGood && channels[$0].kind == c.kind }
        }
    }
}
