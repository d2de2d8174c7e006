import KetaMapDaemon

// Before anything else: a stop signal from now on is a stop, not a kill.
StopSignals.holdUntilHandled()
await Ketamapd.parseAndRun()
