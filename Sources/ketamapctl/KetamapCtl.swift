import ArgumentParser
import KetaMapCore

/// `ketamapctl`: the control tool for technicians, clinicians and analysts.
@main
struct KetamapCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ketamapctl",
        abstract: "Control and inspect KetaMap recording sessions.",
        discussion: """
            Clinicians record drug administrations with `dose`, correct them with `void`, give the subject's \
            weight with `weight` and notes with `mark`; technicians check \
            channels with `check` and watch a running session with `status`; analysts summarise a session \
            file with `report`.
            """,
        subcommands: [
            Status.self, Check.self, Dose.self, VoidDose.self, Weight.self, Mark.self, Sessions.self, Devices.self, Report.self, Cohort.self,
            ExportBIDS.self, Recover.self, Verify.self,
        ]
    )
}
