/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log: diagnostics to stderr or syslog, and optionally to a log file. Messages are short single
 * lines; this is not the measurement log (raw and filtered offsets have their own file).
 */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/clk.h"
#include "common/ntime.h"

int log_level_cur = LOG_LVL_INFO;
static bool use_stderr = true;
static FILE *log_file;
static struct clk *log_clock;

void log_set_clock(struct clk *clk)
{
    log_clock = clk;
}

static char log_path[PATH_MAX];

void log_init(bool to_stderr, enum log_level level)
{
    /* No syslog daemon (a container, an initramfs): stderr rather than nothing at all. */
    use_stderr = to_stderr || access("/dev/log", W_OK) != 0;
    log_level_cur = level;
    if (!use_stderr) {
        openlog("gpsntpd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    }
}

int log_reopen(void)
{
    return log_path[0] != '\0' ? log_open_file(log_path) : 0;
}

int log_open_file(const char *path)
{
    if (path != log_path) {
        snprintf(log_path, sizeof(log_path), "%s", path); /* for log_reopen */
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        return -errno;
    }
    FILE *f = fdopen(fd, "a");
    if (f == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    if (log_file != NULL) {
        fclose(log_file);
    }
    log_file = f;
    return 0;
}

void log_close(void)
{
    if (log_file != NULL) {
        fclose(log_file);
        log_file = NULL;
    }
    if (!use_stderr) {
        closelog();
    }
}

/* name: the word before the message on stderr and in the log file; prio: syslog's. */
static void emit(enum log_level level, int prio, const char *name, const char *errtext,
                 const char *fmt, va_list ap)
{
    char msg[1024];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n >= 0 && errtext != NULL && (size_t)n < sizeof(msg)) {
        snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", errtext);
    }
    if (use_stderr) {
        fprintf(stderr, "gpsntpd: %s%s%s\n", level <= LOG_LVL_WARN ? name : "",
                level <= LOG_LVL_WARN ? ": " : "", msg);
    } else {
        syslog(prio, "%s", msg);
    }
    if (log_file != NULL) {
        char stamp[32] = "-";
        if (log_clock != NULL) {
            nt_format_iso_ms(clk_now(log_clock), stamp, sizeof(stamp));
        }
        fprintf(log_file, "%s %s: %s\n", stamp, name, msg);
    }
}

#define DEFINE_LOG(fn, level, prio, name, with_errno)                                           \
    void fn(const char *fmt, ...)                                                               \
    {                                                                                           \
        int saved = errno;                                                                      \
        if (log_level_cur < (level)) {                                                          \
            return;                                                                             \
        }                                                                                       \
        va_list ap;                                                                             \
        va_start(ap, fmt);                                                                      \
        emit((level), (prio), (name), (with_errno) ? strerror(saved) : NULL, fmt, ap);          \
        va_end(ap);                                                                             \
        errno = saved;                                                                          \
    }

DEFINE_LOG(log_crit, LOG_LVL_ERR, LOG_CRIT, "critical", false)
DEFINE_LOG(log_err, LOG_LVL_ERR, LOG_ERR, "error", false)
DEFINE_LOG(log_warn, LOG_LVL_WARN, LOG_WARNING, "warning", true)
DEFINE_LOG(log_warnx, LOG_LVL_WARN, LOG_WARNING, "warning", false)
DEFINE_LOG(log_info, LOG_LVL_INFO, LOG_INFO, "info", false)
DEFINE_LOG(log_debug_, LOG_LVL_DEBUG, LOG_DEBUG, "debug", false)
