import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage

@Suite("HDF5 wrappers")
struct HDF5WrapperTests {
    /// The descriptors of this process open on `path`, with their `open` flags (from `/proc/self/fdinfo`).
    static func openDescriptors(on path: String) throws -> [(descriptor: String, flags: Int)] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { descriptor in
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")) == path else { return nil }
            let info = try String(contentsOfFile: "/proc/self/fdinfo/\(descriptor)", encoding: .utf8)
            let flags = info.split(separator: "\n").first { $0.hasPrefix("flags:") }.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) }
            return (descriptor, flags ?? 0)
        }
    }

    @Test("files libhdf5 opens are close-on-exec: a child process never holds a session file", arguments: [false, true])
    func filesAreCloseOnExec(reopened: Bool) async throws {
        let temporary = try TemporaryFolder("storage")
        let path = temporary.path("cloexec.h5")
        try HDF5File.create(path).close()
        let file = reopened ? try HDF5File.open(path, mode: .readOnly) : try HDF5File.create(temporary.path("cloexec-new.h5"))
        let openPath = reopened ? path : temporary.path("cloexec-new.h5")
        let descriptors = try Self.openDescriptors(on: openPath)
        #expect(!descriptors.isEmpty, "libhdf5 holds the file open")
        for (descriptor, flags) in descriptors {
            #expect(flags & Int(O_CLOEXEC) != 0, "descriptor \(descriptor) on \(openPath) has flags \(String(flags, radix: 8))")
        }
        let child = try await ProcessRunner.run("/bin/ls", ["-l", "/proc/self/fd"], timeout: 30)
        #expect(child.status == 0)
        #expect(!child.output.contains(openPath), "the child holds no descriptor of the file: \(child.output)")
        try file.close()
    }

    @Test("attributes, strings, references and growable datasets round-trip through a real file")
    func roundTrip() throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("wrappers.h5").path
        do {
            let file = try HDF5File.create(path)
            let root = file.root
            try root.setAttribute("title", "Ketamin ✓")
            try root.setAttribute("names", ["a", "bé", ""])
            try root.setAttribute("rate", 30_000.5)
            let group = try root.createGroup("group")
            try group.location.setAttribute("ref", try root.reference(to: "/group"))
            let samples = try group.location.createDataset("samples", of: Int16.self, shape: .growable(rowDims: [3], chunkRows: 4))
            for block in 0..<5 {
                let values = (0..<6).map { Int16(block * 6 + $0) }
                try values.withUnsafeBufferPointer { try samples.append($0) }
            }
            let text = try group.location.createStringDataset("text", length: 8, shape: .growable(chunkRows: 4))
            try text.appendStrings(["short", "longer than eight", "ßßßßß"])
            let flags = try group.location.createBoolDataset("flags", shape: .growable(chunkRows: 4))
            try flags.appendBools([true, false, true])
            try samples.close()
            try text.close()
            try flags.close()
            try group.close()
            try file.close()
        }
        let file = try HDF5File.open(path, mode: .readOnly)
        let root = file.root
        #expect(try root.stringAttribute("title") == "Ketamin ✓")
        #expect(try root.stringsAttribute("names") == ["a", "bé", ""])
        #expect(try root.attribute("rate", as: Double.self) == 30_000.5)
        #expect(try root.stringAttribute("missing") == nil)
        #expect(try root.exists("group/samples"))
        #expect(try !root.exists("group/nothing/here"))
        let group = try root.openGroup("group")
        let reference = try #require(try group.location.attribute("ref", as: HDF5ObjectReference.self))
        #expect(try root.path(of: reference) == "/group")
        let samples = try root.openDataset("group/samples")
        #expect(samples.extent == [10, 3])
        #expect(try samples.readAll(as: Int16.self) == (0..<30).map { Int16($0) })
        var middle = [Int16](repeating: 0, count: 6)
        try middle.withUnsafeMutableBufferPointer { try samples.readRows(from: 4, rows: 2, into: $0) }
        #expect(middle == [12, 13, 14, 15, 16, 17])
        let text = try root.openDataset("group/text")
        #expect(text.stringLength == 8)
        #expect(try text.readStrings() == ["short", "longer t", "ßßßß"])
        let flags = try root.openDataset("group/flags")
        #expect(try flags.readBools() == [true, false, true])
        try samples.close()
        try text.close()
        try flags.close()
        try group.close()
        try file.close()
    }

    @Test("rows reorder in place in every stored type: numbers in rows, fixed and variable-length text, booleans")
    func rowsReorderInPlace() throws {
        let temporary = try TemporaryFolder("storage")
        let path = temporary.path("reorder.h5")
        let order = [2, 0, 3, 1]
        do {
            let file = try HDF5File.create(path)
            let root = file.root
            let samples = try root.createDataset("samples", of: Int16.self, shape: .growable(rowDims: [3], chunkRows: 2))
            try (0..<12).map { Int16($0) }.withUnsafeBufferPointer { try samples.append($0) }
            let fixed = try root.createStringDataset("fixed", length: 8, shape: .growable(chunkRows: 2))
            try fixed.appendStrings(["a", "bé", "", "dddd"])
            let flags = try root.createBoolDataset("flags", shape: .growable(chunkRows: 2))
            try flags.appendBools([true, false, false, true])
            let variable = try root.writeStrings("variable", ["zero", "one ✓", "two", ""], growable: true)
            for dataset in [samples, fixed, flags, variable] {
                try dataset.reorderRows(order)
                try dataset.close()
            }
            try file.close()
        }
        let file = try HDF5File.open(path, mode: .readOnly)
        let root = file.root
        let samples = try root.openDataset("samples")
        #expect(try samples.readAll(as: Int16.self) == [6, 7, 8, 0, 1, 2, 9, 10, 11, 3, 4, 5])
        let fixed = try root.openDataset("fixed")
        #expect(try fixed.readStrings() == ["", "a", "dddd", "bé"])
        let flags = try root.openDataset("flags")
        #expect(try flags.readBools() == [false, true, true, false])
        let variable = try root.openDataset("variable")
        #expect(variable.stringLength == 0)
        #expect(try variable.readStrings() == ["two", "zero", "", "one ✓"])
        for dataset in [samples, fixed, flags, variable] { try dataset.close() }
        try file.close()
    }

    @Test("a failed call reports the C function, the object and HDF5's error stack")
    func errorsCarryTheStack() throws {
        let temporary = try TemporaryFolder("storage")
        let folder = temporary.url
        let path = folder.appendingPathComponent("nofolder/x.h5").path
        do {
            _ = try HDF5File.create(path)
            Issue.record("creating a file in a missing folder succeeded")
        } catch {
            #expect(error.function == "H5Fcreate")
            #expect(error.object == path)
            #expect(!error.stack.isEmpty)
            #expect(error.description.contains("folder exists"))
        }
        let existing = folder.appendingPathComponent("x.h5").path
        try HDF5File.create(existing).close()
        #expect(throws: HDF5Error.self) { try HDF5File.create(existing).close() }
    }
}
