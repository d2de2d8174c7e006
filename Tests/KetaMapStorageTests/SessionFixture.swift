import Foundation
import KetaMapCore
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage
import KetaMapDSP
import KetaMapConfiguration

/// A realistic implant and a synthetic session the storage tests write and check.
enum SessionFixture {
    /// 8 sEEG shafts × 10 contacts over both hemispheres plus one bundle of 8 microwires (88 channels).
    static func montage() -> Montage {
        let shafts: [(String, String)] = [
            ("LA", "Left amygdala"), ("LH", "Left hippocampus"), ("LI", "Left insula"), ("LC", "Left anterior cingulate cortex"),
            ("LF", "Left orbitofrontal cortex"), ("RA", "Right amygdala"), ("RH", "Right hippocampus"), ("RP", "Right putamen"),
        ]
        var channels: [MontageChannel] = []
        var groups: [ElectrodeGroup] = []
        for (s, (name, region)) in shafts.enumerated() {
            groups.append(ElectrodeGroup(name: name, description: "sEEG shaft \(name), 10 contacts, 3.5 mm pitch", region: region))
            for k in 0..<10 {
                channels.append(MontageChannel(
                    name: "\(name)\(k + 1)", kind: .seeg, group: name, region: region,
                    x: Double(s < 5 ? -20 - k * 3 : 20 + k * 3), y: Double(s * 5), z: Double(-10 + k),
                    alongShaftMillimeters: Double(k) * 3.5, sizeSquareMillimeters: 5, hardwareChannel: channels.count))
            }
        }
        groups.append(ElectrodeGroup(name: "mLA", description: "Behnke-Fried microwire bundle in the left amygdala", region: "Left amygdala"))
        for w in 0..<8 {
            channels.append(MontageChannel(
                name: "mLA\(w + 1)", kind: .micro, group: "mLA", region: "Left amygdala", x: -18, y: 2, z: -12,
                alongShaftMillimeters: 0, hardwareChannel: channels.count))
        }
        return Montage(channels: channels, groups: groups, coordinateSpace: "ACPC")
    }

    /// Bipolar derivations along each shaft (contact minus its deeper neighbour) plus each microwire monopolar.
    static func processedChannels(_ montage: Montage) -> [ProcessedChannel] {
        var result: [ProcessedChannel] = []
        for (i, c) in montage.channels.enumerated() {
            if c.kind == .micro {
                result.append(ProcessedChannel(name: c.name, anode: i, cathode: nil, referenceDescription: "recording reference", region: c.region, group: c.group, detectsSpikes: true))
            } else if i > 0, montage.channels[i - 1].group == c.group {
                let deeper = montage.channels[i - 1]
                result.append(ProcessedChannel(name: "\(c.name)-\(deeper.name)", anode: i, cathode: i - 1, referenceDescription: deeper.name, region: c.region, group: c.group, detectsSpikes: false))
            }
        }
        return result
    }

    static func description(rateHz: Double = 10_000, storage: StorageSettings = StorageSettings(), sessionID: String = "20261126T090000Z") -> SessionDescription {
        let montage = montage()
        let gains = montage.channels.map { $0.kind == .micro ? 0.25 : 1.0 }
        let format = SampleFormat(channelCount: montage.channels.count, sampleRateHz: rateHz, calibration: Calibration(voltsPerCount: 0.195e-6, channelGains: gains))
        return SessionDescription(
            identifier: UUID().uuidString.lowercased(), sessionID: sessionID,
            sessionStartTime: Date(timeIntervalSince1970: 1_795_683_600.25),
            session: SessionSettings(
                description: "Ketamine infusion study, synthetic test session", experimentDescription: "Depth-electrode recording during subanaesthetic ketamine",
                experimenters: ["Tester, Alex"], institution: "Test Hospital", lab: "Neurophysiology", keywords: ["ketamine", "sEEG"]),
            subject: SubjectSettings(id: "sub-007", sex: .female, age: "P35Y", description: "pseudonymous test subject"),
            montage: montage, format: format, processedChannels: processedChannels(montage),
            processing: ProcessingSettings(lfpRateHz: 1000, bandPowerRateHz: 10),
            sourceProvenance: ["board": "simulator", "driver": "KetaMap simulator", "calibration": "linear 0.195 µV/count"],
            configuration: ConfigurationProvenance(configPath: "(test)", configText: "[session]\ndescription = \"test\"\n", channelsText: "name\ttype\n", electrodesText: "name\tx\n"),
            softwareVersion: "0.1.0-test", storage: storage)
    }

    /// The synthetic raw sample at (frame, channel); `check_session.py` computes the same.
    static func rawSample(frame: Int, channel: Int) -> Int16 { Int16(((frame * 7 + channel * 13) % 4001) - 2000) }

    static func fillRaw(_ buffer: UnsafeMutableBufferPointer<Int16>, firstFrame: Int, frames: Int, channels: Int) {
        for f in 0..<frames { for c in 0..<channels { buffer[f * channels + c] = rawSample(frame: firstFrame + f, channel: c) } }
    }

    static func bandValue(row: Int, channel: Int, band: Int) -> Float { Float(1.0 + Double(row) * 0.5 + Double(channel) * 3.0 + Double(band) * 100.0) }
    static func lfpValue(row: Int, channel: Int) -> Float { Float(sin(Double(row) * 0.01 + Double(channel)) * 100.0) }
}

/// Runs `Tests/python/check_session.py` with `$KETAMAP_PYTHON` (from `ProcessRunner.python()`).
enum PythonCheck {
    static let script = ProcessRunner.pythonScript("check_session.py")

    /// Starts the script with `arguments`.
    static func start(_ python: String, _ arguments: [String]) throws -> ProcessRunner.Running {
        try ProcessRunner.start(python, [script] + arguments)
    }

    /// Runs the script to the end; returns its exit status and output (standard output, then error).
    static func run(_ python: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await start(python, arguments).wait(timeout: 300)
        return (result.status, result.output + result.error)
    }
}
