/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfg: parse a chrony.conf-like file into struct cfg. One directive per line; a pass over the
 * whole file reports every error as FILE:LINE and keeps going; a second pass checks what
 * spans lines (a `lock` naming a refid nobody has). No side effects: nothing is opened or
 * resolved here but the file itself.
 */
#include "daemon/cfg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/lineerr.h"
#include "common/ntime.h"
#include "daemon/evcmd.h"
#include "daemon/registry.h"
#include "daemon/statlog.h"
#include "drivers/ntpc.h"
#include "refclock/rc.h"

#define MAX_TOKENS 48

struct parser {
    struct cfg *c;
    const char *name;
    int line;
    int errors;
    FILE *err;
};

static void error(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void error(struct parser *p, const char *fmt, ...)
{
    p->errors++;
    va_list ap;
    va_start(ap, fmt);
    lineerr_vprint(p->err, p->name, p->line, fmt, ap);
    va_end(ap);
}

void cfg_defaults(struct cfg *c)
{
    memset(c, 0, sizeof(*c));
    udp_params_defaults(&c->udp);
    ntske_params_defaults(&c->nts);
    rc_params_defaults(&c->rc);
    http_params_defaults(&c->http);
    snprintf(c->controlsocket, sizeof(c->controlsocket), "/run/gpsntpd/gpsntpd.sock");
    snprintf(c->pidfile, sizeof(c->pidfile), "/run/gpsntpd/gpsntpd.pid");
}

/* --- value parsers: each reports its own error and returns false ----------------------- */

static bool get_double(struct parser *p, const char *what, const char *s, double lo, double hi,
                       double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v)) {
        error(p, "%s: '%s' is not a number", what, s);
        return false;
    }
    if (v < lo || v > hi) {
        error(p, "%s: %s is out of range (%g to %g)", what, s, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

static bool get_int(struct parser *p, const char *what, const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0) {
        error(p, "%s: '%s' is not an integer", what, s);
        return false;
    }
    if (v < lo || v > hi) {
        error(p, "%s: %s is out of range (%ld to %ld)", what, s, lo, hi);
        return false;
    }
    *out = (int)v;
    return true;
}

static bool get_path(struct parser *p, const char *what, const char *s, char *out, size_t cap)
{
    if (s[0] != '/') {
        error(p, "%s: '%s' is not an absolute path", what, s);
        return false;
    }
    if (strlen(s) >= cap) {
        error(p, "%s: path too long (at most %zu characters)", what, cap - 1);
        return false;
    }
    strcpy(out, s);
    return true;
}

static bool want_args(struct parser *p, const char *dir, int argc, int lo, int hi)
{
    if (argc < lo || argc > hi) {
        if (lo == hi) {
            error(p, "%s takes %d argument%s, got %d", dir, lo, lo == 1 ? "" : "s", argc);
        } else {
            error(p, "%s takes %d to %d arguments, got %d", dir, lo, hi, argc);
        }
        return false;
    }
    return true;
}

/* --- directives ------------------------------------------------------------------------ */

static void d_port(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "port", argc, 1, 1)) {
        get_int(p, "port", argv[0], 0, 65535, &p->c->udp.port);
    }
}

static void d_bindaddress(struct parser *p, int argc, char **argv)
{
    if (!want_args(p, "bindaddress", argc, 1, 1)) {
        return;
    }
    struct cfg *c = p->c;
    if (c->udp.n_bind == UDP_MAX_BIND) {
        error(p, "bindaddress: at most %d addresses", UDP_MAX_BIND);
        return;
    }
    struct udp_bind *b = &c->udp.bind[c->udp.n_bind];
    memset(b, 0, sizeof(*b));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&b->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&b->addr;
    if (inet_pton(AF_INET, argv[0], &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        b->addrlen = sizeof(*v4);
    } else if (inet_pton(AF_INET6, argv[0], &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        b->addrlen = sizeof(*v6);
    } else {
        error(p, "bindaddress: '%s' is not a numeric IPv4 or IPv6 address", argv[0]);
        return;
    }
    b->line = p->line;
    c->udp.n_bind++;
}

static void acl_directive(struct parser *p, const char *dir, bool allow, int argc, char **argv)
{
    if (!want_args(p, dir, argc, 0, 1)) {
        return;
    }
    struct cfg *c = p->c;
    if (c->udp.n_acl == UDP_MAX_ACL) {
        error(p, "%s: at most %d allow/deny rules", dir, UDP_MAX_ACL);
        return;
    }
    /* As in chrony, a bare `allow` or `deny` means every address. */
    const char *what = argc == 0 ? "all" : argv[0];
    struct acl_rule *r = &c->udp.acl[c->udp.n_acl];
    if (!acl_parse(what, allow, r)) {
        error(p, "%s: '%s' is not an address, a CIDR subnet or 'all'", dir, what);
        return;
    }
    r->line = p->line;
    c->udp.n_acl++;
}

static void d_allow(struct parser *p, int argc, char **argv)
{
    acl_directive(p, "allow", true, argc, argv);
}

static void d_deny(struct parser *p, int argc, char **argv)
{
    acl_directive(p, "deny", false, argc, argv);
}

static void d_ratelimit(struct parser *p, int argc, char **argv)
{
    struct cfg *c = p->c;
    c->udp.ratelimit = true;
    if (argc % 2 != 0) {
        error(p, "ratelimit: options come in pairs: interval I burst B leak L");
        return;
    }
    for (int i = 0; i < argc; i += 2) {
        /* Ranges as chrony's: interval -19..12 (log2 s), burst 1..255, leak 0..4. */
        if (strcmp(argv[i], "interval") == 0) {
            get_int(p, "ratelimit interval", argv[i + 1], -19, 12, &c->udp.rl_interval);
        } else if (strcmp(argv[i], "burst") == 0) {
            get_int(p, "ratelimit burst", argv[i + 1], 1, 255, &c->udp.rl_burst);
        } else if (strcmp(argv[i], "leak") == 0) {
            get_int(p, "ratelimit leak", argv[i + 1], 0, 4, &c->udp.rl_leak);
        } else {
            error(p, "ratelimit: unknown option '%s' (interval, burst, leak)", argv[i]);
        }
    }
}

static void d_clientloglimit(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "clientloglimit", argc, 1, 1)) {
        get_int(p, "clientloglimit", argv[0], 16, 1 << 24, &p->c->udp.clientloglimit);
    }
}

static void d_local(struct parser *p, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "stratum") != 0) {
        error(p, "local: expected 'local stratum N' (other chrony options are not supported)");
        return;
    }
    get_int(p, "local stratum", argv[1], 1, 15, &p->c->rc.local_stratum);
}

static void d_workers(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "workers", argc, 1, 1)) {
        get_int(p, "workers", argv[0], 1, 64, &p->c->udp.workers);
        p->c->workers_line = p->line;
    }
}

static void d_fastpath(struct parser *p, int argc, char **argv)
{
    if (!want_args(p, "fastpath", argc, 1, 1)) {
        return;
    }
    if (strcmp(argv[0], "on") == 0) {
        p->c->udp.fastpath = true;
    } else if (strcmp(argv[0], "off") == 0) {
        p->c->udp.fastpath = false;
    } else {
        error(p, "fastpath: expected on or off, got '%s'", argv[0]);
    }
}

static void d_httpport(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "httpport", argc, 1, 1)) {
        get_int(p, "httpport", argv[0], 0, 65535, &p->c->http.port);
    }
}

static void d_bindhttpaddress(struct parser *p, int argc, char **argv)
{
    if (!want_args(p, "bindhttpaddress", argc, 1, 1)) {
        return;
    }
    struct http_params *h = &p->c->http;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&h->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&h->addr;
    struct sockaddr_storage was = h->addr;
    memset(&h->addr, 0, sizeof(h->addr));
    if (inet_pton(AF_INET, argv[0], &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        h->addrlen = sizeof(*v4);
    } else if (inet_pton(AF_INET6, argv[0], &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        h->addrlen = sizeof(*v6);
    } else {
        h->addr = was;
        error(p, "bindhttpaddress: '%s' is not a numeric IPv4 or IPv6 address", argv[0]);
    }
}

static void http_acl_directive(struct parser *p, const char *dir, bool allow, int argc,
                               char **argv)
{
    if (!want_args(p, dir, argc, 0, 1)) {
        return;
    }
    struct http_params *h = &p->c->http;
    if (h->n_acl == HTTP_MAX_ACL) {
        error(p, "%s: at most %d httpallow/httpdeny rules", dir, HTTP_MAX_ACL);
        return;
    }
    const char *what = argc == 0 ? "all" : argv[0];
    struct acl_rule *r = &h->acl[h->n_acl];
    if (!acl_parse(what, allow, r)) {
        error(p, "%s: '%s' is not an address, a CIDR subnet or 'all'", dir, what);
        return;
    }
    r->line = p->line;
    h->n_acl++;
}

static void d_httpallow(struct parser *p, int argc, char **argv)
{
    http_acl_directive(p, "httpallow", true, argc, argv);
}

static void d_httpdeny(struct parser *p, int argc, char **argv)
{
    http_acl_directive(p, "httpdeny", false, argc, argv);
}

static void d_controlsocket(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "controlsocket", argc, 1, 1)) {
        get_path(p, "controlsocket", argv[0], p->c->controlsocket, sizeof(p->c->controlsocket));
    }
}

static void d_user(struct parser *p, int argc, char **argv)
{
    if (!want_args(p, "user", argc, 1, 1)) {
        return;
    }
    if (strlen(argv[0]) >= sizeof(p->c->user)) {
        error(p, "user: name too long");
        return;
    }
    strcpy(p->c->user, argv[0]);
    p->c->user_line = p->line;
}

#define PATH_DIRECTIVE(fn, name, field)                                                         \
    static void fn(struct parser *p, int argc, char **argv)                                     \
    {                                                                                           \
        if (want_args(p, name, argc, 1, 1)) {                                                   \
            get_path(p, name, argv[0], p->c->field, sizeof(p->c->field));                      \
        }                                                                                       \
    }
PATH_DIRECTIVE(d_logfile, "logfile", logfile)
PATH_DIRECTIVE(d_pidfile, "pidfile", pidfile)
PATH_DIRECTIVE(d_driftfile, "driftfile", rc.driftfile)
PATH_DIRECTIVE(d_leapseclist, "leapseclist", rc.leapseclist)
PATH_DIRECTIVE(d_dumpdir, "dumpdir", rc.dumpdir)
PATH_DIRECTIVE(d_logdir, "logdir", logdir)

static void d_eventcommand(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "eventcommand", argc, 1, 1)) {
        get_path(p, "eventcommand", argv[0], p->c->eventcommand, sizeof(p->c->eventcommand));
        p->c->eventcommand_line = p->line;
    }
}

/* `log tracking measurements statistics refclocks`: any of them, on one line or several. */
static void d_log(struct parser *p, int argc, char **argv)
{
    if (argc == 0) {
        error(p, "log: expected what to log: tracking, measurements, statistics, refclocks");
        return;
    }
    for (int i = 0; i < argc; i++) {
        enum statlog_kind k;
        if (!statlog_parse(argv[i], &k)) {
            error(p, "log: unknown log '%s' (tracking, measurements, statistics, refclocks)",
                  argv[i]);
            continue;
        }
        p->c->logmask |= STATLOG_BIT(k);
    }
    if (p->c->log_line == 0) {
        p->c->log_line = p->line; /* the first, for an error that concerns them all */
    }
}

PATH_DIRECTIVE(d_keyfile, "keyfile", udp.keyfile)
PATH_DIRECTIVE(d_ntsserverkey, "ntsserverkey", nts.key)
PATH_DIRECTIVE(d_ntsdumpdir, "ntsdumpdir", nts.dumpdir)

static void d_ntsservercert(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "ntsservercert", argc, 1, 1)) {
        get_path(p, "ntsservercert", argv[0], p->c->nts.cert, sizeof(p->c->nts.cert));
        p->c->nts.line = p->line;
    }
}

#define INT_DIRECTIVE(fn, name, field, lo, hi)                                                  \
    static void fn(struct parser *p, int argc, char **argv)                                     \
    {                                                                                           \
        if (want_args(p, name, argc, 1, 1)) {                                                   \
            get_int(p, name, argv[0], lo, hi, &p->c->field);                                    \
        }                                                                                       \
    }
INT_DIRECTIVE(d_ntsport, "ntsport", nts.port, 0, 65535)
INT_DIRECTIVE(d_ntsrotate, "ntsrotate", nts.rotate_s, 60, 365 * 86400)
INT_DIRECTIVE(d_ntsmaxconns, "ntsmaxconns", nts.max_conns, 1, 1000)
INT_DIRECTIVE(d_ntstimeout, "ntstimeout", nts.timeout_ms, 100, 60000)

#define SECONDS_DIRECTIVE(fn, name, field, lo, hi)                                              \
    static void fn(struct parser *p, int argc, char **argv)                                     \
    {                                                                                           \
        if (want_args(p, name, argc, 1, 1)) {                                                   \
            get_double(p, name, argv[0], lo, hi, &p->c->field);                                 \
        }                                                                                       \
    }
SECONDS_DIRECTIVE(d_maxholdover, "maxholdover", rc.maxholdover_s, 0, 1e7)
SECONDS_DIRECTIVE(d_maxjump, "maxjump", rc.maxjump_s, 1e-6, 1e6)
SECONDS_DIRECTIVE(d_jumppersist, "jumppersist", rc.jumppersist_s, 0, 1e6)
SECONDS_DIRECTIVE(d_maxslewrate, "maxslewrate", rc.maxslewrate_ppm, 1, 500)

static void d_makestep(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "makestep", argc, 2, 2)) {
        get_double(p, "makestep threshold", argv[0], 0, 1e9, &p->c->rc.makestep_threshold_s);
        get_int(p, "makestep limit", argv[1], -1, 1000000, &p->c->rc.makestep_limit);
    }
}

static void d_mindate(struct parser *p, int argc, char **argv)
{
    if (want_args(p, "mindate", argc, 1, 1) && !nt_parse_date(argv[0], &p->c->rc.mindate_ns)) {
        error(p, "mindate: '%s' is not a date YYYY-MM-DD", argv[0]);
    }
}

/* The driver named by the config, or an error listing the known ones. */
static const struct drv_driver *find_driver(struct parser *p, const char *name)
{
    const struct drv_driver *drv = drv_registry_find(name);
    if (drv == NULL) {
        char known[128] = "";
        for (size_t i = 0; drv_registry[i] != NULL; i++) {
            strncat(known, i > 0 ? ", " : "", sizeof(known) - strlen(known) - 1);
            strncat(known, drv_registry[i]->name, sizeof(known) - strlen(known) - 1);
        }
        error(p, "refclock: unknown driver '%s' (known: %s)", name, known);
    }
    return drv;
}

/* A driver's own option: kept as text for the driver. */
static void add_driver_option(struct parser *p, struct rc_source_cfg *r, const char *k,
                              const char *v)
{
    if (r->n_opts == RC_MAX_DRV_OPTS) {
        error(p, "refclock: too many options");
        return;
    }
    struct drv_optval *o = &r->opts[r->n_opts];
    if (strlen(k) >= sizeof(o->key) || strlen(v) >= sizeof(o->value)) {
        error(p, "refclock %s: option '%s' too long", r->driver->name, k);
        return;
    }
    strcpy(o->key, k);
    strcpy(o->value, v);
    r->n_opts++;
}

/* The common options an NTP source takes; the others describe a receiver. */
static bool ntp_common_option(const char *k)
{
    return strcmp(k, "offset") == 0 || strcmp(k, "noselect") == 0 || strcmp(k, "prefer") == 0;
}

/* A source's line, `refclock DRIVER PARAM [options]` or `server|peer ADDRESS [options]`
 * (argv from PARAM on): each option is a common one (refclock layer's table) or the driver's
 * (its table); anything else is an error. */
static void add_source(struct parser *p, const char *dir, const struct drv_driver *drv, int argc,
                       char **argv)
{
    struct cfg *c = p->c;
    if (c->rc.n_sources == RC_MAX_SOURCES) {
        error(p, "%s: at most %d sources (reference clocks and NTP sources together)", dir,
              RC_MAX_SOURCES);
        return;
    }
    struct rc_source_cfg *r = &c->rc.sources[c->rc.n_sources];
    rc_source_defaults(r, drv);
    r->line = p->line;
    if (strlen(argv[0]) >= sizeof(r->param)) {
        error(p, "%s: parameter too long", dir);
        return;
    }
    strcpy(r->param, argv[0]);
    int errors_before = p->errors;
    const char *seen[MAX_TOKENS];
    int n_seen = 0;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (drv->ntp && strcmp(k, "nts") == 0) {
            error(p, "%s: nts: gpsntpd is an NTS server, not an NTS client; authenticate an NTP "
                     "source with a symmetric key (key N) instead", dir);
            break;
        }
        bool flag, common = rc_common_option(k, &flag);
        if (common && drv->ntp && !ntp_common_option(k)) {
            error(p, "%s: option '%s' is for reference clocks", dir, k);
            break;
        }
        if (!common && !drv_has_option(drv, k, &flag)) {
            /* Its value, if any, cannot be told from the next option: stop here. */
            error(p, "%s: unknown option '%s'", drv->ntp ? dir : drv->name, k);
            break;
        }
        const char *v = flag ? "" : i + 1 < argc ? argv[++i] : NULL;
        if (v == NULL) {
            error(p, "%s: option '%s' needs a value", drv->ntp ? dir : drv->name, k);
            break;
        }
        bool twice = false;
        for (int j = 0; j < n_seen; j++) {
            twice |= strcmp(seen[j], k) == 0;
        }
        if (twice) {
            error(p, "%s: option '%s' given twice", drv->ntp ? dir : drv->name, k);
            continue;
        }
        seen[n_seen++] = k;
        char err[160];
        if (!common) {
            add_driver_option(p, r, k, v);
        } else if (rc_set_common_option(r, k, v, err, sizeof(err)), err[0] != '\0') {
            error(p, "%s: %s", drv->ntp ? dir : drv->name, err);
        }
    }
    if (p->errors == errors_before && drv->check != NULL) {
        const char *msg = drv->check(r->param, r->opts, r->n_opts);
        if (msg != NULL) {
            error(p, "%s %s: %s", drv->ntp ? dir : drv->name, r->param, msg);
        }
    }
    if (p->errors == errors_before) {
        c->rc.n_sources++;
    }
}

static void d_refclock(struct parser *p, int argc, char **argv)
{
    if (argc < 2) {
        error(p, "refclock: expected 'refclock DRIVER PARAMETER [options]'");
        return;
    }
    const struct drv_driver *drv = find_driver(p, argv[0]);
    if (drv != NULL) {
        add_source(p, "refclock", drv, argc - 1, argv + 1);
    }
}

/* `server ADDRESS [options]`, `peer ADDRESS [options]`: NTP sources, chrony's syntax. */
static void d_server(struct parser *p, int argc, char **argv)
{
    if (argc < 1) {
        error(p, "server: expected 'server ADDRESS [options]'");
        return;
    }
    add_source(p, "server", &drv_ntp_server, argc, argv);
}

static void d_peer(struct parser *p, int argc, char **argv)
{
    if (argc < 1) {
        error(p, "peer: expected 'peer ADDRESS [options]'");
        return;
    }
    add_source(p, "peer", &drv_ntp_peer, argc, argv);
}

struct directive {
    const char *name;
    void (*fn)(struct parser *p, int argc, char **argv);
};

static const struct directive directives[] = {
    {"allow", d_allow},
    {"bindaddress", d_bindaddress},
    {"bindhttpaddress", d_bindhttpaddress},
    {"clientloglimit", d_clientloglimit},
    {"controlsocket", d_controlsocket},
    {"deny", d_deny},
    {"driftfile", d_driftfile},
    {"dumpdir", d_dumpdir},
    {"eventcommand", d_eventcommand},
    {"fastpath", d_fastpath},
    {"httpallow", d_httpallow},
    {"httpdeny", d_httpdeny},
    {"httpport", d_httpport},
    {"jumppersist", d_jumppersist},
    {"keyfile", d_keyfile},
    {"leapseclist", d_leapseclist},
    {"local", d_local},
    {"log", d_log},
    {"logdir", d_logdir},
    {"logfile", d_logfile},
    {"makestep", d_makestep},
    {"maxholdover", d_maxholdover},
    {"maxjump", d_maxjump},
    {"maxslewrate", d_maxslewrate},
    {"mindate", d_mindate},
    {"ntsdumpdir", d_ntsdumpdir},
    {"ntsmaxconns", d_ntsmaxconns},
    {"ntsport", d_ntsport},
    {"ntsrotate", d_ntsrotate},
    {"ntsservercert", d_ntsservercert},
    {"ntsserverkey", d_ntsserverkey},
    {"ntstimeout", d_ntstimeout},
    {"pidfile", d_pidfile},
    {"port", d_port},
    {"ratelimit", d_ratelimit},
    {"refclock", d_refclock},
    {"server", d_server},
    {"peer", d_peer},
    {"user", d_user},
    {"workers", d_workers},
};

static void parse_line(struct parser *p, char *line)
{
    char *argv[MAX_TOKENS];
    int argc = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok != NULL; tok = strtok(NULL, " \t\r\n")) {
        if (argc == MAX_TOKENS) {
            error(p, "too many words on one line");
            return;
        }
        argv[argc++] = tok;
    }
    if (argc == 0) {
        return;
    }
    for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
        if (strcmp(argv[0], directives[i].name) == 0) {
            directives[i].fn(p, argc - 1, argv + 1);
            return;
        }
    }
    error(p, "unknown directive '%s'", argv[0]);
}

/* The same driver options (gpsd may be read twice: once for its time, once for its PPS). */
static bool same_options(const struct rc_source_cfg *a, const struct rc_source_cfg *b)
{
    if (a->n_opts != b->n_opts) {
        return false;
    }
    for (int i = 0; i < a->n_opts; i++) {
        bool found = false;
        for (int j = 0; j < b->n_opts; j++) {
            found |= strcmp(a->opts[i].key, b->opts[j].key) == 0 &&
                     strcmp(a->opts[i].value, b->opts[j].value) == 0;
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* One refclock against the others: unique refid and device, a lock naming a coarse source. */
static void validate_refclock(struct parser *p, int i)
{
    struct cfg *c = p->c;
    struct rc_source_cfg *r = &c->rc.sources[i];
    p->line = r->line;
    for (int j = 0; j < i; j++) {
        const struct rc_source_cfg *o = &c->rc.sources[j];
        if (r->driver->ntp || o->driver->ntp) {
            if (r->driver->ntp && o->driver->ntp && strcmp(o->param, r->param) == 0 &&
                same_options(o, r)) {
                error(p, "%s %s: the same source is already on line %d", r->driver->name,
                      r->param, o->line);
            }
            continue;
        }
        if (strcmp(o->refid, r->refid) == 0) {
            error(p, "refclock: refid %s is already used on line %d", r->refid, o->line);
        }
        if (o->driver == r->driver && strcmp(o->param, r->param) == 0 && same_options(o, r)) {
            error(p, "refclock: %s %s is already read by line %d (one reader per device)",
                  r->driver->name, r->param, o->line);
        }
    }
    if (r->lock[0] == '\0') {
        return;
    }
    const struct rc_source_cfg *target = NULL;
    for (int j = 0; j < c->rc.n_sources; j++) {
        if (j != i && !c->rc.sources[j].driver->ntp && strcmp(c->rc.sources[j].refid, r->lock) == 0) {
            target = &c->rc.sources[j];
        }
    }
    if (target == NULL) {
        error(p, "refclock: lock %s names no other refclock's refid", r->lock);
    } else if (target->driver->pulses) {
        error(p, "refclock: lock %s names a pulse source: a pulse takes its second from a "
                 "source that names seconds (NMEA, gpsd, SHM)", r->lock);
    }
}

/* What spans lines, and what would fail or be ignored at start-up: -n catches it here. */
static void validate(struct parser *p)
{
    struct cfg *c = p->c;
    for (int i = 0; i < c->rc.n_sources; i++) {
        validate_refclock(p, i);
    }
    p->line = c->workers_line;
    if (c->udp.workers > 1 && !c->udp.fastpath) {
        error(p, "workers %d needs fastpath on (worker threads are the fast path)",
              c->udp.workers);
    }
    p->line = c->nts.line;
    if ((c->nts.cert[0] != '\0') != (c->nts.key[0] != '\0')) {
        error(p, "NTS needs both ntsservercert and ntsserverkey");
    }
    p->line = c->user_line;
    const struct passwd *pw = c->user[0] != '\0' ? getpwnam(c->user) : NULL;
    if (c->user[0] != '\0' && pw == NULL) {
        error(p, "user: no user named '%s' on this system", c->user);
    }
    p->line = c->log_line;
    if (c->logmask != 0 && c->logdir[0] == '\0') {
        error(p, "log: no logdir given: the statistics logs need a directory (logdir DIR)");
    }
    /* The command runs as the user the daemon becomes: whoever else may change it could run
     * code as the daemon. */
    p->line = c->eventcommand_line;
    char why[PATH_MAX + 96];
    if (c->eventcommand[0] != '\0' &&
        evc_check_path(c->eventcommand, pw != NULL ? pw->pw_uid : geteuid(),
                       pw != NULL ? pw->pw_gid : getegid(), why, sizeof(why)) != NULL) {
        error(p, "eventcommand %s: %s", c->eventcommand, why);
    }
}

/* The text may hold NUL bytes (a file is read whole): each line is taken by its length, so a
 * NUL is an error on its line and never hides the rest of the file. */
int cfg_parse_buffer(const char *text, size_t size, const char *name, struct cfg *c, FILE *err)
{
    cfg_defaults(c);
    struct parser p = {.c = c, .name = name, .err = err};
    const char *s = text, *end = text + size;
    char line[1024];
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
        p.line++;
        if (len >= sizeof(line)) {
            error(&p, "line too long (at most %zu characters)", sizeof(line) - 1);
        } else if (memchr(s, '\0', len) != NULL) {
            error(&p, "NUL byte in line");
        } else {
            memcpy(line, s, len);
            line[len] = '\0';
            /* chrony's comment characters, at the start of a line. */
            size_t lead = strspn(line, " \t");
            if (strchr("#!;%", line[lead]) == NULL || line[lead] == '\0') {
                parse_line(&p, line);
            }
        }
        s += len;
        if (s < end && *s == '\n') {
            s++;
        }
    }
    validate(&p);
    return p.errors;
}

int cfg_parse_string(const char *text, const char *name, struct cfg *c, FILE *err)
{
    return cfg_parse_buffer(text, strlen(text), name, c, err);
}

int cfg_parse_file(const char *path, struct cfg *c, FILE *err)
{
    cfg_defaults(c);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int e = errno;
        if (err != NULL) {
            fprintf(err, "%s: cannot open: %s\n", path, strerror(e));
        }
        return -e;
    }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    int read_error = ferror(f) ? errno : 0;
    bool too_big = read_error == 0 && !feof(f);
    fclose(f);
    if (read_error != 0) {
        if (err != NULL) {
            fprintf(err, "%s: cannot read: %s\n", path, strerror(read_error));
        }
        return -read_error;
    }
    if (too_big) {
        if (err != NULL) {
            fprintf(err, "%s: larger than %zu bytes\n", path, sizeof(text) - 1);
        }
        return -EFBIG;
    }
    int errors = cfg_parse_buffer(text, n, path, c, err);
    snprintf(c->path, sizeof(c->path), "%s", path);
    return errors;
}

static void print_addr(FILE *out, const char *dir, int family, const uint8_t *addr, int prefix)
{
    char buf[INET6_ADDRSTRLEN];
    if (family == AF_UNSPEC) {
        fprintf(out, "%s all\n", dir);
        return;
    }
    inet_ntop(family, addr, buf, sizeof(buf));
    fprintf(out, "%s %s/%d\n", dir, buf, prefix);
}

void cfg_print(const struct cfg *c, FILE *out)
{
    fprintf(out, "# effective configuration%s%s\n", c->path[0] ? " of " : "", c->path);
    fprintf(out, "port %d\n", c->udp.port);
    for (int i = 0; i < c->udp.n_bind; i++) {
        char buf[INET6_ADDRSTRLEN];
        const struct sockaddr *sa = (const struct sockaddr *)&c->udp.bind[i].addr;
        const void *a = sa->sa_family == AF_INET
                            ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                            : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        inet_ntop(sa->sa_family, a, buf, sizeof(buf));
        fprintf(out, "bindaddress %s\n", buf);
    }
    for (int i = 0; i < c->udp.n_acl; i++) {
        const struct acl_rule *r = &c->udp.acl[i];
        print_addr(out, r->allow ? "allow" : "deny", r->family, r->addr, r->prefix_len);
    }
    if (c->udp.ratelimit) {
        fprintf(out, "ratelimit interval %d burst %d leak %d\n", c->udp.rl_interval, c->udp.rl_burst,
                c->udp.rl_leak);
    }
    fprintf(out, "clientloglimit %d\n", c->udp.clientloglimit);
    if (c->rc.local_stratum > 0) {
        fprintf(out, "local stratum %d\n", c->rc.local_stratum);
    }
    fprintf(out, "workers %d\nfastpath %s\n", c->udp.workers, c->udp.fastpath ? "on" : "off");
    if (c->udp.keyfile[0]) {
        fprintf(out, "keyfile %s\n", c->udp.keyfile);
    }
    if (ntske_enabled(&c->nts)) {
        fprintf(out, "ntsservercert %s\nntsserverkey %s\nntsport %d\nntsrotate %d\n"
                     "ntsmaxconns %d\nntstimeout %d\n",
                c->nts.cert, c->nts.key, c->nts.port, c->nts.rotate_s, c->nts.max_conns,
                c->nts.timeout_ms);
        if (c->nts.dumpdir[0]) {
            fprintf(out, "ntsdumpdir %s\n", c->nts.dumpdir);
        }
    }
    fprintf(out, "controlsocket %s\npidfile %s\n", c->controlsocket, c->pidfile);
    fprintf(out, "httpport %d\n", c->http.port);
    if (c->http.port != 0) {
        char buf[INET6_ADDRSTRLEN];
        const struct sockaddr *sa = (const struct sockaddr *)&c->http.addr;
        const void *a = sa->sa_family == AF_INET
                            ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
                            : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        inet_ntop(sa->sa_family, a, buf, sizeof(buf));
        fprintf(out, "bindhttpaddress %s\n", buf);
    }
    for (int i = 0; i < c->http.n_acl; i++) {
        const struct acl_rule *r = &c->http.acl[i];
        print_addr(out, r->allow ? "httpallow" : "httpdeny", r->family, r->addr, r->prefix_len);
    }
    if (c->user[0]) {
        fprintf(out, "user %s\n", c->user);
    }
    if (c->logfile[0]) {
        fprintf(out, "logfile %s\n", c->logfile);
    }
    if (c->eventcommand[0]) {
        fprintf(out, "eventcommand %s\n", c->eventcommand);
    }
    if (c->logdir[0]) {
        fprintf(out, "logdir %s\n", c->logdir);
    }
    if (c->logmask != 0) {
        fprintf(out, "log");
        for (int k = 0; k < STATLOG__COUNT; k++) {
            if (c->logmask & STATLOG_BIT(k)) {
                fprintf(out, " %s", statlog_name((enum statlog_kind)k));
            }
        }
        fputc('\n', out);
    }
    for (int i = 0; i < c->rc.n_sources; i++) {
        const struct rc_source_cfg *r = &c->rc.sources[i];
        if (r->driver->ntp) {
            fprintf(out, "%s %s offset %.9g", r->driver == &drv_ntp_peer ? "peer" : "server",
                    r->param, r->offset_s);
        } else {
            fprintf(out, "refclock %s %s refid %s offset %.9g delay %.9g", r->driver->name,
                    r->param, r->refid, r->offset_s, r->delay_s);
        }
        if (r->precision_s > 0) {
            fprintf(out, " precision %.9g", r->precision_s);
        }
        if (r->lock[0]) {
            fprintf(out, " lock %s", r->lock);
        }
        if (r->filter > 0) {
            fprintf(out, " filter %d", r->filter);
        }
        if (r->width_s > 0) {
            fprintf(out, " width %.9g", r->width_s);
        }
        fprintf(out, "%s%s", r->noselect ? " noselect" : "", r->prefer ? " prefer" : "");
        for (int j = 0; j < r->n_opts; j++) {
            fprintf(out, " %s%s%s", r->opts[j].key, r->opts[j].value[0] ? " " : "",
                    r->opts[j].value);
        }
        fputc('\n', out);
    }
    fprintf(out, "makestep %.9g %d\n", c->rc.makestep_threshold_s, c->rc.makestep_limit);
    if (c->rc.driftfile[0]) {
        fprintf(out, "driftfile %s\n", c->rc.driftfile);
    }
    if (c->rc.leapseclist[0]) {
        fprintf(out, "leapseclist %s\n", c->rc.leapseclist);
    }
    if (c->rc.dumpdir[0]) {
        fprintf(out, "dumpdir %s\n", c->rc.dumpdir);
    }
    if (c->rc.mindate_ns != 0) {
        char d[32];
        nt_format_iso_ms(c->rc.mindate_ns, d, sizeof(d));
        d[10] = '\0';
        fprintf(out, "mindate %s\n", d);
    }
    fprintf(out, "maxholdover %.9g\nmaxjump %.9g\njumppersist %.9g\nmaxslewrate %.9g\n",
            c->rc.maxholdover_s, c->rc.maxjump_s, c->rc.jumppersist_s, c->rc.maxslewrate_ppm);
}
