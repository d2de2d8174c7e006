// CHDF5: the HDF5 C library as KetaMapStorage sees it.
//
// HDF5 spells its predefined types, property-list classes and flags as
// macros. Most of them expand to `(H5OPEN H5T_NATIVE_INT16_g)`: a call to
// `H5open()` followed by a global that is only valid after the library is
// initialised. Swift imports neither function-like nor expression macros, so
// each one used by KetaMap gets a `static inline` function with the macro's
// name, prefixed `CHDF5_`.
#ifndef CHDF5_SHIM_H
#define CHDF5_SHIM_H

#include <hdf5.h>

// --- Default and "all" placeholders (plain constants Swift cannot see as hid_t) ---

/// H5P_DEFAULT: "use the default property list"; a `(hid_t)` cast macro.
static inline hid_t CHDF5_H5P_DEFAULT(void) { return H5P_DEFAULT; }
/// H5E_DEFAULT: the current thread's error stack; a `(hid_t)` cast macro.
static inline hid_t CHDF5_H5E_DEFAULT(void) { return H5E_DEFAULT; }
/// H5S_ALL: "the whole dataspace" in H5Dread/H5Dwrite; a `(hid_t)` cast macro.
static inline hid_t CHDF5_H5S_ALL(void) { return H5S_ALL; }
/// H5S_UNLIMITED: maximum extent of a growable dimension; defined through HSIZE_UNDEF.
static inline hsize_t CHDF5_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }

// --- File access flags (H5F_ACC_*: macros that call H5check/H5open first) ---

/// H5F_ACC_RDONLY: open read-only.
static inline unsigned CHDF5_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
/// H5F_ACC_RDWR: open read-write.
static inline unsigned CHDF5_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
/// H5F_ACC_EXCL: create, failing if the file exists (sessions never overwrite).
static inline unsigned CHDF5_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
/// H5F_ACC_TRUNC: create, truncating an existing file (tests only).
static inline unsigned CHDF5_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
/// H5F_ACC_SWMR_WRITE: single-writer/multiple-reader write mode.
static inline unsigned CHDF5_H5F_ACC_SWMR_WRITE(void) { return H5F_ACC_SWMR_WRITE; }
/// H5F_ACC_SWMR_READ: open as a reader while a SWMR writer appends.
static inline unsigned CHDF5_H5F_ACC_SWMR_READ(void) { return H5F_ACC_SWMR_READ; }

/// H5F_LIBVER_LATEST: newest file-format version this library writes (needed by SWMR); an alias macro.
static inline H5F_libver_t CHDF5_H5F_LIBVER_LATEST(void) { return H5F_LIBVER_LATEST; }

// --- Property list classes (globals valid only after H5open) ---

/// H5P_FILE_ACCESS: class of file-access property lists (libver bounds, cache).
static inline hid_t CHDF5_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
/// H5P_FILE_CREATE: class of file-creation property lists.
static inline hid_t CHDF5_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
/// H5P_DATASET_CREATE: class of dataset-creation property lists (chunks, filters).
static inline hid_t CHDF5_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
/// H5P_DATASET_ACCESS: class of dataset-access property lists (chunk cache).
static inline hid_t CHDF5_H5P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
/// H5P_LINK_CREATE: class of link-creation property lists (intermediate groups).
static inline hid_t CHDF5_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }

// --- Predefined datatypes (globals valid only after H5open) ---

/// H5T_NATIVE_INT8: C `signed char` in memory.
static inline hid_t CHDF5_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
/// H5T_NATIVE_UINT8: C `unsigned char` in memory.
static inline hid_t CHDF5_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
/// H5T_NATIVE_INT16: C `int16_t` in memory (raw samples).
static inline hid_t CHDF5_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
/// H5T_NATIVE_INT32: C `int32_t` in memory.
static inline hid_t CHDF5_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
/// H5T_NATIVE_INT64: C `int64_t` in memory (ids, sample indices).
static inline hid_t CHDF5_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
/// H5T_NATIVE_UINT64: C `uint64_t` in memory.
static inline hid_t CHDF5_H5T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
/// H5T_NATIVE_FLOAT: C `float` in memory (LFP, band power, waveforms).
static inline hid_t CHDF5_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
/// H5T_NATIVE_DOUBLE: C `double` in memory (times, gains).
static inline hid_t CHDF5_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
/// H5T_STD_I16LE: little-endian int16 on disk.
static inline hid_t CHDF5_H5T_STD_I16LE(void) { return H5T_STD_I16LE; }
/// H5T_STD_I32LE: little-endian int32 on disk.
static inline hid_t CHDF5_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
/// H5T_STD_I64LE: little-endian int64 on disk.
static inline hid_t CHDF5_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
/// H5T_STD_U8LE: unsigned byte on disk.
static inline hid_t CHDF5_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
/// H5T_IEEE_F32LE: little-endian float32 on disk.
static inline hid_t CHDF5_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
/// H5T_IEEE_F64LE: little-endian float64 on disk.
static inline hid_t CHDF5_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
/// H5T_C_S1: one-byte C string, the base copied to make string types.
static inline hid_t CHDF5_H5T_C_S1(void) { return H5T_C_S1; }
/// H5T_STD_REF_OBJ: object reference (NWB links from tables to groups).
static inline hid_t CHDF5_H5T_STD_REF_OBJ(void) { return H5T_STD_REF_OBJ; }
/// H5T_VARIABLE: size value that marks a string type as variable-length; a cast macro.
static inline size_t CHDF5_H5T_VARIABLE(void) { return H5T_VARIABLE; }

#endif
