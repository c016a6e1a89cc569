/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the configuration parser: every directive accepted with good values, every error
 * path reported as NAME:LINE, all errors of a file reported, and cfg_print round-trips. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "daemon/cfg.h"
#include "daemon/statlog.h"

static struct cfg c;
static char errbuf[8192];

/* Parse text; returns the error count; messages land in errbuf. */
static int parse(const char *text)
{
    FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
    int n = cfg_parse_string(text, "t.conf", &c, err);
    fclose(err);
    return n;
}

/* text must give exactly one error, on line `line`. */
static void bad(const char *text, int line)
{
    int n = parse(text);
    char want[32];
    snprintf(want, sizeof(want), "t.conf:%d: ", line);
    CHECK_INT(n, 1);
    if (n != 1) {
        fprintf(stderr, "  for: %s  got: %s", text, errbuf);
    }
    if (strncmp(errbuf, want, strlen(want)) != 0) {
        fprintf(stderr, "for %s: expected an error at %s, got: %s", text, want, errbuf);
        check_failures++;
    }
}

static void test_good(void)
{
    CHECK_INT(parse("# comment\n! also\n; also\n\n"
                    "port 11123\nbindaddress 127.0.0.2\nbindaddress ::1\n"
                    "allow 10.0.0.0/8\ndeny 10.1.0.0/16\nallow fd00::/8\nallow\n"
                    "ratelimit interval 1 burst 4 leak 3\nclientloglimit 1024\n"
                    "local stratum 8\nworkers 2\nfastpath on\n"
                    "controlsocket /tmp/x.sock\nuser nobody\nlogfile /tmp/x.log\n"
                    "refclock nmea /dev/ttyUSB0 baud 4800 offset 0.35 delay 0.2 refid NMEA\n"
                    "refclock nmea /dev/ttyS1 refid G2 noselect prefer filter 32\n"
                    "refclock pps /dev/pps0 lock NMEA clear width 0.2\n"
                    "makestep 0.1 -1\ndriftfile /var/lib/x/drift\n"
                    "leapseclist /usr/share/zoneinfo/leap-seconds.list\ndumpdir /var/lib/x\n"
                    "mindate 2024-06-01\nmaxholdover 7200\nmaxjump 0.2\njumppersist 60\n"
                    "maxslewrate 200\n"),
              0);
    CHECK_INT(c.udp.port, 11123);
    CHECK_INT(c.udp.n_bind, 2);
    CHECK_INT(c.udp.n_acl, 4);
    CHECK(c.udp.ratelimit && c.udp.rl_interval == 1 && c.udp.rl_burst == 4 && c.udp.rl_leak == 3);
    CHECK_INT(c.rc.local_stratum, 8);
    CHECK(c.udp.fastpath && c.udp.workers == 2);
    CHECK_INT(c.rc.n_sources, 3);
    CHECK(strcmp(c.rc.sources[0].refid, "NMEA") == 0);
    CHECK_NEAR(c.rc.sources[0].offset_s, 0.35, 1e-12);
    CHECK(c.rc.sources[1].noselect && c.rc.sources[1].prefer && c.rc.sources[1].filter == 32);
    /* `clear` is the PPS driver's own option: it reaches the driver as such. */
    CHECK(c.rc.sources[2].n_opts == 1 && strcmp(c.rc.sources[2].opts[0].key, "clear") == 0);
    CHECK(strcmp(c.rc.sources[2].refid, "PPS") == 0 && c.rc.sources[2].driver->pulses);
    CHECK_NEAR(c.rc.sources[2].width_s, 0.2, 1e-12);
    CHECK(c.rc.makestep_limit == -1);
    CHECK(c.rc.mindate_ns > 0);
    /* Defaults. */
    CHECK_INT(parse(""), 0);
    CHECK_INT(c.udp.port, 123);
    CHECK(!c.udp.ratelimit && c.udp.n_acl == 0 && c.rc.makestep_limit == 3);
}

static void test_errors(void)
{
    bad("frobnicate yes\n", 1);
    bad("port 1\nport 65536\n", 2);
    bad("port abc\n", 1);
    bad("port 12 13\n", 1);
    bad("\n\nbindaddress example.com\n", 3);
    bad("allow 10.0.0.0/33\n", 1);
    bad("deny 300.1.1.1\n", 1);
    bad("ratelimit interval 13\n", 1);
    bad("ratelimit burst 0\n", 1);
    bad("ratelimit leak\n", 1);
    bad("ratelimit speed 3\n", 1);
    bad("local stratum 16\n", 1);
    bad("local orphan\n", 1);
    bad("workers 0\n", 1);
    bad("fastpath maybe\n", 1);
    bad("controlsocket relative.sock\n", 1);
    bad("pidfile relative.pid\n", 1);
    bad("pidfile\n", 1);
    bad("refclock\n", 1);
    bad("refclock sundial /dev/x\n", 1);
    bad("refclock nmea /dev/x baud 1234\n", 1);
    bad("refclock nmea /dev/x wobble 3\n", 1);
    bad("refclock nmea /dev/x offset\n", 1);
    bad("refclock nmea /dev/x refid TOOLONG\n", 1);
    bad("refclock nmea /dev/x offset 11\n", 1);
    bad("refclock nmea /dev/x clear\n", 1);
    /* What would fail or be ignored at start-up is caught here (-n). */
    bad("workers 4\nfastpath off\n", 1);
    bad("user no-such-user-gpsntpd\n", 1);
    bad("refclock nmea /dev/ttyS0 baud 9600 baud 4800\n", 1);
    bad("refclock nmea /dev/ttyS0 offset 0.1 offset 0.2\n", 1);
    bad("refclock nmea /dev/ttyS0 refid A\nrefclock nmea /dev/ttyS0 refid B\n", 2);
    bad("refclock pps /dev/pps0 refid P1\nrefclock pps /dev/pps1 lock P1 refid P2\n", 2);
    bad("refclock gpsd 192.168.1.10:2947\n", 1);
    /* `poll` is refused with a reason, not silently ignored. */
    bad("refclock pps /dev/pps0 poll 2\n", 1);
    bad("refclock nmea /dev/a refid A\nrefclock nmea /dev/b refid A\n", 2);
    bad("refclock nmea /dev/a refid A lock B\n", 1);
    bad("makestep 1\n", 1);
    bad("makestep x 3\n", 1);
    bad("mindate 2024-02-30\n", 1);
    bad("maxholdover -1\n", 1);
    bad("maxslewrate 501\n", 1);
    bad("driftfile\n", 1);
    /* Every error of a file, each with its line. */
    CHECK_INT(parse("port 0\nbogus\nport x\nallow nowhere\nmakestep\n"), 4);
    CHECK(strstr(errbuf, "t.conf:2: ") && strstr(errbuf, "t.conf:3: ") &&
          strstr(errbuf, "t.conf:4: ") && strstr(errbuf, "t.conf:5: "));
    /* A NUL byte and an over-long line are errors, not crashes. */
    char longline[3000];
    memset(longline, 'a', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    CHECK(parse(longline) >= 1);
}

/* The HTTP endpoint: off by default on 127.0.0.1; its address, port and access rules. */
static void test_http(void)
{
    CHECK_INT(parse(""), 0);
    CHECK_INT(c.http.port, 0);
    CHECK_INT(c.http.addr.ss_family, AF_INET);
    CHECK(((struct sockaddr_in *)&c.http.addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK_INT(c.http.n_acl, 0);
    CHECK_INT(parse("httpport 8080\nbindhttpaddress ::\nhttpallow 192.168.1.0/24\n"
                    "httpdeny 192.168.1.66\nhttpallow\n"),
              0);
    CHECK_INT(c.http.port, 8080);
    CHECK_INT(c.http.addr.ss_family, AF_INET6);
    CHECK_INT(c.http.addrlen, sizeof(struct sockaddr_in6));
    CHECK_INT(c.http.n_acl, 3);
    CHECK(c.http.acl[0].allow && c.http.acl[0].prefix_len == 24);
    CHECK(!c.http.acl[1].allow && c.http.acl[1].prefix_len == 32);
    CHECK(c.http.acl[2].allow && c.http.acl[2].family == AF_UNSPEC);
    CHECK_INT(c.udp.n_acl, 0); /* the NTP rules are apart */
    CHECK_INT(parse("httpport 80\nbindhttpaddress 10.0.0.5\n"), 0);
    CHECK_INT(c.http.addr.ss_family, AF_INET);
    bad("httpport 65536\n", 1);
    bad("httpport -1\n", 1);
    bad("httpport\n", 1);
    bad("httpport http\n", 1);
    bad("\nbindhttpaddress localhost\n", 2);
    bad("bindhttpaddress 127.0.0.1 ::1\n", 1);
    bad("httpallow 10.0.0.0/33\n", 1);
    bad("httpdeny everyone\n", 1);
    bad("httpallow 1.2.3.4 5.6.7.8\n", 1);
    /* A bad bindhttpaddress leaves the default in place. */
    CHECK_INT(parse("bindhttpaddress nowhere\n"), 1);
    CHECK_INT(c.http.addr.ss_family, AF_INET);
    char many[64 * 20] = "";
    for (int i = 0; i <= HTTP_MAX_ACL; i++) {
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "httpallow 10.0.0.%d\n", i);
    }
    CHECK_INT(parse(many), 1);
    CHECK(strstr(errbuf, "at most") != NULL);
}

static void test_round_trip(void)
{
    CHECK_INT(parse("port 999\nbindaddress ::1\nallow 192.168.0.0/16\ndeny all\n"
                    "ratelimit\nlocal stratum 3\nhttpport 8080\nbindhttpaddress ::1\n"
                    "httpallow 10.0.0.0/8\nhttpdeny 10.9.0.0/16\n"
                    "refclock nmea /dev/ttyUSB0 baud 9600 offset 0.1 refid GPS\n"
                    "mindate 2025-01-02\n"),
              0);
    char *printed = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&printed, &len);
    cfg_print(&c, out);
    fclose(out);
    static struct cfg first;
    first = c;
    CHECK_INT(parse(printed), 0);
    CHECK_INT(c.udp.port, first.udp.port);
    CHECK_INT(c.udp.n_acl, first.udp.n_acl);
    CHECK(c.udp.ratelimit && c.rc.local_stratum == 3 && c.rc.n_sources == 1);
    CHECK(c.rc.mindate_ns == first.rc.mindate_ns);
    CHECK(c.http.port == 8080 && c.http.addr.ss_family == AF_INET6 && c.http.n_acl == 2);
    CHECK(!c.http.acl[1].allow && c.http.acl[1].prefix_len == 16);
    CHECK(strcmp(c.rc.sources[0].opts[0].value, "9600") == 0);
    free(printed);
}

/* A file is read whole: a NUL byte is an error on its line and hides nothing after it; a
 * directory is named as such. */
static void test_file_bytes(void)
{
    char path[] = "/tmp/gntest-cfg.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    static const char text[] = "allow all\n\0\nfrobnicate\n";
    CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
    close(fd);
    FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
    int n = cfg_parse_file(path, &c, err);
    fclose(err);
    CHECK_INT(n, 2);
    CHECK(strstr(errbuf, ":2: NUL byte") != NULL && strstr(errbuf, ":3: unknown directive") != NULL);
    unlink(path);
    err = fmemopen(errbuf, sizeof(errbuf), "w");
    n = cfg_parse_file("/tmp", &c, err);
    fclose(err);
    CHECK(n < 0 && strstr(errbuf, "directory") != NULL);
}

/* The monitoring directives: eventcommand (checked like the file it names), logdir, log. */
static void test_monitoring(void)
{
    CHECK_INT(parse("logdir /var/log/x\nlog tracking statistics\nlog refclocks measurements\n"
                    "eventcommand /bin/true\n"),
              0);
    CHECK_INT(c.logmask, STATLOG_BIT(STATLOG_TRACKING) | STATLOG_BIT(STATLOG_STATISTICS) |
                             STATLOG_BIT(STATLOG_REFCLOCKS) | STATLOG_BIT(STATLOG_MEASUREMENTS));
    CHECK(strcmp(c.logdir, "/var/log/x") == 0 && strcmp(c.eventcommand, "/bin/true") == 0);
    /* Round trip through -n's output. */
    char *printed = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&printed, &len);
    cfg_print(&c, out);
    fclose(out);
    CHECK(strstr(printed, "log tracking measurements statistics refclocks\n") != NULL);
    CHECK_INT(parse(printed), 0);
    CHECK_INT(c.logmask, 0xf);
    free(printed);
    bad("log\n", 1);
    bad("logdir /tmp\nlog tracking rawmeasurements\n", 2);
    bad("logdir relative\n", 1);
    /* A log with nowhere to go: the first log line is named. */
    bad("\nlog tracking\nlog statistics\n", 2);
    bad("eventcommand relative.sh\n", 1);
    bad("eventcommand /nonexistent/gpsntpd-event.sh\n", 1);
    CHECK(strstr(errbuf, "No such file") != NULL);
    char path[] = "/tmp/gntest-cfg-ev.XXXXXX";
    int fd = mkstemp(path); /* mode 0600: not executable */
    CHECK(fd >= 0);
    close(fd);
    char text[128];
    snprintf(text, sizeof(text), "# not executable\neventcommand %s\n", path);
    bad(text, 2);
    CHECK(strstr(errbuf, "not executable") != NULL);
    unlink(path);
    bad("eventcommand /tmp\n", 1);
    bad("eventcommand /bin/true /bin/false\n", 1);
}

/* Issue 15: keyfile and the NTS directives; NTS needs both certificate and key. */
static void test_auth_directives(void)
{
    CHECK_INT(parse("keyfile /etc/k\nntsservercert /c.pem\nntsserverkey /k.pem\nntsport 4461\n"
                    "ntsdumpdir /var/lib/g\nntsrotate 3600\nntsmaxconns 8\nntstimeout 500\n"), 0);
    CHECK(strcmp(c.udp.keyfile, "/etc/k") == 0 && ntske_enabled(&c.nts));
    CHECK(c.nts.port == 4461 && c.nts.rotate_s == 3600 && c.nts.max_conns == 8 &&
          c.nts.timeout_ms == 500 && strcmp(c.nts.dumpdir, "/var/lib/g") == 0);
    CHECK_INT(parse("port 1\n"), 0);
    CHECK(!ntske_enabled(&c.nts) && c.nts.port == 4460 && c.nts.rotate_s == 86400 &&
          c.udp.keyfile[0] == '\0');
    bad("keyfile keys\n", 1);
    bad("\nntsservercert /c.pem\n", 2); /* no key */
    bad("ntsport 70000\n", 1);
    bad("ntsrotate 10\n", 1);
    bad("ntsmaxconns 0\n", 1);
    bad("ntstimeout 5\n", 1);
}

/* `server` and `peer` (issue 16): options, names, and every wrong line refused with its line. */
static void test_ntp_sources(void)
{
    CHECK_INT(parse("server 192.168.1.10 iburst minpoll 4 maxpoll 6 prefer xleave\n"
                    "server ntp.example port 1123 version 3 noselect offset 0.0001\n"
                    "peer 10.0.0.2 minpoll 0 maxpoll 0\n"
                    "refclock shm 0\n"),
              0);
    CHECK_INT(c.rc.n_sources, 4);
    CHECK(c.rc.sources[0].driver->ntp && c.rc.sources[0].prefer);
    CHECK(strcmp(c.rc.sources[1].param, "ntp.example") == 0 && c.rc.sources[1].noselect);
    CHECK(strcmp(c.rc.sources[2].driver->name, "peer") == 0);
    CHECK(!c.rc.sources[3].driver->ntp);
    bad("server\n", 1);                                  /* no address */
    bad("\nserver 10.0.0.1 minpoll 18\n", 2);           /* beyond 17 */
    bad("server 10.0.0.1 minpoll 6 maxpoll 4\n", 1);     /* maxpoll below minpoll */
    bad("server 10.0.0.1 port 70000\n", 1);
    bad("server 10.0.0.1 version 2\n", 1);
    bad("server 10.0.0.1 key 0\n", 1);
    bad("server 10.0.0.1 nts\n", 1);                     /* no NTS client */
    bad("server 10.0.0.1 lock GPS\n", 1);                /* a refclock's option */
    bad("peer 10.0.0.1 refid XYZ\n", 1);
    bad("server 10.0.0.1 bogus 1\n", 1);
    bad("server 10.0.0.1 iburst iburst\n", 1);
    bad("server 10.0.0.1 minpoll\n", 1);                 /* no value */
    bad("server 10.0.0.1\nserver 10.0.0.1\n", 2);       /* the same source twice */
    CHECK(strstr(errbuf, "already on line 1") != NULL);
    bad("refclock ntp 10.0.0.1\n", 1);                   /* not a refclock driver */
}

int main(void)
{
    test_ntp_sources();
    test_auth_directives();
    test_good();
    test_errors();
    test_http();
    test_round_trip();
    test_file_bytes();
    test_monitoring();
    return check_result();
}
