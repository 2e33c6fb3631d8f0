#ifndef CLMDB_SHIM_H
#define CLMDB_SHIM_H

// LMDB from Debian's liblmdb-dev (pkg-config `lmdb`); no LMDB source is copied into this package.
#include <lmdb.h>

#endif
