import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage
import KetaMapConfiguration

/// De-identifying a copy for sharing: ages from 89 years on become `P89Y/`
/// ("89 or older"), younger ages and the sample clock stay, dates move back.
@Suite("De-identification of shared copies")
struct DeidentificationTests {
    /// The subject's age and its `reference` attribute, as the file holds them.
    static func age(in path: String) throws -> (age: String, reference: String?) {
        let file = try HDF5File.open(path, mode: .swmrRead)
        let d = try file.root.openDataset("general/subject/age")
        let age = try d.readStrings().first ?? ""
        let reference = try d.location.stringAttribute("reference")
        try d.close()
        try file.close()
        return (age, reference)
    }

    @Test(
        "an age of 89 years or more is written P89Y/, a younger one is kept",
        arguments: [("P92Y", "P89Y/"), ("P89Y", "P89Y/"), ("P1068M", "P89Y/"), ("P88Y11M", "P88Y11M"), ("P35Y", "P35Y"), ("P20W", "P20W")])
    func ageCap(recorded: String, shared: String) throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("session.nwb").path
        var d = SessionFixture.description()
        d.subject.age = recorded
        _ = try writeSyntheticSession(at: path, description: d, frames: 1000, bandRows: 2)
        let before = try Self.age(in: path)
        #expect(before.age == recorded)

        try NWBDeidentification.shiftDates(path: path, days: 1000)
        let after = try Self.age(in: path)
        #expect(after.age == shared)
        #expect(after.reference == before.reference, "the age's reference (birth) stays")
        let reader = try NWBSessionReader(path: path)
        defer { reader.close() }
        #expect(reader.frameCount == 1000, "the sample clock is untouched")
    }

    @Test("the cap is the same function everywhere: text that is no age is left alone")
    func cappedAge() {
        #expect(NWBDeidentification.cappedAge("P89Y/") == "P89Y/")
        #expect(NWBDeidentification.cappedAge("unknown") == "unknown")
        #expect(NWBDeidentification.cappedAge("P88Y364D") == "P88Y364D")
        #expect(NWBDeidentification.cappedAge("P88Y366D") == "P89Y/")
    }
}
