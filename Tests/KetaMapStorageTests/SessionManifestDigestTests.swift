import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapStorage

/// The manifest's SHA-256 (libcrypto) against the published test vectors and
/// against `sha256sum` on a file longer than one 1 MiB read.
@Suite("Session manifest digests")
struct SessionManifestDigestTests {
    @Test(
        "FIPS 180-2's vectors: the empty message, \"abc\" and the 448-bit message",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ])
    func vectors(message: String, expected: String) throws {
        let folder = try TemporaryFolder("digest")
        let path = folder.path("message")
        try Data(message.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try SessionManifest.sha256(ofFile: path) == expected)
    }

    @Test("a file of 2.5 MiB, read in three pieces, hashes as sha256sum hashes it")
    func matchesSha256sum() async throws {
        let folder = try TemporaryFolder("digest")
        let path = folder.path("session.nwb")
        // Bytes that repeat with no period a 64-byte block would share.
        try Data((0..<(5 << 19)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 11) }).write(to: URL(fileURLWithPath: path))
        let sum = try await ProcessRunner.run("/usr/bin/env", ["sha256sum", path], timeout: 60)
        #expect(sum.status == 0)
        #expect(try SessionManifest.sha256(ofFile: path) == String(sum.output.prefix(64)))
    }
}
