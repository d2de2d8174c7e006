import Foundation
import KetaMapControl

/// The control request parser's fuzz target, and its replayer.
///
/// The property, for any bytes: `ControlRequest.parse` returns (never traps);
/// a refusal names a field and a reason; an accepted request, encoded again,
/// parses back to itself.
///
/// Built with `-DKETAMAP_FUZZ` and `--sanitize=fuzzer` it is a libFuzzer
/// binary (Fuzz/README.md). Built as usual it replays files and folders given
/// as arguments, as libFuzzer does, and exits 1 on the first input that breaks
/// the property (the corpus test runs it over Fuzz/corpus/).
enum ControlRequestProperty {
    static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch ControlRequest.parse(bytes) {
        case .failure(let refusal):
            if refusal.field.isEmpty || refusal.reason.isEmpty { return "a refusal without a field or a reason: \(refusal)" }
        case .success(let request):
            guard let encoded = try? JSONEncoder().encode(request) else { return "an accepted request that cannot be encoded: \(request)" }
            guard case .success(let again) = encoded.withUnsafeBytes({ ControlRequest.parse($0.bindMemory(to: UInt8.self)) }) else {
                return "an accepted request refused once encoded again: \(String(decoding: encoded, as: UTF8.self))"
            }
            if again != request { return "an accepted request changed once encoded again: \(request) → \(again)" }
        }
        return nil
    }
}

#if KETAMAP_FUZZ
@_cdecl("LLVMFuzzerTestOneInput")
public func controlRequestFuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if let broken = ControlRequestProperty.check(UnsafeBufferPointer(start: data, count: size)) { fatalError(broken) }
    return 0
}
#else
@main
enum ControlRequestReplay {
    static func main() {
        var inputs: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            if let names = try? FileManager.default.contentsOfDirectory(atPath: argument) {
                inputs += names.sorted().map { "\(argument)/\($0)" }
            } else {
                inputs.append(argument)
            }
        }
        for path in inputs {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot be read")
                exit(2)
            }
            if let broken = data.withUnsafeBytes({ ControlRequestProperty.check($0.bindMemory(to: UInt8.self)) }) {
                print("\(path): \(broken)")
                exit(1)
            }
        }
        print("\(inputs.count) inputs replayed, the property held for every one")
    }
}
#endif
