import Foundation
import KetaMapCore
import SystemPackage
import Synchronization
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapStorage
import KetaMapControl

@Suite("Dose path")
struct DoseDeskTests {
    /// A desk over a ring with `frames` acquired, plus its mailbox and log.
    struct Fixture {
        /// The disk's time to confirm a dose, for the tests that do not test it: the playing recorder
        /// is a task, which tests running at the same time on a loaded machine may hold up for seconds.
        static let patientTimeoutSeconds = 120.0

        let directory: TemporaryFolder
        let ring: SampleRing
        let log: EventLog
        let mailbox = RecorderMailbox()
        let board: StatusBoard
        let desk: DoseDesk

        init(
            frames: Int, durableTimeoutSeconds: Double = Fixture.patientTimeoutSeconds,
            startTimeout: @escaping @Sendable (Double, @escaping @Sendable () -> Void) -> Void = DoseDesk.afterDelay
        ) throws {
            directory = try TemporaryFolder()
            let ring = SampleRing(channelCount: 2, minimumFrames: 1024, consumers: ["recorder"])
            [Int16](repeating: 1, count: 2 * frames).withUnsafeBufferPointer { ring.write($0) }
            self.ring = ring
            log = try EventLog(creating: FilePath("\(directory.path)/s.events.jsonl"))
            let board = StatusBoard(initial: SessionStatus(sessionID: "s", state: .recording, filePath: "", source: "test", sampleRateHz: 1000, channelCount: 2), ring: ring)
            self.board = board
            desk = DoseDesk(
                sessionID: "s", rateHz: 1000, ring: ring, eventLog: log, mailbox: mailbox, board: board, durableTimeoutSeconds: durableTimeoutSeconds,
                ledger: DoseLedger(weightKilograms: 70), startTimeout: startTimeout)
        }

        /// Plays the recorder: acknowledges every delivery after `delay`.
        func recorder(delay: Duration = .milliseconds(50)) -> Task<[RecorderMailbox.Entry], Never> {
            let mailbox = self.mailbox
            return Task {
                var seen: [RecorderMailbox.Entry] = []
                while !Task.isCancelled {
                    for delivery in mailbox.take() where delivery.ticket?.claim() ?? true {
                        try? await Task.sleep(for: delay)
                        seen.append(delivery.entry)
                        delivery.ticket?.complete(.success(()))
                    }
                    try? await Task.sleep(for: .milliseconds(2))
                }
                return seen
            }
        }
    }

    let infusion = DoseRequest(drug: "ketamine", amount: 0.5, unit: .milligramsPerKilogram, route: .ivInfusion, overSeconds: 2400, operator: "RN Smith")

    @Test("a dose is stamped with the newest sample, in the event log before it is acknowledged")
    func durableBeforeAck() async throws {
        let fixture = try Fixture(frames: 500)
        let recorder = fixture.recorder()
        let ack = try await fixture.desk.record(infusion)
        let dose = ack.dose
        recorder.cancel()
        #expect(dose.eventID == 1 && ack.dosing.totals.first?.milligrams == 35 && ack.secondsSincePreviousDose == nil)
        #expect(dose.sampleIndex == 499)
        #expect(dose.startSeconds == 0.499)
        #expect(abs(dose.stopSeconds - (0.499 + 2400)) < 1e-9)
        let records = try EventLog.read(fixture.log.path)
        #expect(records.map(\.kind) == [.dose])
        #expect(records[0].dose == dose)
        let delivered = await recorder.value
        #expect(delivered.count == 1)
    }

    @Test("two doses never share a start; a bolus lasts one sample")
    func uniqueStamps() async throws {
        let fixture = try Fixture(frames: 10)
        let recorder = fixture.recorder(delay: .zero)
        let bolus = DoseRequest(drug: "ketamine", amount: 0.1, unit: .milligramsPerKilogram, route: .ivBolus)
        let first = try await fixture.desk.record(bolus).dose
        let second = try await fixture.desk.record(bolus).dose
        recorder.cancel()
        #expect(first.sampleIndex == 9 && second.sampleIndex == 10)
        #expect(abs(first.stopSeconds - first.startSeconds - 0.001) < 1e-12)
    }

    @Test("a bad dose is refused with its field, and nothing is logged")
    func refusal() async throws {
        let fixture = try Fixture(frames: 10)
        var bad = infusion
        bad.amount = -1
        await #expect(throws: DoseRejection(field: "amount", reason: "must be a positive number, got -1.0")) {
            try await fixture.desk.record(bad)
        }
        var noDuration = infusion
        noDuration.overSeconds = nil
        await #expect(throws: DoseRejection.self) { try await fixture.desk.record(noDuration) }
        #expect(try EventLog.read(fixture.log.path).isEmpty)
    }

    @Test("every acknowledgement carries its event id; a void leaves the dose in the log and out of the totals; a weight converts later doses")
    func voidAndWeight() async throws {
        let fixture = try Fixture(frames: 100)
        let recorder = fixture.recorder(delay: .zero)
        let bolus = DoseRequest(drug: "ketamine", amount: 0.25, unit: .milligramsPerKilogram, route: .ivBolus)
        let first = try await fixture.desk.record(bolus)
        let mark = try await fixture.desk.mark("patient drowsy")
        let mistaken = try await fixture.desk.record(DoseRequest(drug: "ketamine", amount: 35, unit: .milligrams, route: .ivBolus))
        #expect(abs((mistaken.secondsSincePreviousDose ?? 0) - 0.001) < 1e-9 && mistaken.dosing.totals[0].milligramsPerKilogram == 0.75)
        let void = try await fixture.desk.void(eventID: mistaken.dose.eventID, reason: "entered twice")
        let weight = try await fixture.desk.setWeight(kilograms: 80)
        let later = try await fixture.desk.record(DoseRequest(drug: "ketamine", amount: 40, unit: .milligrams, route: .ivBolus))
        recorder.cancel()
        #expect([first.dose.eventID, mark.eventID, mistaken.dose.eventID, void.void.eventID, weight.weight.eventID, later.dose.eventID] == [1, 2, 3, 4, 5, 6])
        #expect(void.void.voidedEventID == 3 && void.dosing.totals[0].milligramsPerKilogram == 0.25 && void.dosing.voidedBy == [3: 4])
        #expect(later.dose.normalized.milligramsPerKilogram == 0.5 && later.dose.normalized.weightKilograms == 80)
        #expect(later.dosing.totals[0].milligrams == 17.5 + 40)
        await #expect(throws: DoseRejection.self, "a dose voids once") { try await fixture.desk.void(eventID: 3, reason: "again") }
        await #expect(throws: DoseRejection.self, "a mark is no dose") { try await fixture.desk.void(eventID: 2, reason: "no") }
        await #expect(throws: DoseRejection.self) { try await fixture.desk.setWeight(kilograms: 7000) }
        let records = try EventLog.read(fixture.log.path)
        #expect(records.map(\.kind) == [.dose, .mark, .dose, .void, .weight, .dose], "refusals log nothing; the voided dose stays")
        let status = fixture.board.snapshot()
        #expect(status.doses.count == 3 && status.dosing.totals[0].doseCount == 2 && status.dosing.lastDoseEventID == 6)
        #expect(status.secondsSinceLastDose != nil)
        let delivered = await recorder.value
        #expect(delivered.count == 6)
    }

    @Test("an implausible dose is refused with its limit and nothing is logged; confirmed, it is recorded with the override")
    func limitOverride() async throws {
        let fixture = try Fixture(frames: 10)
        let recorder = fixture.recorder(delay: .zero)
        var absurd = DoseRequest(drug: "ketamine", amount: 5000, unit: .milligramsPerKilogram, route: .intramuscular)
        await #expect(throws: DoseRejection.self) { try await fixture.desk.record(absurd) }
        #expect(try EventLog.read(fixture.log.path).isEmpty)
        absurd.confirmed = true
        let dose = try await fixture.desk.record(absurd).dose
        recorder.cancel()
        #expect(dose.limitOverride?.contains("13 mg/kg limit") == true && dose.request.confirmed)
        #expect(try EventLog.read(fixture.log.path).first?.dose == dose)
    }

    @Test("a mark longer than the file's column is refused with its limit")
    func longMark() async throws {
        let fixture = try Fixture(frames: 10)
        await #expect(throws: DoseRejection(field: "text", reason: "is 2000 bytes long; the session file holds at most 512 bytes (UTF-8) here: shorten it")) {
            try await fixture.desk.mark(String(repeating: "m", count: 2000))
        }
        #expect(try EventLog.read(fixture.log.path).isEmpty)
    }

    @Test("when the recorder has closed, the dose is not acknowledged")
    func closedRecorder() async throws {
        let fixture = try Fixture(frames: 10)
        fixture.mailbox.close(reason: "the session is closing")
        await #expect(throws: EventTicket.Refusal.self) { try await fixture.desk.record(infusion) }
    }

    /// A timeout that passes when the test says so, not after a time.
    final class HeldTimeout: Sendable {
        private let refusals = Mutex<[@Sendable () -> Void]>([])
        func start(_ seconds: Double, _ refuse: @escaping @Sendable () -> Void) { refusals.withLock { $0.append(refuse) } }
        /// Runs the refusal once the desk has started its timeout (it may hand the dose on first).
        func pass() async throws {
            while refusals.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(1)) }
            for refuse in refusals.withLock({ $0 }) { refuse() }
        }
    }

    @Test("a dose the file does not confirm in time is refused, and the log marks it refused; the recorder then skips it")
    func timeoutRefusal() async throws {
        let timeout = HeldTimeout()
        let fixture = try Fixture(frames: 10, durableTimeoutSeconds: 0.2, startTimeout: timeout.start)
        let peer = PeerCredentials(uid: 1234, gid: 99, pid: 4321)
        let desk = fixture.desk
        let recording = Task { [infusion] in try await desk.record(infusion, from: peer) }
        // The state the timeout must find: the dose logged and in the recorder's mailbox, which no recorder takes.
        let late = try await Self.delivered(fixture.mailbox)
        try #require(late.count == 1, "the dose never reached the recorder's mailbox")
        try await timeout.pass()
        await #expect(throws: EventTicket.Refusal.self) { try await recording.value }
        await fixture.desk.drain()
        let records = try EventLog.read(fixture.log.path)
        #expect(records.map(\.kind) == [.dose, .refused])
        #expect(records[0].dose?.peer == peer)
        #expect(records[1].refusedEventID == records[0].dose?.eventID)
        #expect(late[0].ticket?.claim() == false, "a refused dose is never written to the file")
    }

    /// What the desk has handed to the recorder's mailbox, once it has handed something (or after 60 s, nothing).
    static func delivered(_ mailbox: RecorderMailbox) async throws -> [RecorderMailbox.Delivery] {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let deliveries = mailbox.take()
            if !deliveries.isEmpty { return deliveries }
            try await Task.sleep(for: .milliseconds(5))
        }
        return []
    }

    @Test("a dose the recorder has begun writing is answered by the recorder, never refused by the timeout")
    func claimedIsNotRefused() async throws {
        let timeout = HeldTimeout()
        let fixture = try Fixture(frames: 10, durableTimeoutSeconds: 1, startTimeout: timeout.start)
        let desk = fixture.desk
        let recording = Task { [infusion] in try await desk.record(infusion).dose }
        let delivery = try #require(try await Self.delivered(fixture.mailbox).first, "the dose never reached the recorder's mailbox")
        #expect(delivery.ticket?.claim() == true, "the recorder begins writing it")
        try await timeout.pass()  // while the recorder writes
        delivery.ticket?.complete(.success(()))
        let dose = try await recording.value
        #expect(dose.eventID == 1)
        #expect(try EventLog.read(fixture.log.path).map(\.kind) == [.dose])
    }

    @Test("doses and marks share one sequence of event ids, in the order they were stamped")
    func eventIDs() async throws {
        let fixture = try Fixture(frames: 10)
        let recorder = fixture.recorder(delay: .zero)
        let bolus = DoseRequest(drug: "ketamine", amount: 0.1, unit: .milligramsPerKilogram, route: .ivBolus)
        let first = try await fixture.desk.record(bolus).dose
        let mark = try await fixture.desk.mark("eyes closed")
        let second = try await fixture.desk.record(bolus).dose
        recorder.cancel()
        #expect([first.eventID, mark.eventID, second.eventID] == [1, 2, 3])
        #expect(try EventLog.read(fixture.log.path).compactMap(\.eventID) == [1, 2, 3])
    }
}
