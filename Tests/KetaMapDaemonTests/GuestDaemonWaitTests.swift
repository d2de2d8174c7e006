import Foundation
import KetaMapTestSupport
import Testing

/// `Tests/comedi-vm/daemon-wait.sh`, which the Comedi VM's guest scripts source to wait
/// for a background `ketamapd`'s control socket, run with the host's POSIX sh against
/// the real daemon: it returns once the socket is open, and a daemon that ends first
/// fails the wait at once with its exit status and log (not at the VM's timeout).
@Suite("The VM guests' wait for ketamapd")
struct GuestDaemonWaitTests {
    /// Starts `ketamapd ARGUMENTS` in the background of `/bin/sh`, its errors to `log`,
    /// waits for `socket` with the guests' helper, then says so and stops the daemon.
    static func waitForDaemon(_ arguments: [String], socket: String, log: String) async throws -> ProcessRunner.Result {
        let helper = ProcessRunner.repositoryRoot.appendingPathComponent("Tests/comedi-vm/daemon-wait.sh").path
        let script = """
            set -e
            . "$1"
            ketamapd=$2
            socket=$3
            log=$4
            shift 4
            "$ketamapd" "$@" 2> "$log" &
            pid=$!
            wait_for_socket "$pid" "$socket" "$log"
            echo "socket open"
            kill -TERM "$pid"
            wait "$pid"
            """
        return try await ProcessRunner.run("/bin/sh", ["-c", script, "sh", helper, ProcessRunner.binary("ketamapd"), socket, log] + arguments, timeout: 120)
    }

    @Test("a daemon that exits before opening its control socket fails the wait at once, with its exit status and its log")
    func aDaemonThatEndsFailsTheWait() async throws {
        let folder = try TemporaryFolder()
        let missing = folder.path("missing.toml")
        let result = try await Self.waitForDaemon(["--config", missing], socket: folder.path("s.sock"), log: folder.path("daemon.log"))
        #expect(result.status == 1, "\(result.error)")
        #expect(!result.output.contains("socket open"))
        #expect(result.error.contains("guest: ketamapd (pid ") && result.error.contains(") exited 78 before its control socket \(folder.path("s.sock")) opened"), "\(result.error)")
        #expect(result.error.contains(missing), "the daemon's own log follows, naming the missing config: \(result.error)")
    }

    @Test("a daemon that opens its control socket ends the wait and runs on")
    func aRunningDaemonEndsTheWait() async throws {
        let workspace = try EndToEndTests.Workspace(doseAt: nil, edit: EndToEndTests.Workspace.withoutProcessing)
        let log = workspace.directory.path("daemon.log")
        let result = try await Self.waitForDaemon(workspace.daemonArguments(session: "wait", []), socket: workspace.socketPath, log: log)
        #expect(result.output.hasPrefix("socket open\n"), "\(result.error)\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(result.output.contains("KetaMap session wait: stopped"), "the daemon ran on after the wait, until the SIGTERM: \(result.output)")
        #expect(result.status == 0, "stopped by SIGTERM after the wait: \(result.error)")
        #expect(FileManager.default.fileExists(atPath: workspace.nwb("wait")))
    }
}
