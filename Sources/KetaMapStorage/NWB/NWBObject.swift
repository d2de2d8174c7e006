import Foundation

/// The attributes that make an HDF5 group or dataset an NWB/hdmf object.
enum NWBObject {
    /// The NWB version KetaMap writes (what pynwb 4.2 writes).
    static let nwbVersion = "2.11.0"

    /// Sets `namespace`, `neurodata_type` and a fresh `object_id` (a UUID) on `location`.
    static func tag(_ location: HDF5Location, type: String, namespace: String = "core") throws(HDF5Error) {
        try location.setAttribute("namespace", namespace)
        try location.setAttribute("neurodata_type", type)
        try location.setAttribute("object_id", UUID().uuidString.lowercased())
    }

    /// ISO 8601 with microseconds and a `+00:00` offset, as pynwb writes datetimes.
    static func isoTimestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let whole = floor(seconds)
        let micros = Int(((seconds - whole) * 1_000_000).rounded())
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        func pad(_ v: Int?, _ width: Int) -> String {
            let text = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let base = "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))"
        return base + (micros == 0 ? "" : "." + pad(min(micros, 999_999), 6)) + "+00:00"
    }
}
