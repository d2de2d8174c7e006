import Foundation
import KetaMapControl
import KetaMapCore
import KetaMapStorage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// Many clinicians' clients dosing at once, against a running `ketamapd`.
@Suite("Doses under concurrency", .serialized)
struct ConcurrentDoseTests {
    /// Small enough that 2000 of them (10 mg/kg) stay inside ketamine's 13 mg/kg session limit,
    /// so every dose is checked against the running total while the others arrive.
    static let bolus = DoseRequest(drug: "ketamine", amount: 0.005, unit: .milligramsPerKilogram, route: .ivBolus, operator: "RN Load")

    @Test("16 clients sending 2000 doses back to back: every one acknowledged, in the log and the file in one order, none refused, recording goes on")
    func manyClientsLoseNothing() async throws {
        let workspace = try EndToEndTests.Workspace(doseAt: nil, edit: EndToEndTests.Workspace.withoutProcessing)
        let daemon = try await workspace.startDaemon(session: "load")

        let clients = 16, dosesPerClient = 125, socket = workspace.socketPath
        let acknowledged = try await withThrowingTaskGroup(of: [DoseEvent].self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var mine: [DoseEvent] = []
                    for _ in 0..<dosesPerClient {
                        let response = try await ControlClient.send(ControlRequest(command: .dose, dose: Self.bolus), to: socket)
                        #expect(response.ok, "refused: \(String(describing: response.error))")
                        if let dose = response.dose { mine.append(dose) }
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.count == clients * dosesPerClient)
        let status = try await ControlClient.send(ControlRequest(command: .status), to: workspace.socketPath).status
        #expect(status?.state == .recording)
        #expect(status?.doses.count == clients * dosesPerClient)
        let total = try #require(status?.dosing.totals.first)
        #expect(total.doseCount == clients * dosesPerClient && abs(total.milligramsPerKilogram - 10) < 1e-9, "\(total)")

        daemon.signal(SIGTERM)
        let ended = try await daemon.wait(timeout: 60)
        #expect(ended.status == 0, "ketamapd: \(ended.error)")

        let records = try EventLog.read(.init("\(workspace.directory.path)/load.events.jsonl"))
        let logged = records.compactMap(\.dose)
        #expect(!records.contains { $0.kind == .refused })
        #expect(logged.count == acknowledged.count)
        #expect(Set(logged.map(\.eventID)) == Set(acknowledged.map(\.eventID)))
        #expect(zip(logged, logged.dropFirst()).allSatisfy { $0.sampleIndex < $1.sampleIndex }, "log order is stamp order")
        #expect(logged.allSatisfy { $0.peer?.uid == getuid() && $0.peer?.pid == getpid() }, "each dose carries the client's credentials")

        let reader = try NWBSessionReader(path: workspace.nwb("load"))
        defer { reader.close() }
        #expect(try reader.doses().map(\.sampleIndex) == logged.map(\.sampleIndex))
        #expect(reader.faultNote == nil)
        try DoseRecordTests.expectFileAgreesWithLog(workspace.nwb("load"), records)
    }
}
