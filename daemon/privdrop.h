/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * privdrop: leave root after start-up. The daemon binds port 123 and opens its devices as root,
 * then becomes `user`, keeping CAP_SYS_TIME only when it steers the system clock (as chronyd
 * does with -x: no clock control, no capability).
 */
#ifndef GN_PRIVDROP_H
#define GN_PRIVDROP_H

#include <stdbool.h>

/* Switch to user (uid, primary gid and supplementary groups), keeping CAP_SYS_TIME in the
 * permitted and effective sets when keep_sys_time is true, and no other capability.
 * 0 or -errno; errors are logged naming the user. */
int pd_drop_privileges(const char *user, bool keep_sys_time);

#endif
