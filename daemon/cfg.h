/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfg: the configuration file, in the style of chrony.conf (same directive names where the
 * concept is the same). Parsing fills plain structs and has no side effects: no device is
 * opened, no name resolved. Every error is reported as "FILE:LINE: message", all of them, not
 * just the first; unknown directives and bad values are errors.
 */
#ifndef GN_CFG_H
#define GN_CFG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "refclock/rc.h"
#include "server/nts_ke.h"
#include "server/udp.h"

/* Everything the file says: each layer's parameters, as that layer defines them, and the
 * daemon's own. */
struct cfg {
    char path[PATH_MAX];
    struct udp_params udp;             /* the NTP server */
    struct rc_params rc;               /* reference clocks and discipline */
    struct ntske_params nts;           /* NTS-KE and cookies (issue 15) */
    char controlsocket[108];           /* default /run/gpsntpd/gpsntpd.sock */
    char pidfile[PATH_MAX];            /* default /run/gpsntpd/gpsntpd.pid; locked */
    char user[64];                     /* `user`: drop root to it after start-up */
    char logfile[PATH_MAX];
    char eventcommand[PATH_MAX];       /* `eventcommand`: run for each event (evcmd.h) */
    char logdir[PATH_MAX];             /* `logdir`: the statistics logs' directory */
    unsigned logmask;                  /* `log`: STATLOG_BIT() of each kind asked for */
    int user_line, workers_line;       /* for the checks that span lines */
    int eventcommand_line, log_line;
};

/* Fill defaults. */
void cfg_defaults(struct cfg *c);
/* Parse a file (defaults applied first). Errors go to err as "FILE:LINE: message". Returns the
 * number of errors (0 = usable), or -errno when the file cannot be read (also reported). */
int cfg_parse_file(const char *path, struct cfg *c, FILE *err);
/* Same, from size bytes that may hold NUL bytes (each is an error on its line); name is used
 * in messages. */
int cfg_parse_buffer(const char *text, size_t size, const char *name, struct cfg *c, FILE *err);
/* Same, from a string; name is used in messages. */
int cfg_parse_string(const char *text, const char *name, struct cfg *c, FILE *err);
/* Print the effective configuration as a config file (-n). */
void cfg_print(const struct cfg *c, FILE *out);

#endif
