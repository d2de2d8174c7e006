import Foundation
import KetaMapCore
import SystemPackage
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapControl

@Suite("Dose path")
struct DoseDeskTests {
    /// A desk over a ring with `frames` acquired, plus its mailbox and log.
    struct Fixture {
        let directory: TemporaryFolder
        let ring: SampleRing
        let log: EventLog
        let mailbox = RecorderMailbox()
        let desk: DoseDesk

        init(frames: Int, durableTimeoutSeconds: Double = DoseDesk.defaultDurableTimeoutSeconds) throws {
            directory = try TemporaryFolder()
            let ring = SampleRing(channelCount: 2, minimumFrames: 1024, consumers: ["recorder"])
            [Int16](repeating: 1, count: 2 * frames).withUnsafeBufferPointer { ring.write($0) }
            self.ring = ring
            log = try EventLog(creating: FilePath("\(directory.path)/s.events.jsonl"))
            let board = StatusBoard(initial: SessionStatus(sessionID: "s", state: .recording, filePath: "", source: "test", sampleRateHz: 1000, channelCount: 2), ring: ring)
            desk = DoseDesk(
                sessionID: "s", rateHz: 1000, ring: ring, eventLog: log, mailbox: mailbox, board: board, durableTimeoutSeconds: durableTimeoutSeconds)
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
        let dose = try await fixture.desk.record(infusion)
        recorder.cancel()
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
        let first = try await fixture.desk.record(bolus)
        let second = try await fixture.desk.record(bolus)
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

    @Test("when the recorder has closed, the dose is not acknowledged")
    func closedRecorder() async throws {
        let fixture = try Fixture(frames: 10)
        fixture.mailbox.close(reason: "the session is closing")
        await #expect(throws: EventTicket.Refusal.self) { try await fixture.desk.record(infusion) }
    }

    @Test("a dose the file does not confirm in time is refused, and the log marks it refused; the recorder then skips it")
    func timeoutRefusal() async throws {
        let fixture = try Fixture(frames: 10, durableTimeoutSeconds: 0.2)
        let peer = PeerCredentials(uid: 1234, gid: 99, pid: 4321)
        await #expect(throws: EventTicket.Refusal.self) { try await fixture.desk.record(infusion, from: peer) }
        await fixture.desk.drain()
        let records = try EventLog.read(fixture.log.path)
        #expect(records.map(\.kind) == [.dose, .refused])
        #expect(records[0].dose?.peer == peer)
        #expect(records[1].refusedEventID == records[0].dose?.eventID)
        let late = fixture.mailbox.take()
        #expect(late.count == 1 && late[0].ticket?.claim() == false, "a refused dose is never written to the file")
    }

    @Test("a dose the recorder has begun writing is answered by the recorder, never refused by the timeout")
    func claimedIsNotRefused() async throws {
        let fixture = try Fixture(frames: 10, durableTimeoutSeconds: 1)
        let recorder = fixture.recorder(delay: .milliseconds(1800))
        let dose = try await fixture.desk.record(infusion)
        recorder.cancel()
        #expect(dose.eventID == 1)
        #expect(try EventLog.read(fixture.log.path).map(\.kind) == [.dose])
    }

    @Test("doses and marks share one sequence of event ids, in the order they were stamped")
    func eventIDs() async throws {
        let fixture = try Fixture(frames: 10)
        let recorder = fixture.recorder(delay: .zero)
        let bolus = DoseRequest(drug: "ketamine", amount: 0.1, unit: .milligramsPerKilogram, route: .ivBolus)
        let first = try await fixture.desk.record(bolus)
        let mark = try await fixture.desk.mark("eyes closed")
        let second = try await fixture.desk.record(bolus)
        recorder.cancel()
        #expect([first.eventID, mark.eventID, second.eventID] == [1, 2, 3])
        #expect(try EventLog.read(fixture.log.path).compactMap(\.eventID) == [1, 2, 3])
    }
}
