import Foundation
import Testing

@testable import KetaMapCore

@Suite("FeatureRing")
struct FeatureRingTests {
    @Test("rows come out in order with their headers; a full ring refuses and counts")
    func orderAndRefusal() {
        let ring = FeatureRing<UInt64>(rowWidth: 3, minimumRows: 3)
        #expect(ring.capacityRows == 4)
        for i in 0..<5 {
            let accepted = ring.push(UInt64(i)) { row in for k in 0..<3 { row[k] = Float(i * 10 + k) } }
            #expect(accepted == (i < 4))
        }
        #expect(ring.droppedRows == 1)
        var seen: [UInt64] = []
        while ring.pop({ header, row in
            seen.append(header)
            #expect(Array(row) == (0..<3).map { Float(Int(header) * 10 + $0) })
        }) {}
        #expect(seen == [0, 1, 2, 3])
    }

    @Test("a producer and a consumer thread pass 200 000 rows intact")
    func concurrentHandOff() {
        let ring = FeatureRing<UInt64>(rowWidth: 8, minimumRows: 64)
        let total: UInt64 = 200_000
        let done = DispatchSemaphore(value: 0)
        Thread {
            var next: UInt64 = 0
            while next < total {
                if ring.push(next, fill: { row in for k in 0..<8 { row[k] = Float(next % 1000) + Float(k) } }) {
                    next += 1
                }
            }
            done.signal()
        }.start()
        var expected: UInt64 = 0
        var corrupt = 0
        while expected < total {
            ring.pop { header, row in
                if header != expected || row[7] != Float(header % 1000) + 7 { corrupt += 1 }
                expected += 1
            }
        }
        done.wait()
        #expect(corrupt == 0)
        #expect(ring.count == 0)
    }
}
