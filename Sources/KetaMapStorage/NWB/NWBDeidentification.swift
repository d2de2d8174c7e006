import Foundation

/// De-identification of a copy of a session file for sharing (BIDS and DANDI
/// recommend it for human data): every calendar date moves back by a whole
/// number of days, so that intervals, times of day and every time on the
/// sample clock stay exact while the real dates are gone.
///
/// Shifted: `session_start_time`, `timestamps_reference_time`,
/// `file_create_date`, the `wall_clock` columns of doses and marks, the clock
/// table's `wall_clock_unix_seconds`, and a session id of the default
/// `YYYYMMDDTHHMMSSZ` form (the start time). Ages count from birth, not from
/// a date, so they stay, except that an age of 89 years or more becomes the
/// open range `P89Y/` ("89 or older", `cappedAge`), as BIDS and DANDI ask of human data.
public enum NWBDeidentification {
    /// Why a file cannot be shifted.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Shifts the dates of the file at `path` (a copy: it is changed in place) back by `days` (> 0).
    public static func shiftDates(path: String, days: Int) throws {
        guard days > 0, days <= 365 * 200 else { throw Refusal(description: "--shift-days must be between 1 and 73000, got \(days)") }
        let seconds = Double(days) * 86_400
        let file = try HDF5File.open(path, mode: .readWrite)
        let root = file.root
        func shifted(_ text: String) -> String {
            guard let date = parse(text) else { return text }
            return NWBObject.isoTimestamp(date.addingTimeInterval(-seconds))
        }
        for name in ["session_start_time", "timestamps_reference_time"] where try root.exists(name) {
            let d = try root.openDataset(name)
            let value = try d.readStrings().first ?? ""
            try d.close()
            try root.delete(name)
            try root.writeString(name, shifted(value))
        }
        if try root.exists("file_create_date") {
            let d = try root.openDataset("file_create_date")
            let values = try d.readStrings()
            try d.close()
            try root.delete("file_create_date")
            try root.writeStrings("file_create_date", values.map(shifted)).close()
        }
        for table in [NWBLayout.dosing, NWBLayout.marks] where try root.exists(String(table.dropFirst())) && root.exists(String(table.dropFirst()) + "/wall_clock") {
            let group = try root.openGroup(String(table.dropFirst()))
            let column = try group.location.openDataset("wall_clock")
            let values = try column.readStrings()
            try column.close()
            try NWBSessionWriter.replaceTextColumn(group.location, "wall_clock", with: values.map(shifted))
            try group.close()
        }
        let clock = String(NWBLayout.clock.dropFirst()) + "/wall_clock_unix_seconds"
        if try root.exists(clock) {
            let d = try root.openDataset(clock)
            let values = try d.readAll(as: Double.self)
            try d.writeAll(values.map { $0 - seconds })
            try d.close()
        }
        if try root.exists("general/subject/age") {
            let d = try root.openDataset("general/subject/age")
            let age = try d.readStrings().first ?? ""
            let reference = try d.location.stringAttribute("reference") ?? "birth"
            try d.close()
            if cappedAge(age) != age {
                try root.delete("general/subject/age")
                try root.writeString("general/subject/age", cappedAge(age))
                let replaced = try root.openDataset("general/subject/age")
                try replaced.location.setAttribute("reference", reference)
                try replaced.close()
            }
        }
        if try root.exists("general/session_id") {
            let d = try root.openDataset("general/session_id")
            let id = try d.readStrings().first ?? ""
            try d.close()
            if let start = sessionIDFormat.date(from: String(id.prefix(16))) {
                try root.delete("general/session_id")
                try root.writeString("general/session_id", sessionIDFormat.string(from: start.addingTimeInterval(-seconds)) + id.dropFirst(16))
            }
        }
        try file.close()
    }

    /// The open range every age from it on is shared as: 89 years or older.
    public static let ageCap = (years: 89.0, iso: "P89Y/")

    /// An age as shared for human data: `P89Y/` from 89 years on (BIDS writes
    /// it `89+`), any other age (or text that is no age) unchanged.
    public static func cappedAge(_ iso: String) -> String {
        guard let years = ageInYears(iso), years >= ageCap.years else { return iso }
        return ageCap.iso
    }

    /// Years of an ISO 8601 duration age (`P34Y`, `P34Y6M`, `P20W`, `P400D`); nil when it is not one.
    public static func ageInYears(_ text: String) -> Double? {
        guard text.hasPrefix("P"), !text.contains("T"), !text.contains("/") else { return nil }
        var total = 0.0, number = ""
        for character in text.dropFirst() {
            if character.isNumber || character == "." { number.append(character); continue }
            guard let value = Double(number) else { return nil }
            switch character {
            case "Y": total += value
            case "M": total += value / 12
            case "W": total += value * 7 / 365.25
            case "D": total += value / 365.25
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && total > 0 ? total : nil
    }

    /// The default session id's form, `20261126T090000Z`.
    static var sessionIDFormat: DateFormatter {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return format
    }

    /// ISO 8601 with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
