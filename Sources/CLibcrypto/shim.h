// CLibcrypto: OpenSSL's libcrypto as KetaMapStorage sees it (the session
// manifest's SHA-256, through the EVP digest calls only).
#ifndef CLIBCRYPTO_SHIM_H
#define CLIBCRYPTO_SHIM_H

#include <openssl/evp.h>

#endif
