/// A session that ended on a fault; its file is closed and records the reason.
public struct SessionFault: Error, CustomStringConvertible {
    /// The part of the pipeline that failed, which decides the exit status.
    public enum Stage: String, Sendable {
        /// The card or the replay file (the device went away, a read failed).
        case source
        /// The session file or the event log (disk full, I/O error).
        case storage
        /// The control socket (it could not be bound or served).
        case control
        /// Anything else: a bug.
        case `internal`
    }

    public let reason: String
    public let stage: Stage

    public var description: String { "session ended on a fault: \(reason)" }

    /// The exit status for this fault (`ExitStatus`; all restartable by the unit's `Restart=on-failure`).
    public var exitStatus: ExitStatus {
        switch stage {
        case .source: .sourceFault
        case .storage: .storageFault
        case .control: .controlFault
        case .internal: .internalFault
        }
    }
}

/// Every way `ketamapd` ends, as its exit status (sysexits.h values). The unit
/// restarts a fault into `<id>-2.nwb`, but never a refusal to start (73, 75, 78).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The session ended as asked (SIGTERM, SIGINT, SIGHUP, `stop`, `--duration`, end of a replay) and its file is closed.
    case clean = 0
    /// The source failed (EX_UNAVAILABLE): the card went away, the replay file could not be read.
    case sourceFault = 69
    /// An internal error (EX_SOFTWARE).
    case internalFault = 70
    /// The control socket could not be bound or served (EX_OSERR).
    case controlFault = 71
    /// Not enough disk for the planned session (EX_CANTCREAT); nothing was created.
    case diskTooFull = 73
    /// The session file or event log could not be written: disk full, I/O error (EX_IOERR).
    case storageFault = 74
    /// The session id is already being recorded by another process (EX_TEMPFAIL); nothing was touched.
    case sessionRunning = 75
    /// The configuration or the command line is wrong (EX_CONFIG).
    case configuration = 78
}
