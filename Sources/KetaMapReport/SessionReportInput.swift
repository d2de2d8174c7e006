import KetaMapCore
import KetaMapDSP
import KetaMapStorage

/// Reads what the report needs from a session file.
public enum SessionReportInput {
    public static func read(path: String) throws -> ReportInput {
        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        let power = try reader.bandPower()
        let voided = try reader.voidedDoses()
        let doses = try reader.doses()
        let crossings = try reader.thresholdCrossingTimes().enumerated().flatMap { channel, times in
            times.map { (seconds: $0, channel: channel) }
        }
        var input = ReportInput(
            bands: power?.bands ?? [], bandPowerRateHz: power?.rateHz ?? 1, bandPowerStartSeconds: power?.startSeconds ?? 0,
            channels: reader.processedChannels.map { channel in
                let contacts = reader.montage.channels
                return ReportInput.Channel(
                    name: channel.name, region: channel.region, detectsSpikes: channel.detectsSpikes, position: position(of: channel, in: reader.montage),
                    contacts: contacts[channel.anode].kind, isBoundary: channel.cathode.map { contacts[$0].region != contacts[channel.anode].region } ?? false)
            },
            power: power?.valuesMicrovoltsSquared ?? [], doses: doses.filter { voided[$0.eventID] == nil }, crossings: crossings,
            durationSeconds: Double(reader.frameCount) / reader.format.sampleRateHz, voidedDoses: doses.filter { voided[$0.eventID] != nil })
        input.subjectID = reader.subjectID
        input.sessionID = reader.sessionID
        input.coordinateSpace = reader.montage.coordinateSpace
        return input
    }

    /// A processed channel's place: its contact's, or the midpoint of a bipolar pair.
    static func position(of channel: ProcessedChannel, in montage: Montage) -> ReportInput.Position? {
        let contacts = [channel.anode] + (channel.cathode.map { [$0] } ?? [])
        let points = contacts.compactMap { index -> ReportInput.Position? in
            let c = montage.channels[index]
            guard let x = c.x, let y = c.y, let z = c.z else { return nil }
            return ReportInput.Position(x: x, y: y, z: z)
        }
        guard points.count == contacts.count else { return nil }
        let n = Double(points.count)
        let x: Double = points.reduce(0) { $0 + $1.x } / n
        let y: Double = points.reduce(0) { $0 + $1.y } / n
        let z: Double = points.reduce(0) { $0 + $1.z } / n
        return ReportInput.Position(x: x, y: y, z: z)
    }
}
