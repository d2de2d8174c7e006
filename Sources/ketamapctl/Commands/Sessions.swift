import ArgumentParser
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl sessions`: the running sessions and where their files are.
    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List running sessions.")

        @OptionGroup var output: OutputFormat

        func run() async throws {
            var rows: [[String]] = []
            for socket in SessionTarget.runningSockets() {
                do {
                    let status = try await ControlClient.send(ControlRequest(command: .status), to: socket).status
                    if let status {
                        rows.append([status.sessionID, status.state.rawValue, StatusText.formatDuration(status.recordedSeconds), status.filePath, socket])
                    }
                } catch {
                    rows.append([socket, "unreachable", "", "", socket])
                }
            }
            if rows.isEmpty && !output.json && !output.csv {
                print("no running sessions in \(SessionTarget.runDirectory)")
                return
            }
            print(Table(header: ["session", "state", "recorded", "file", "socket"], rows: rows).render(json: output.json, csv: output.csv))
        }
    }
}
