/* Test fixture: opens an LMDB environment, begins a read transaction, prints "reading" and waits to be
 * killed. Killing it leaves a stale reader slot, which the event log must clear when it opens the folder.
 * Usage: stale-reader DIR */
#include <lmdb.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    MDB_env *env;
    MDB_txn *txn;
    if (argc != 2) { fprintf(stderr, "usage: stale-reader DIR\n"); return 2; }
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) || mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0644)) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 1;
    }
    if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) { fprintf(stderr, "cannot begin\n"); return 1; }
    printf("reading\n");
    fflush(stdout);
    for (;;) pause();
}
