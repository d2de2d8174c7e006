import ArgumentParser
import KetaMapStorage

extension KetamapCtl {
    /// `ketamapctl recover SESSION`: finishes a session `ketamapd` never closed.
    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Finish a session that ketamapd never closed (it was killed, or the machine went down).",
            discussion: """
                Clears the file's SWMR writer mark (as h5clear -s does, keeping what the writer wrote past the end its superblock gives), adds every dose and mark of the event log \
                missing from the file (their note says so), writes the fault note, ends the event log and writes \
                the SHA-256 manifest; then says what it did. A running session is refused (exit 75); a session \
                that was closed is left as it is. Exit 0 when the session is now closed; 66 when its files are \
                not there; 74 when the file cannot be mended.
                """)

        @OptionGroup var target: SessionFilesArgument

        func run() async throws {
            let files = target.files
            do {
                let report = try SessionRecovery.recover(files)
                guard report.changedAnything else {
                    print("\(files.nwbPath): closed already, nothing to recover (ketamapctl verify checks it)")
                    return
                }
                print("recovered \(files.nwbPath):")
                for action in report.actions { print("  - \(action)") }
                for dose in report.addedDoses {
                    print("  + dose \(dose.request.drug) \(dose.request.amount) \(dose.request.unit.rawValue) at sample \(dose.sampleIndex) (\(dose.wallClock)): logged, its acknowledgement unknown")
                }
                for mark in report.addedMarks { print("  + mark \"\(mark.text)\" at sample \(mark.sampleIndex)") }
            } catch {
                StandardError.line("ketamapctl recover: \(error)")
                throw ExitCode(SessionFilesExit.of(error).rawValue)
            }
        }
    }
}
