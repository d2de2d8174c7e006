import KetaMapConfiguration
import KetaMapCore

extension NWBSessionReader {
    /// `/general/subject` (id, species, sex, age, description); nil when the file has none.
    public func subject() throws -> SubjectSettings? {
        let root = self.root
        guard try root.exists("general/subject/subject_id") else { return nil }
        func text(_ name: String) throws -> String {
            guard try root.exists("general/subject/" + name) else { return "" }
            let d = try root.openDataset("general/subject/" + name)
            defer { try? d.close() }
            return try d.readStrings().first ?? ""
        }
        return SubjectSettings(
            id: try text("subject_id"), species: try text("species"), sex: SubjectSettings.Sex(rawValue: try text("sex")) ?? .unknown,
            age: try text("age"), description: try text("description"))
    }

    /// `session_start_time` as written (ISO 8601).
    public func sessionStartTime() throws -> String {
        let d = try root.openDataset("session_start_time")
        defer { try? d.close() }
        return try d.readStrings().first ?? ""
    }
}
