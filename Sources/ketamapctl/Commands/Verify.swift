import ArgumentParser
import KetaMapStorage

extension KetamapCtl {
    /// `ketamapctl verify SESSION`: checks a closed session's files.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a closed session: its SHA-256 manifest, samples against the sample clock, gaps, events against the event log.",
            discussion: """
                Exit 0 when the files are as the close left them and agree; 1 when something disagrees or changed \
                (each problem is listed); 2 when the session was never closed (run ketamapctl recover); 66 when its \
                files are not there; 74 when the file cannot be read; 75 while it is still being recorded.
                """)

        @OptionGroup var target: SessionFilesArgument

        func run() async throws {
            let files = target.files
            let check: SessionCheck
            do {
                check = try SessionCheck(files)
            } catch {
                StandardError.line("ketamapctl verify: \(error)")
                throw ExitCode(SessionFilesExit.of(error).rawValue)
            }
            switch check.verdict {
            case .consistent:
                print("\(files.nwbPath): consistent")
                for fact in check.facts { print("  - \(fact)") }
            case .notClosed:
                print("\(files.nwbPath): not closed; run ketamapctl recover \(files.nwbPath)")
                for reason in check.unclosed { print("  - \(reason)") }
                throw ExitCode(SessionFilesExit.notClosed.rawValue)
            case .inconsistent:
                print("\(files.nwbPath): \(check.problems.count) problem(s)")
                for problem in check.problems { print("  ! \(problem)") }
                throw ExitCode(SessionFilesExit.inconsistent.rawValue)
            }
        }
    }
}
