import Foundation
import Synchronization
import Testing

/// Runs the built `ketamapd`/`ketamapctl`, Python and system tools as a user
/// would, and collects their output: the one way tests start a child process.
///
/// The child inherits no descriptor but its standard input, output and error
/// (Foundation's `Process` closes the rest, and the libraries mark theirs
/// close-on-exec), so a child never holds a file a concurrent test has open.
/// Waiting is asynchronous (the child's exit resumes the waiting task), never a
/// blocked thread: the cooperative pool keeps all its threads for the tests
/// that run at the same time, however few cores there are.
public enum ProcessRunner {
    /// How a child ended, and what it wrote.
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var error: String
    }

    /// The folder holding the package's built products (beside the test bundle).
    public static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 && !FileManager.default.fileExists(atPath: url.appendingPathComponent("ketamapd").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// The path of a built product (`ketamapd`, `ketamapctl`): the release build's
    /// when `$KETAMAP_RELEASE_BIN` names a folder holding it (scripts/test.sh builds
    /// both products there before the tests), else the debug build's beside the tests.
    /// The release daemon records the simulator's minutes in seconds and keeps up in
    /// real time on a loaded machine; the debug one, at 4 kHz, barely does.
    public static func binary(_ name: String) -> String {
        if let release = ProcessInfo.processInfo.environment["KETAMAP_RELEASE_BIN"], !release.isEmpty,
            FileManager.default.isExecutableFile(atPath: "\(release)/\(name)")
        {
            return "\(release)/\(name)"
        }
        return productsDirectory.appendingPathComponent(name).path
    }

    /// The repository's root (for `Tests/python/…`).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A script of `Tests/python/`.
    public static func pythonScript(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/python/\(name)").path
    }

    /// `$KETAMAP_PYTHON` when it is set and not empty; nothing recorded (for `.enabled(if:)`).
    public static var configuredPython: String? {
        ProcessInfo.processInfo.environment["KETAMAP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The Python with pynwb & co: `$KETAMAP_PYTHON`, or nil (the caller skips its
    /// Python checks, with a message) outside CI. Under CI (`CI` set) its absence
    /// fails the test.
    public static func python(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        if let python = configuredPython { return python }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("KETAMAP_PYTHON is not set: CI must run the Python checks (scripts/test.sh sets it)", sourceLocation: sourceLocation)
        } else {
            print("skipping Python checks: set KETAMAP_PYTHON to a python with scripts/requirements.txt installed")
        }
        return nil
    }

    /// Starts `executable` with `arguments` (and `input` on its standard input);
    /// its output and errors go to files of a temporary folder.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil
    ) throws -> Running {
        try Running(executable, arguments, environment: environment, input: input, terminal: nil)
    }

    /// Starts `executable` with `terminal` (the slave side of a pseudo-terminal)
    /// as its standard input and output, as from a shell; its errors go to a file.
    public static func start(_ executable: String, _ arguments: [String], terminal: Int32) throws -> Running {
        try Running(executable, arguments, environment: [:], input: nil, terminal: terminal)
    }

    /// Runs to completion; kills the child after `timeout` seconds (and records an issue).
    public static func run(
        _ executable: String, _ arguments: [String], timeout: Double = 300, environment: [String: String] = [:], input: Data? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Result {
        try await start(executable, arguments, environment: environment, input: input).wait(timeout: timeout, sourceLocation: sourceLocation)
    }

    /// Runs a short tool (`umount`, `fsfreeze`) to completion, blocking the calling
    /// thread for at most `timeout` seconds. Only for a `defer` or a `deinit`,
    /// where Swift cannot `await`: everywhere else, `run`.
    @discardableResult
    public static func runBlocking(_ executable: String, _ arguments: [String], timeout: Double = 30) -> Int32? {
        guard let child = try? start(executable, arguments) else { return nil }
        child.stopBlocking(0, timeout: timeout)  // signal 0 only checks that the child exists
        return child.hasExited ? child.process.terminationStatus : nil
    }

    /// A started child.
    public final class Running: @unchecked Sendable {  // `process` is only read after `run()`
        fileprivate let process: Process
        private let folder: TemporaryFolder
        private let exit = ExitSignal()

        fileprivate init(_ executable: String, _ arguments: [String], environment: [String: String], input: Data?, terminal: Int32?) throws {
            folder = try TemporaryFolder("process")
            process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            _ = FileManager.default.createFile(atPath: folder.path("stdin"), contents: input ?? Data())
            _ = FileManager.default.createFile(atPath: folder.path("stdout"), contents: nil)
            _ = FileManager.default.createFile(atPath: folder.path("stderr"), contents: nil)
            if let terminal {
                let handle = FileHandle(fileDescriptor: terminal, closeOnDealloc: false)
                process.standardInput = handle
                process.standardOutput = handle
            } else {
                process.standardInput = try FileHandle(forReadingFrom: folder.url.appendingPathComponent("stdin"))
                process.standardOutput = try FileHandle(forWritingTo: folder.url.appendingPathComponent("stdout"))
            }
            process.standardError = try FileHandle(forWritingTo: folder.url.appendingPathComponent("stderr"))
            process.terminationHandler = { [exit] _ in exit.raise() }
            try process.run()
        }

        /// The child's process id.
        public var processIdentifier: Int32 { process.processIdentifier }

        /// Whether the child has ended.
        public var hasExited: Bool { exit.isRaised }

        /// Sends `signal` to the child.
        public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// What the child has written to standard output so far.
        public var outputSoFar: String { (try? String(contentsOfFile: folder.path("stdout"), encoding: .utf8)) ?? "" }

        /// Waits for the child's exit; after `timeout` seconds kills it (`SIGKILL`)
        /// and records an issue. Then its status and everything it wrote.
        public func wait(timeout: Double, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Result {
            let exitedInTime = await withTaskGroup(of: Bool.self) { group in
                group.addTask { await self.exited(); return true }
                group.addTask { (try? await Task.sleep(for: .seconds(timeout))) != nil ? false : true }
                let first = await group.next() ?? true
                if !first { kill(process.processIdentifier, SIGKILL) }  // lets the exit waiter finish too
                group.cancelAll()
                return first
            }
            if !exitedInTime {
                Issue.record("\(process.executableURL!.lastPathComponent) did not end within \(timeout) s", sourceLocation: sourceLocation)
            }
            await exited()
            return Result(
                status: process.terminationStatus,
                output: outputSoFar,
                error: (try? String(contentsOfFile: folder.path("stderr"), encoding: .utf8)) ?? "")
        }

        /// Sends `signal` and waits up to `timeout` seconds for the child to end,
        /// blocking the calling thread; then kills it. Only for a `defer` or a
        /// `deinit`, where Swift cannot `await`: everywhere else, `wait(timeout:)`.
        public func stopBlocking(_ signal: Int32 = SIGTERM, timeout: Double = 30) {
            kill(process.processIdentifier, signal)
            if !exit.waitBlocking(timeout: timeout) {
                kill(process.processIdentifier, SIGKILL)
                _ = exit.waitBlocking(timeout: timeout)
            }
        }

        /// Returns once the child has ended (however long that takes).
        public func exited() async { await exit.wait() }
    }
}

/// A one-way flag that tasks can wait for: raised from `Process`'s termination
/// handler (a Foundation thread), waited for without blocking a thread.
private final class ExitSignal: Sendable {
    private let state = Mutex<(raised: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    /// Entered until raised: what a blocked thread waits on (no task needed, so no pool thread).
    private let blocking: DispatchGroup = {
        let group = DispatchGroup()
        group.enter()
        return group
    }()

    var isRaised: Bool { state.withLock { $0.raised } }

    func raise() {
        let (first, waiters) = state.withLock { state in
            defer { state.raised = true; state.waiters = [] }
            return (!state.raised, state.waiters)
        }
        if first { blocking.leave() }
        for waiter in waiters { waiter.resume() }
    }

    /// Blocks the calling thread until raised or `timeout` seconds pass; whether it was raised.
    func waitBlocking(timeout: Double) -> Bool {
        blocking.wait(timeout: .now() + timeout) == .success
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let raised = state.withLock { state in
                if !state.raised { state.waiters.append(continuation) }
                return state.raised
            }
            if raised { continuation.resume() }
        }
    }
}

/// Runs blocking work (a paced writer, a loop that sleeps) on a thread of its
/// own and resumes the caller when it is done: the cooperative pool, which has
/// only as many threads as the machine has cores, is never held by it.
public func onDedicatedThread<T: Sendable>(_ name: String = "test-worker", _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}
