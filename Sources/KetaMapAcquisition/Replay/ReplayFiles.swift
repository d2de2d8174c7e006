import SystemPackage

/// The file-system questions a replay asks before it starts: does a path
/// exist, is it a folder, how big is a file, what is in a small one. Every
/// failure is a `ReplayError` naming the path.
enum ReplayFiles {
    /// Metadata files (`structure.oebin`, `.meta`, an Intan header) larger than
    /// this are refused rather than read into memory.
    static let metadataByteLimit = 64 << 20

    enum Kind { case missing, file, directory, other }

    static func kind(_ path: String) -> Kind {
        guard let info = try? FilePath(path).stat() else { return .missing }
        switch info.type {
        case .regular: return .file
        case .directory: return .directory
        default: return .other
        }
    }

    /// The size of a regular file in bytes.
    static func size(_ path: String) throws(ReplayError) -> Int64 {
        guard let info = try? FilePath(path).stat() else {
            throw ReplayError(.fileMissing, path: path, message: "there is no such file", fix: "check the path; the recording may be incomplete")
        }
        guard info.type == .regular else {
            throw ReplayError(.unreadable, path: path, message: "is not a regular file", fix: "replay a regular file, not a pipe or device")
        }
        return info.size
    }

    /// The whole of a small file (at most `limit` bytes, else an error).
    static func contents(_ path: String, limit: Int = metadataByteLimit) throws(ReplayError) -> [UInt8] {
        let count = try size(path)
        guard count <= Int64(limit) else {
            throw ReplayError(
                .badHeader, path: path, message: "is \(count) bytes, more than a metadata file can be (\(limit) bytes)",
                fix: "check that this is the recording's metadata file")
        }
        return try prefix(path, bytes: Int(count))
    }

    /// The first `bytes` bytes of a file (fewer when it is shorter).
    static func prefix(_ path: String, bytes wanted: Int) throws(ReplayError) -> [UInt8] {
        let count = min(Int64(wanted), try size(path))
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw ReplayError(.unreadable, path: path, message: "cannot open the file (\(error))", fix: "check the file's permissions")
        }
        defer { try? descriptor.close() }
        var bytes = [UInt8](repeating: 0, count: Int(count))
        var done = 0
        while done < bytes.count {
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { try descriptor.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[done...])) }
            } catch {
                throw ReplayError(.unreadable, path: path, message: "cannot read the file (\(error))", fix: "check the disk and the file's permissions")
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }

    /// A small text file, decoded as UTF-8 (invalid bytes are replaced).
    static func text(_ path: String) throws(ReplayError) -> String {
        String(decoding: try contents(path), as: UTF8.self)
    }

    /// The names in a folder, sorted; empty when it cannot be listed.
    static func names(in directory: String) -> [String] {
        POSIXCalls.directoryNames(in: directory).sorted()
    }

    /// Paths under `directory` (itself included, at most `depth` folders down) whose last component satisfies `matches`.
    static func find(in directory: String, depth: Int, _ matches: (String) -> Bool) -> [String] {
        var found: [String] = []
        for name in names(in: directory) {
            let path = directory + "/" + name
            if matches(name), kind(path) == .file { found.append(path) }
            if depth > 0, kind(path) == .directory { found += find(in: path, depth: depth - 1, matches) }
        }
        return found
    }

    /// The folder part of `path` (`.` when it has none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
