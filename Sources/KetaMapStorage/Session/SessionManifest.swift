import Foundation

/// `<stem>.sha256`: the SHA-256 of a session's files, written when the
/// session closes (and by `ketamapctl recover`), in `sha256sum`'s format, so
/// `sha256sum -c <stem>.sha256` in the session folder checks it too.
public struct SessionManifest: Sendable, Equatable {
    /// File name (in the session folder) → lowercase hex SHA-256.
    public var digests: [String: String]

    public static func path(for files: SessionFiles) -> String { "\(files.directory)/\(files.stem).sha256" }

    /// The files a manifest covers: the session file and its event log.
    static func names(for files: SessionFiles) -> [String] { ["\(files.stem).nwb", "\(files.stem).events.jsonl"] }

    /// Hashes the session's files as they are now.
    public init(hashing files: SessionFiles) throws {
        var digests: [String: String] = [:]
        for name in Self.names(for: files) { digests[name] = try Self.sha256(ofFile: "\(files.directory)/\(name)") }
        self.digests = digests
    }

    /// Reads a manifest file; nil when there is none.
    public init?(reading path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var digests: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw SessionCheck.Problem("\(path): a line is not \"<sha-256>  <file>\": \(line.prefix(80))") }
            digests[String(parts[1].drop { $0 == " " || $0 == "*" })] = String(parts[0])
        }
        self.digests = digests
    }

    /// Writes the manifest (mode 0640) and syncs it.
    public func write(to path: String) throws {
        let text = digests.keys.sorted().map { "\(digests[$0]!)  \($0)\n" }.joined()
        let temporary = path + ".partial"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        try POSIXCalls.setPermissions(temporary, 0o640)
        try POSIXCalls.rename(temporary, path)
    }

    /// A file's SHA-256, read 1 MiB at a time.
    static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        var digest = SHA256Digest()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { chunk.withUnsafeBytes { digest.update($0) } }
        return digest.hexDigest()
    }
}
