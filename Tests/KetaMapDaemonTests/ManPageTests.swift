import Foundation
import KetaMapTestSupport
import Testing

/// `docs/man/*.1` are generated from the command definitions
/// (`swift package generate-manual`, docs/getting-started.md); this catches a
/// page left behind when a command or an option was added without regenerating it.
@Suite("Man pages follow --help")
struct ManPageTests {
    static func page(_ name: String) throws -> String {
        try String(contentsOf: ProcessRunner.repositoryRoot.appendingPathComponent("docs/man/\(name).1"), encoding: .utf8)
    }

    /// The `--long` options a help text lists.
    static func options(inHelp help: String) -> Set<String> {
        Set(help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == "[" || $0 == "]" }).compactMap { word in
            guard word.hasPrefix("--"), word.count > 2 else { return nil }
            let option = "--" + word.dropFirst(2).prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            return option.count > 2 ? option : nil
        })
    }

    @Test("ketamapctl.1 has every subcommand and every option of its --help")
    func ketamapctl() async throws {
        let page = try Self.page("ketamapctl")
        let help = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["--help"]).output
        let listed = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let subcommands = listed.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first, !name.hasPrefix("See") else { return nil }
            return String(name)
        }
        #expect(subcommands.contains("cohort") && subcommands.contains("export-bids"))
        for subcommand in subcommands {
            #expect(page.contains(".It Em \(subcommand)\n"), "ketamapctl.1 lacks \(subcommand): regenerate the man pages")
            let options = Self.options(inHelp: try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), [subcommand, "--help"]).output)
            for option in options {
                #expect(page.contains("Fl -\(option.dropFirst(2))"), "ketamapctl.1 lacks \(subcommand) \(option): regenerate the man pages")
            }
        }
    }

    @Test("ketamapd.1 has every option of its --help")
    func ketamapd() async throws {
        let page = try Self.page("ketamapd")
        for option in Self.options(inHelp: try await ProcessRunner.run(ProcessRunner.binary("ketamapd"), ["--help"]).output) {
            #expect(page.contains("Fl -\(option.dropFirst(2))"), "ketamapd.1 lacks \(option): regenerate the man pages")
        }
    }
}
