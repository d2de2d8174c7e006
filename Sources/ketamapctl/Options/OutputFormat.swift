import ArgumentParser

/// `--json` / `--csv`: machine-readable output instead of text.
struct OutputFormat: ParsableArguments {
    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Print CSV (where the command has a table).")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("Choose one of --json and --csv.") }
    }
}
