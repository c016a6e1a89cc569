/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log: diagnostics, to stderr (foreground, -d), to a log file (`logfile`) or to syslog.
 *
 * In the style of OpenNTPD's log.h: log_warn appends strerror(errno), log_warnx does not.
 * Start each message with the subsystem and unit, e.g. "nmea0: device gone". log_debug costs
 * one branch when debug is off. Run-time input errors are counted, not logged at warning level;
 * log_ratelimited() helps when they must be logged.
 */
#ifndef GN_LOG_H
#define GN_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern int log_level_cur;

/* to_stderr: log to stderr (foreground); otherwise syslog with ident "gpsntpd". */
void log_init(bool to_stderr, enum log_level level);
/* Also write every message to path (append). 0 or -errno. */
int log_open_file(const char *path);
/* Reopen the log file by its path (SIGHUP, after logrotate moved it). 0 or -errno. */
int log_reopen(void);
void log_close(void);
/* Stamp log-file lines with this clock's time (none until set). */
struct clk;
void log_set_clock(struct clk *clk);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An alarm the operator must act on (syslog LOG_CRIT): the events of severity critical. */
void log_crit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_debug(...)                                                                          \
    do {                                                                                        \
        if (log_level_cur >= LOG_LVL_DEBUG) {                                                   \
            log_debug_(__VA_ARGS__);                                                            \
        }                                                                                       \
    } while (0)

#endif
