import Foundation

/// The one way a subcommand tells the user why it failed: a line on standard
/// error, so that standard output stays the result a script reads.
enum StandardError {
    static func line(_ text: String) {
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }
}
