import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon
import KetaMapStorage

@Suite("Session file names")
struct SessionFilesTests {
    @Test("a restarted session continues in <id>-2, then <id>-3, never overwriting")
    func restartNeverOverwrites() throws {
        let directory = try TemporaryFolder()
        let first = SessionFiles(sessionID: "s01", directory: directory.path)
        #expect(first.nwbPath == "\(directory.path)/s01.nwb")
        #expect(first.eventsPath == "\(directory.path)/s01.events.jsonl")
        _ = FileManager.default.createFile(atPath: first.nwbPath, contents: Data())
        #expect(SessionFiles(sessionID: "s01", directory: directory.path).stem == "s01-2")
        _ = FileManager.default.createFile(atPath: "\(directory.path)/s01-2.events.jsonl", contents: Data())
        let third = SessionFiles(sessionID: "s01", directory: directory.path)
        #expect(third.stem == "s01-3" && third.part == 3)
        #expect(third.earlierStems == ["s01", "s01-2"])
        #expect(first.part == 1 && first.earlierStems.isEmpty)
    }

    @Test("the default session id is the UTC start time")
    func defaultID() {
        let id = SessionFiles.defaultSessionID(at: Date(timeIntervalSince1970: 1_795_000_000))
        #expect(id == "20261118T110640Z")
        #expect(SessionFiles.isValidSessionID(id))
        #expect(!SessionFiles.isValidSessionID("../etc"))
        #expect(!SessionFiles.isValidSessionID("a b"))
    }
}

