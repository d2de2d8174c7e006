import Foundation
import KetaMapTestSupport
import Testing

/// `scripts/install.sh` into a staging root (`--destdir`), as a package build
/// would: the tree it leaves, the unit as systemd judges it, the sysusers and
/// tmpfiles entries applied to that root, and `--uninstall`.
@Suite("install.sh into a staging root", .serialized)
struct InstallTests {
    /// A staging root holding one install of the built binaries.
    struct Stage {
        let directory: TemporaryFolder
        var root: String { "\(directory.path)/root" }

        init(extra: [String] = []) async throws {
            directory = try TemporaryFolder()
            let result = try await Stage.script(["--destdir", "\(directory.path)/root", "--bin-dir", ProcessRunner.productsDirectory.path] + extra)
            #expect(result.status == 0, "install.sh failed: \(result.error)")
        }

        static func script(_ arguments: [String]) async throws -> ProcessRunner.Result {
            let script = ProcessRunner.repositoryRoot.appendingPathComponent("scripts/install.sh").path
            return try await ProcessRunner.run("/bin/bash", [script] + arguments, timeout: 120)
        }

        func install(_ extra: [String] = []) async throws -> ProcessRunner.Result {
            try await Stage.script(["--destdir", root, "--bin-dir", ProcessRunner.productsDirectory.path] + extra)
        }

        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + path) }
        func text(_ path: String) throws -> String { try String(contentsOfFile: root + path, encoding: .utf8) }

        /// systemd's own units, so that `systemd-analyze --root` can resolve the
        /// unit's implicit dependencies (sysinit.target, …) in the staged tree.
        func addSystemdUnits() throws {
            let units = URL(fileURLWithPath: "/lib/systemd/system").resolvingSymlinksInPath().path
            try FileManager.default.createDirectory(atPath: "\(root)/usr/lib/systemd", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: units, toPath: "\(root)/usr/lib/systemd/system")
        }
    }

    static let installedFiles = [
        "/usr/local/bin/ketamapd", "/usr/local/bin/ketamapctl",
        "/usr/local/share/man/man1/ketamapd.1", "/usr/local/share/man/man1/ketamapctl.1",
        "/usr/local/share/doc/ketamap/operator-guide.md", "/usr/local/share/doc/ketamap/technician-guide.md",
        "/etc/ketamap/ketamapd.toml", "/etc/ketamap/channels.tsv", "/etc/ketamap/electrodes.tsv",
        "/etc/systemd/system/ketamap-session@.service",
        "/etc/sysusers.d/ketamap.conf", "/etc/tmpfiles.d/ketamap.conf",
        "/etc/udev/rules.d/99-ketamap-comedi.rules",
        "/usr/local/share/ketamap/installed-files",
    ]

    @Test("the tree holds binaries, unit, sysusers, tmpfiles, udev rule, config and man pages")
    func tree() async throws {
        let stage = try await Stage()
        for path in Self.installedFiles { #expect(stage.exists(path), "missing \(path)") }
        #expect(FileManager.default.isExecutableFile(atPath: stage.root + "/usr/local/bin/ketamapd"))
        let rule = try stage.text("/etc/udev/rules.d/99-ketamap-comedi.rules")
        #expect(rule.contains(#"GROUP="ketamap", MODE="0660", TAG+="systemd""#))
        #expect(rule.contains(#"ATTR{max_read_buffer_kb}="65536""#))
    }

    @Test("--prefix reaches the unit's ExecStart; --comedi-buffer-kb the udev rule")
    func prefixAndBuffer() async throws {
        let stage = try await Stage(extra: ["--prefix", "/opt/ketamap", "--comedi-buffer-kb", "131072"])
        #expect(stage.exists("/opt/ketamap/bin/ketamapd"))
        let unit = try stage.text("/etc/systemd/system/ketamap-session@.service")
        #expect(unit.contains("ExecStart=/opt/ketamap/bin/ketamapd "))
        #expect(!unit.contains("/usr/local/"))
        #expect(try stage.text("/etc/udev/rules.d/99-ketamap-comedi.rules").contains(#"ATTR{max_read_buffer_kb}="131072""#))
        let refused = try await stage.install(["--comedi-buffer-kb", "lots"])
        #expect(refused.status == 2 && refused.error.contains("--comedi-buffer-kb"))
    }

    @Test("systemd-analyze: exposure 2.0 or lower, verify clean against the staged install")
    func unitPassesSystemdAnalyze() async throws {
        let stage = try await Stage()
        try stage.addSystemdUnits()
        let security = try await ProcessRunner.run(
            "/usr/bin/systemd-analyze", ["security", "--offline=true", "--threshold=20", "--root=\(stage.root)", "ketamap-session@.service"])
        let score = security.output.split(separator: "\n").first { $0.contains("Overall exposure level") }
        #expect(security.status == 0, "exposure above 2.0: \(score ?? "?")\n\(security.output)")
        let exposure = score.flatMap { line in line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) } }
        #expect(exposure.map { $0 <= 2.0 } == true, "\(score ?? "no score")")

        // MANPATH: verify checks that the unit's man:ketamapd(1) exists.
        let verify = try await ProcessRunner.run(
            "/usr/bin/systemd-analyze", ["verify", "--root=\(stage.root)", "ketamap-session@s1.service"],
            environment: ["MANPATH": "\(stage.root)/usr/local/share/man"])
        #expect(verify.status == 0 && verify.error.isEmpty && verify.output.isEmpty, "verify: \(verify.output)\(verify.error)")
    }

    @Test("sysusers.d makes the ketamap user and group; tmpfiles.d its folders, 0750")
    func sysusersAndTmpfiles() async throws {
        let stage = try await Stage()
        for file in ["passwd", "group", "shadow", "gshadow"] {
            #expect(FileManager.default.createFile(atPath: "\(stage.root)/etc/\(file)", contents: Data()))
        }
        let sysusers = try await ProcessRunner.run("/usr/bin/systemd-sysusers", ["--root=\(stage.root)"])
        #expect(sysusers.status == 0, "\(sysusers.error)")
        #expect(try stage.text("/etc/passwd").contains(":/var/lib/ketamap:/usr/sbin/nologin"))
        #expect(try stage.text("/etc/group").hasPrefix("ketamap:x:"))
        let tmpfiles = try await ProcessRunner.run("/usr/bin/systemd-tmpfiles", ["--root=\(stage.root)", "--create"])
        #expect(tmpfiles.status == 0, "\(tmpfiles.error)")
        for folder in ["/var/lib/ketamap", "/var/lib/ketamap/sessions", "/run/ketamap"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: stage.root + folder)
            #expect((attributes[.posixPermissions] as? Int) == 0o750, "\(folder)")
        }
    }

    @Test("an existing config is kept on install; --uninstall removes what was installed, never recordings or an edited config")
    func keepAndUninstall() async throws {
        let stage = try await Stage()
        let edited = "# the site's own\n"
        try edited.write(toFile: stage.root + "/etc/ketamap/ketamapd.toml", atomically: true, encoding: .utf8)
        let again = try await stage.install()
        #expect(again.status == 0 && again.output.contains("kept /etc/ketamap/ketamapd.toml"))
        #expect(try stage.text("/etc/ketamap/ketamapd.toml") == edited)

        let recording = stage.root + "/var/lib/ketamap/sessions/sub-007.nwb"
        try FileManager.default.createDirectory(atPath: (recording as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: recording, contents: Data("samples".utf8)))

        let removed = try await Stage.script(["--uninstall", "--destdir", stage.root])
        #expect(removed.status == 0, "\(removed.error)")
        #expect(removed.output.contains("kept /etc/ketamap/ketamapd.toml"))
        for path in Self.installedFiles where path != "/etc/ketamap/ketamapd.toml" {
            #expect(!stage.exists(path), "left behind: \(path)")
        }
        #expect(try stage.text("/etc/ketamap/ketamapd.toml") == edited)
        #expect(FileManager.default.contents(atPath: recording) == Data("samples".utf8))
        #expect(!stage.exists("/usr/local/share/doc/ketamap"))
    }
}
