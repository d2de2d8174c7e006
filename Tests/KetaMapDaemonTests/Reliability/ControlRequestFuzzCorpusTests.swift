import Foundation
import KetaMapTestSupport
import Testing

/// The libFuzzer corpus of the control request parser, replayed in every test
/// run by the fuzz target's own replayer build (Fuzz/README.md).
@Suite("Control request fuzz corpus")
struct ControlRequestFuzzCorpusTests {
    @Test("every input of Fuzz/corpus/control-request keeps the parser's property (no trap, refusals name a field and a reason, accepted requests round-trip)")
    func corpusReplays() async throws {
        let corpus = ProcessRunner.repositoryRoot.appendingPathComponent("Fuzz/corpus/control-request").path
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus)
        #expect(inputs.count >= 50, "the corpus is in the repository")
        let replay = try await ProcessRunner.run(ProcessRunner.binary("ketamap-fuzz-control-request"), [corpus], timeout: 120)
        #expect(replay.status == 0, "\(replay.output)\(replay.error)")
        #expect(replay.output.contains("\(inputs.count) inputs replayed"), "\(replay.output)")
    }
}
