import SystemPackage

/// Reading the text of a configuration or montage file: the only file I/O in
/// KetaMapConfiguration (the configuration is read once, before any thread
/// starts), through swift-system's `FileDescriptor`.
enum ConfigurationFile {
    /// Largest config or montage file read, in bytes (a 4096-channel montage is about 400 kB).
    static let maximumBytes = 4 << 20

    /// The whole file as UTF-8 text; only a regular file of at most `maximumBytes`
    /// (a FIFO, a device such as /dev/zero or a folder is refused, never waited on).
    /// The C functions are `open`, `fstat`, `read` and `close`.
    static func read(_ path: String) throws(ConfigError) -> String {
        let descriptor: FileDescriptor
        do {
            // Non-blocking: opening a FIFO must not wait for a writer.
            descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
        } catch {
            throw ConfigError(
                .unreadableFile, file: path, line: nil, key: nil, message: "cannot open the file (\(error))",
                fix: "check the path (relative paths in the config are relative to the config file's folder) and its permissions")
        }
        defer { try? descriptor.close() }
        guard let status = try? descriptor.stat(), status.type == .regular else {
            throw ConfigError(
                .unreadableFile, file: path, line: nil, key: nil, message: "is not a regular file",
                fix: "give the path of a text file (not a pipe, device or folder)")
        }
        guard status.size <= maximumBytes else {
            throw ConfigError(
                .unreadableFile, file: path, line: nil, key: nil, message: "is \(status.size) bytes, more than the \(maximumBytes) a config or montage may have",
                fix: "check that this is the right file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) }  // EINTR is retried
            } catch {
                throw ConfigError(
                    .unreadableFile, file: path, line: nil, key: nil, message: "cannot read the file (\(error))",
                    fix: "check that it is a regular file")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= maximumBytes else {  // it grew while being read
                throw ConfigError(
                    .unreadableFile, file: path, line: nil, key: nil, message: "is more than the \(maximumBytes) bytes a config or montage may have",
                    fix: "check that this is the right file")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(
                .unreadableFile, file: path, line: nil, key: nil, message: "the file is not UTF-8 text",
                fix: "save it as UTF-8 (a spreadsheet's \"UTF-8 tab-separated\" export)")
        }
        return text
    }

    /// `relative` resolved against the folder of `configPath` (unchanged when absolute).
    static func resolve(_ relative: String, nextTo configPath: String) -> String {
        if relative.hasPrefix("/") { return relative }
        guard let slash = configPath.lastIndex(of: "/") else { return relative }
        return String(configPath[...slash]) + relative
    }
}
