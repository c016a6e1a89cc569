/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the eventcommand runner (daemon/evcmd.c) with real commands (shell scripts in a
 * temporary directory) and the event loop on a clock whose monotonic time the test moves:
 * the environment the command sees (the event, the state, a clean PATH, stdin /dev/null, no
 * inherited descriptor, SIGPIPE not ignored), one at a time with coalescing (the most severe
 * waiting event runs, told how many were suppressed), the rate limit, a hanging command killed
 * with its children while the loop goes on, and the path checks. Waits are bounded. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "daemon/evcmd.h"

static int64_t fake_mono_ns = 1000 * NT_NS_PER_S;
static int64_t fake_mono(struct clk *c) { (void)c; return fake_mono_ns; }
static int64_t fake_real(struct clk *c) { (void)c; return 1767225600LL * NT_NS_PER_S + fake_mono_ns; }
static const struct clk_ops fake_ops = {.name = "fake", .now = fake_real, .now_mono = fake_mono};
static struct clk fake_clk = {.ops = &fake_ops};

static char dir[64];

static void write_script(const char *name, const char *body, mode_t mode)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fprintf(f, "#!/bin/sh\n%s", body);
    fclose(f);
    chmod(path, mode);
}

static bool exists(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Run the loop (real time, bounded) until the file exists. */
static bool wait_file(const char *name, int seconds)
{
    for (int i = 0; i < seconds * 20; i++) {
        if (exists(name)) {
            return true;
        }
        ev_run_once(50 * NT_NS_PER_MS);
    }
    return exists(name);
}

/* Run the loop until no command runs. */
static bool wait_idle(int seconds)
{
    struct evc_stats st;
    for (int i = 0; i < seconds * 20; i++) {
        evc_get_stats(&st);
        if (!st.running) {
            return true;
        }
        ev_run_once(50 * NT_NS_PER_MS);
    }
    evc_get_stats(&st);
    return !st.running;
}

static char content[4096];

static const char *read_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    size_t n = f != NULL ? fread(content, 1, sizeof(content) - 1, f) : 0;
    content[n] = '\0';
    if (f != NULL) {
        fclose(f);
    }
    return content;
}

static struct event make(uint64_t seq, enum event_tag tag, enum event_severity sev)
{
    struct event e = {.seq = seq, .time_ns = 1767225600LL * NT_NS_PER_S + 500 * NT_NS_PER_MS,
                      .tag = tag, .severity = sev, .stratum = 1};
    snprintf(e.source, sizeof(e.source), "pps0");
    snprintf(e.message, sizeof(e.message), "message of %llu", (unsigned long long)seq);
    return e;
}

/* The environment and what the child inherits. */
static void test_environment(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/env.sh", dir);
    write_script("env.sh",
                 "out=$(dirname \"$0\")/out.$GPSNTPD_EVENT_SEQ\n"
                 "env | grep -E '^(GPSNTPD_|PATH=)' | sort >\"$out.tmp\"\n"
                 "grep SigIgn /proc/$$/status >>\"$out.tmp\"\n"
                 "echo stdin=$(readlink /proc/$$/fd/0) >>\"$out.tmp\"\n"
                 "[ -e /proc/$$/fd/9 ] && echo LEAKED >>\"$out.tmp\"\n"
                 "mv \"$out.tmp\" \"$out\"\n",
                 0700);
    char why[160];
    CHECK(evc_check_path(path, geteuid(), getegid(), why, sizeof(why)) == NULL);
    /* A descriptor of ours without close-on-exec, and SIGPIPE ignored, as in the daemon. */
    int fd9 = open("/dev/null", O_RDONLY);
    CHECK(dup2(fd9, 9) == 9);
    signal(SIGPIPE, SIG_IGN);

    evc_init(path, 0, &fake_clk);
    evc_set_state(1, "pps0");
    struct event e = make(1, EVENT_REF_LOST, EVENT_CRITICAL);
    evc_offer(&e);
    CHECK(wait_file("out.1", 10));
    const char *env = read_file("out.1");
    CHECK(strstr(env, "GPSNTPD_EVENT_TAG=REF_LOST\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENT_SEVERITY=critical\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENT_SOURCE=pps0\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENT_MESSAGE=message of 1\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENT_TIME=2026-01-01T00:00:00.500Z\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENT_TIME_NS=1767225600500000000\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENT_SEQ=1\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_EVENTS_SUPPRESSED=0\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_STRATUM=1\n") != NULL);
    CHECK(strstr(env, "GPSNTPD_REFERENCE=pps0\n") != NULL);
    CHECK(strstr(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"));
    CHECK(strstr(env, "stdin=/dev/null") != NULL);
    CHECK(strstr(env, "LEAKED") == NULL);
    /* SigIgn: a hex mask; SIGPIPE (13) is bit 12. */
    const char *ign = strstr(env, "SigIgn:");
    CHECK(ign != NULL && (strtoull(ign + 7, NULL, 16) & (1ULL << (SIGPIPE - 1))) == 0);
    CHECK(wait_idle(10));
    struct evc_stats st;
    evc_get_stats(&st);
    CHECK(st.runs == 1 && st.failed == 0 && st.killed == 0);
    close(9);
    close(fd9);
    evc_shutdown();
}

/* One at a time: events that come while one runs are coalesced, the most severe runs next. */
static void test_coalesce(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/slow.sh", dir);
    /* Waits for a go-ahead file, so the test decides when it ends. */
    write_script("slow.sh",
                 "d=$(dirname \"$0\")\n"
                 "while [ ! -e \"$d/go.$GPSNTPD_EVENT_SEQ\" ]; do sleep 0.05; done\n"
                 "echo \"$GPSNTPD_EVENT_TAG $GPSNTPD_EVENTS_SUPPRESSED\" >\"$d/ran.$GPSNTPD_EVENT_SEQ\"\n",
                 0700);
    evc_init(path, 0, &fake_clk);
    struct event e1 = make(11, EVENT_DEVICE_LOST, EVENT_WARNING);
    struct event e2 = make(12, EVENT_PPS_MISSING, EVENT_WARNING);
    struct event e3 = make(13, EVENT_REF_LOST, EVENT_CRITICAL);
    struct event e4 = make(14, EVENT_HOLDOVER, EVENT_WARNING);
    evc_offer(&e1);
    evc_offer(&e2);
    evc_offer(&e3);
    evc_offer(&e4);
    struct evc_stats st;
    evc_get_stats(&st);
    CHECK(st.running && st.runs == 1 && st.suppressed == 2);
    char go[128];
    snprintf(go, sizeof(go), "%s/go.11", dir);
    close(open(go, O_CREAT | O_WRONLY, 0600));
    snprintf(go, sizeof(go), "%s/go.13", dir);
    close(open(go, O_CREAT | O_WRONLY, 0600));
    CHECK(wait_file("ran.13", 10));
    CHECK(strcmp(read_file("ran.11"), "DEVICE_LOST 0\n") == 0);
    CHECK(strcmp(read_file("ran.13"), "REF_LOST 2\n") == 0);
    CHECK(wait_idle(10));
    CHECK(!exists("ran.12") && !exists("ran.14"));
    evc_get_stats(&st);
    CHECK(st.runs == 2 && st.failed == 0);
    evc_shutdown();
}

/* At most EVC_MAX_RUNS a minute: the next waits for the window, with what came meanwhile. */
static void test_rate_limit(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/quick.sh", dir);
    write_script("quick.sh",
                 "echo \"$GPSNTPD_EVENT_SEQ $GPSNTPD_EVENTS_SUPPRESSED\" >\"$(dirname \"$0\")/q.$GPSNTPD_EVENT_SEQ\"\n",
                 0700);
    evc_init(path, 0, &fake_clk);
    for (int i = 0; i < EVC_MAX_RUNS; i++) {
        struct event e = make(100 + (uint64_t)i, EVENT_NO_DATA, EVENT_WARNING);
        evc_offer(&e);
        CHECK(wait_idle(10));
        fake_mono_ns += NT_NS_PER_S;
    }
    struct evc_stats st;
    evc_get_stats(&st);
    CHECK_INT(st.runs, EVC_MAX_RUNS);
    struct event a = make(200, EVENT_NO_DATA, EVENT_WARNING);
    struct event b = make(201, EVENT_SOURCE_OK, EVENT_INFO);
    evc_offer(&a);
    evc_offer(&b);
    for (int i = 0; i < 10; i++) {
        ev_run_once(20 * NT_NS_PER_MS);
    }
    evc_get_stats(&st);
    CHECK(!st.running && st.runs == EVC_MAX_RUNS); /* held: the window is full */
    fake_mono_ns += EVC_RATE_WINDOW_NS;             /* the first run leaves the window */
    CHECK(wait_file("q.200", 10));
    CHECK(strcmp(read_file("q.200"), "200 1\n") == 0); /* a warning outranks a later info */
    CHECK(wait_idle(10));
    /* The window is full again, but a critical event is not held by it. */
    struct event c = make(202, EVENT_REF_LOST, EVENT_CRITICAL);
    evc_offer(&c);
    CHECK(wait_file("q.202", 10));
    CHECK(wait_idle(10));
    evc_get_stats(&st);
    CHECK_INT(st.runs, EVC_MAX_RUNS + 2);
    evc_shutdown();
}

static int loop_ticks;
static void on_tick(void *arg)
{
    (void)arg;
    loop_ticks++;
    ev_add_timer(10 * NT_NS_PER_MS, on_tick, NULL);
}

/* A command that hangs: the loop goes on; after the timeout the group is terminated, a
 * grandchild (sleep) with it. */
static void test_hang(void)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/hang.sh", dir);
    write_script("hang.sh",
                 "sleep 300 &\n"
                 "echo $! >\"$(dirname \"$0\")/child.pid\"\n"
                 "wait\n",
                 0700);
    evc_init(path, 2 * NT_NS_PER_S, &fake_clk);
    struct event e = make(300, EVENT_UNSYNC, EVENT_CRITICAL);
    evc_offer(&e);
    CHECK(wait_file("child.pid", 10));
    long child = strtol(read_file("child.pid"), NULL, 10);
    CHECK(child > 0 && kill((pid_t)child, 0) == 0);
    /* The loop keeps running its timers while the command hangs. */
    ev_add_timer(10 * NT_NS_PER_MS, on_tick, NULL);
    loop_ticks = 0;
    for (int i = 0; i < 40 && loop_ticks < 5; i++) {
        fake_mono_ns += 10 * NT_NS_PER_MS;
        ev_run_once(20 * NT_NS_PER_MS);
    }
    struct evc_stats st;
    evc_get_stats(&st);
    CHECK(loop_ticks >= 5 && st.running && st.killed == 0);
    fake_mono_ns += 2 * NT_NS_PER_S; /* the timeout */
    CHECK(wait_idle(10));
    evc_get_stats(&st);
    CHECK(st.killed == 1 && st.failed == 1 && !st.running);
    /* The grandchild went with the group. */
    bool gone = false;
    for (int i = 0; i < 100 && !gone; i++) {
        gone = kill((pid_t)child, 0) < 0 && errno == ESRCH;
        if (!gone) {
            usleep(20000);
        }
    }
    CHECK(gone);
    evc_shutdown();
}

static void test_check_path(void)
{
    char path[128], why[160];
    uid_t uid = geteuid();
    gid_t gid = getegid();
    CHECK(evc_check_path("relative.sh", uid, gid, why, sizeof(why)) != NULL);
    CHECK(strstr(why, "absolute") != NULL);
    snprintf(path, sizeof(path), "%s/missing.sh", dir);
    CHECK(evc_check_path(path, uid, gid, why, sizeof(why)) != NULL);
    CHECK(evc_check_path(dir, uid, gid, why, sizeof(why)) != NULL);
    CHECK(strstr(why, "regular") != NULL);
    write_script("x.sh", "true\n", 0620);
    snprintf(path, sizeof(path), "%s/x.sh", dir);
    CHECK(evc_check_path(path, uid, gid, why, sizeof(why)) != NULL);
    CHECK(strstr(why, "not executable") != NULL);
    chmod(path, 0772);
    CHECK(evc_check_path(path, uid, gid, why, sizeof(why)) != NULL);
    CHECK(strstr(why, "writable") != NULL);
    chmod(path, 0755);
    CHECK(evc_check_path(path, uid, gid, why, sizeof(why)) == NULL);
    /* Owned by someone else (as root we can make it so). */
    if (uid == 0) {
        CHECK(chown(path, 12345, 0) == 0);
        CHECK(evc_check_path(path, uid, gid, why, sizeof(why)) != NULL);
        CHECK(strstr(why, "owned by uid 12345") != NULL);
        /* ... fine for a daemon running as 12345 (its own file). */
        CHECK(evc_check_path(path, 12345, 12345, why, sizeof(why)) == NULL);
        CHECK(chown(path, 0, 0) == 0);
    }
    /* In a directory others may write (no sticky bit): refused. */
    chmod(dir, 0777);
    CHECK(evc_check_path(path, uid, gid, why, sizeof(why)) != NULL);
    CHECK(strstr(why, "directory") != NULL);
    chmod(dir, 0700);
}

int main(void)
{
    log_init(true, LOG_LVL_DEBUG);
    snprintf(dir, sizeof(dir), "/tmp/gntest-evcmd.XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    ev_init(&fake_clk);
    test_environment();
    test_coalesce();
    test_rate_limit();
    test_hang();
    test_check_path();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_result();
}
