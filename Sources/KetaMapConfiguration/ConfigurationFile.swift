#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading the text of a configuration or montage file: the only file I/O in
/// KetaMapCore (the configuration is read once, before any thread starts).
enum ConfigurationFile {
    /// The whole file as UTF-8 text. The C functions are `open`, `read` and `close`.
    static func read(_ path: String) throws(ConfigError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ConfigError(
                .unreadableFile, file: path, line: nil, key: nil, message: "cannot open the file (\(reason))",
                fix: "check the path (relative paths in the config are relative to the config file's folder) and its permissions")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw ConfigError(
                    .unreadableFile, file: path, line: nil, key: nil, message: "cannot read the file (\(reason))",
                    fix: "check that it is a regular file")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
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
