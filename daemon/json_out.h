/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * json_out: the one JSON string writer of the control channel and the HTTP API. Names come
 * from the configuration and messages from the daemon: escaped, never trusted.
 */
#ifndef GN_DAEMON_JSON_OUT_H
#define GN_DAEMON_JSON_OUT_H

#include <stdio.h>

/* S as a quoted JSON string: '"' and '\' escaped, control characters as \u00XX. */
void json_put_string(FILE *out, const char *s);

#endif
