/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pidfile: one daemon per configuration. The file is locked (flock) for the daemon's life:
 * a second instance finds it locked, names the first's pid and refuses to start, before it
 * touches a socket or the clock. A lock, not the file's existence, decides: a pidfile left by
 * a crash is simply taken over.
 */
#ifndef GN_PIDFILE_H
#define GN_PIDFILE_H

#include <sys/types.h>

/* Lock path and write our pid. 0; -EEXIST when another process holds it (*holder: its pid,
 * or 0 when unknown); other -errno (logged). The parent directory is created if missing. */
int pidfile_lock(const char *path, pid_t *holder);
/* Write the current pid again (after daemon(): the lock passed to the child). */
void pidfile_update(void);
/* Remove it at exit (may fail once privileges are dropped: the lock is what counts). */
void pidfile_release(void);

#endif
