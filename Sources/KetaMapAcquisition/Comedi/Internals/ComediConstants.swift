import CComedi

// The values of comedi.h's constants, read from the header (never retyped), for
// the Swift types that spell them (`ComediTriggerSource`, `ComediSubdeviceFlags`,
// `ComediSubdevice.Kind`, `ComediReference`). Internal: callers use those types.

// Trigger sources (`TRIG_*`).
internal var _TRIG_NONE: UInt32 { UInt32(TRIG_NONE) }
internal var _TRIG_NOW: UInt32 { UInt32(TRIG_NOW) }
internal var _TRIG_FOLLOW: UInt32 { UInt32(TRIG_FOLLOW) }
internal var _TRIG_TIME: UInt32 { UInt32(TRIG_TIME) }
internal var _TRIG_TIMER: UInt32 { UInt32(TRIG_TIMER) }
internal var _TRIG_COUNT: UInt32 { UInt32(TRIG_COUNT) }
internal var _TRIG_EXT: UInt32 { UInt32(TRIG_EXT) }
internal var _TRIG_INT: UInt32 { UInt32(TRIG_INT) }
internal var _TRIG_OTHER: UInt32 { UInt32(TRIG_OTHER) }

// Subdevice flags (`SDF_*`).
internal var _SDF_BUSY: UInt32 { UInt32(SDF_BUSY) }
internal var _SDF_MAXDATA: UInt32 { UInt32(SDF_MAXDATA) }
internal var _SDF_RANGETYPE: UInt32 { UInt32(SDF_RANGETYPE) }
internal var _SDF_SOFT_CALIBRATED: UInt32 { UInt32(SDF_SOFT_CALIBRATED) }
internal var _SDF_CMD_WRITE: UInt32 { UInt32(SDF_CMD_WRITE) }
internal var _SDF_CMD_READ: UInt32 { UInt32(SDF_CMD_READ) }
internal var _SDF_READABLE: UInt32 { UInt32(SDF_READABLE) }
internal var _SDF_WRITABLE: UInt32 { UInt32(SDF_WRITABLE) }
internal var _SDF_GROUND: UInt32 { UInt32(SDF_GROUND) }
internal var _SDF_COMMON: UInt32 { UInt32(SDF_COMMON) }
internal var _SDF_DIFF: UInt32 { UInt32(SDF_DIFF) }
internal var _SDF_OTHER: UInt32 { UInt32(SDF_OTHER) }
internal var _SDF_RUNNING: UInt32 { UInt32(SDF_RUNNING) }
internal var _SDF_LSAMPL: UInt32 { UInt32(SDF_LSAMPL) }

// Analog references (`AREF_*`).
internal var _AREF_GROUND: UInt32 { UInt32(AREF_GROUND) }
internal var _AREF_COMMON: UInt32 { UInt32(AREF_COMMON) }
internal var _AREF_DIFF: UInt32 { UInt32(AREF_DIFF) }
internal var _AREF_OTHER: UInt32 { UInt32(AREF_OTHER) }

// Subdevice types (`enum comedi_subdevice_type`).
internal var _COMEDI_SUBD_UNUSED: Int { Int(COMEDI_SUBD_UNUSED.rawValue) }
internal var _COMEDI_SUBD_AI: Int { Int(COMEDI_SUBD_AI.rawValue) }
internal var _COMEDI_SUBD_AO: Int { Int(COMEDI_SUBD_AO.rawValue) }
internal var _COMEDI_SUBD_DI: Int { Int(COMEDI_SUBD_DI.rawValue) }
internal var _COMEDI_SUBD_DO: Int { Int(COMEDI_SUBD_DO.rawValue) }
internal var _COMEDI_SUBD_DIO: Int { Int(COMEDI_SUBD_DIO.rawValue) }
internal var _COMEDI_SUBD_COUNTER: Int { Int(COMEDI_SUBD_COUNTER.rawValue) }
internal var _COMEDI_SUBD_TIMER: Int { Int(COMEDI_SUBD_TIMER.rawValue) }
internal var _COMEDI_SUBD_MEMORY: Int { Int(COMEDI_SUBD_MEMORY.rawValue) }
internal var _COMEDI_SUBD_CALIB: Int { Int(COMEDI_SUBD_CALIB.rawValue) }
internal var _COMEDI_SUBD_PROC: Int { Int(COMEDI_SUBD_PROC.rawValue) }
internal var _COMEDI_SUBD_SERIAL: Int { Int(COMEDI_SUBD_SERIAL.rawValue) }
internal var _COMEDI_SUBD_PWM: Int { Int(COMEDI_SUBD_PWM.rawValue) }

// Range units (`UNIT_*`).
internal var _UNIT_volt: UInt32 { UInt32(UNIT_volt) }
internal var _UNIT_mA: UInt32 { UInt32(UNIT_mA) }
internal var _UNIT_none: UInt32 { UInt32(UNIT_none) }
