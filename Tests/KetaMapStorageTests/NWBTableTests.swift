import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage

/// The declared tables and the feature runs, through a real HDF5 file.
@Suite("NWB tables and feature runs")
struct NWBTableTests {
    struct Reading {
        var seconds: Double
        var label: String
        var count: UInt64
        var good: Bool
    }

    static var fields: [NWBField<Reading>] {
        [
        .float64("timestamp", "When.") { $0.seconds },
        .text("label", "What.", maxBytes: 16) { $0.label },
        .int64("count", "How many.") { Int64($0.count) },
        .bool("good", "Whether it was good.") { $0.good },
        ]
    }

    @Test("typed rows land in their declared columns, many rows per write; a file whose columns differ from the declaration is refused")
    func declaredColumns() throws {
        let folder = try TemporaryFolder("nwb-table")
        let path = folder.path("table.h5")
        let rows: [Reading] = (0..<7).map { (i: Int) -> Reading in Reading(seconds: Double(i) / 4, label: "row \(i)", count: UInt64(100 + i), good: i % 2 == 0) }
        do {
            let file = try HDF5File.create(path)
            let table = try NWBTable(in: file.root, name: "readings", type: "DynamicTable", description: "test", fields: Self.fields, chunkRows: 4, runRows: 3, root: file.root)
            try rows.dropLast().withUnsafeBufferPointer { try table.append($0) }  // runs of 3, 3
            try table.append(rows[6])
            #expect(table.rowCount == 7)
            try table.close()
            try file.close()
        }
        do {
            let file = try HDF5File.open(path, mode: .readWrite)
            let root = file.root
            let group = try root.openGroup("readings")
            #expect(try group.location.stringsAttribute("colnames") == ["timestamp", "label", "count", "good"])
            try group.close()
            let column = { (name: String) throws -> HDF5Dataset in try root.openDataset("readings/\(name)") }
            #expect(try column("timestamp").readAll(as: Double.self) == rows.map(\.seconds))
            #expect(try column("label").readStrings() == rows.map(\.label))
            #expect(try column("count").readAll(as: Int64.self) == rows.map { Int64($0.count) })
            #expect(try column("good").readBools() == rows.map(\.good))
            #expect(try column("id").readAll(as: Int64.self) == Array(0..<7))

            #expect(throws: NWBTableMismatch.self) { _ = try NWBTable(opening: "readings", fields: Array(Self.fields.reversed()), root: root) }
            #expect(throws: NWBTableMismatch.self) { _ = try NWBTable(opening: "readings", fields: Array(Self.fields.dropLast()), root: root) }
            let reopened = try NWBTable(opening: "readings", fields: Self.fields, root: root)
            try reopened.append(Reading(seconds: 9, label: "added", count: 1, good: true))
            try reopened.close()
            #expect(try column("label").readStrings().last == "added")
            #expect(try column("id").readAll(as: Int64.self).last == 7)
            try file.close()
        }
    }

    @Test("feature rows wait in memory and go to the file as runs that end at the chunk's end, or at a flush")
    func featureRuns() throws {
        let folder = try TemporaryFolder("nwb-runs")
        let file = try HDF5File.create(folder.path("runs.h5"))
        let dataset = try file.root.createDataset("power", of: Float.self, shape: .growable(rowDims: [3], chunkRows: 4))
        let run = NWBRowRun(dataset, rowValues: 3, chunkRows: 4)
        let row = { (n: Int) in (0..<3).map { Float(n * 10 + $0) } }
        try row(0).withUnsafeBufferPointer { try run.append($0) }
        #expect(dataset.rowCount == 0 && run.rowCount == 1, "one row waits")
        for n in 1...3 { try row(n).withUnsafeBufferPointer { try run.append($0) } }
        #expect(dataset.rowCount == 4, "the chunk's fourth row writes the run")
        try (4..<10).flatMap(row).withUnsafeBufferPointer { try run.append($0) }
        #expect(dataset.rowCount == 8 && run.rowCount == 10, "six rows in one call: a run to the chunk's end, two wait")
        try run.write()
        #expect(dataset.rowCount == 10)
        try row(10).withUnsafeBufferPointer { try run.append($0) }
        try (11..<13).flatMap(row).withUnsafeBufferPointer { try run.append($0) }
        #expect(dataset.rowCount == 12, "after a flush inside a chunk, the next run still ends at the chunk's end")
        try run.write()
        #expect(try dataset.readAll(as: Float.self) == (0..<13).flatMap(row))
        try dataset.close()
        try file.close()
    }
}
