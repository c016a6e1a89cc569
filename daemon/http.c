/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http: the libmicrohttpd shell. Routing is http_route's, the documents are webmon's
 * and the page's; here: the socket, the daemon object, its place in the event loop, and
 * the responses. Responses that do not change (the page's files, the errors) are made once
 * at start; a dynamic document is rendered into one buffer allocated at start and copied
 * into its response. A whole history window is rendered once per new point and that one
 * response is queued to every reader until the next point, so many pollers of the page do
 * not cost a render each.
 */
#include "daemon/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clk.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/ntime.h"
#include "daemon/hist.h"
#include "daemon/http_route.h"
#include "daemon/webmon.h"
#include "daemon/page.h"

#define MAX_PATHS 24
/* Rendering a history window holds the loop for milliseconds (tests/bench/bench_render.c):
 * a whole window is rendered once per new point and shared, but a read `after` some point is
 * rendered for its reader. Those renders take tokens from a bucket, refilled at this rate;
 * a reader that finds it empty gets 429 and tries again, and the NTP path keeps its time.
 * A page open in a browser takes one every 3 s. */
#define HISTORY_RENDERS_PER_S 20
#define HISTORY_RENDER_BURST 40
#define MAX_JSON_ROUTES 4
#define RENDER_MIN (256 * 1024) /* metrics and status: a few kB per source */

/* Content Security Policy of the page: everything from this server, nothing inline but the
 * styles the chart library sets on its elements. */
#define PAGE_CSP                                                                               \
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "             \
    "frame-ancestors 'none'"

struct json_route {
    const char *path;
    http_json_fn fn;
    void *arg;
};

/* Response counts for /metrics, by code. */
static const int counted_codes[] = {200, 304, 400, 403, 404, 405, 429, 500};
#define N_CODES (sizeof(counted_codes) / sizeof(counted_codes[0]))

static struct {
    bool on;
    int listen_fd;
    char where[INET6_ADDRSTRLEN + 16];
    bool v6;
    struct acl *acl;
    struct MHD_Daemon *d;
    int epoll_fd;
    int timer;
    /* the routes: the page's files, then /metrics, then the JSON routes */
    const char *paths[MAX_PATHS];
    size_t n_paths, n_assets;
    struct MHD_Response *asset_resp[MAX_PATHS];
    char etags[MAX_PATHS][24];
    struct MHD_Response *not_modified[MAX_PATHS];
    struct json_route json[MAX_JSON_ROUTES];
    size_t n_json;
    struct MHD_Response *err_resp[N_CODES];
    /* rendering */
    char *buf;
    size_t buf_cap;
    struct MHD_Response *history_resp[HIST__WINDOWS];
    uint64_t history_seq[HIST__WINDOWS];
    uint64_t responses[N_CODES];
    struct clk *clk;
    double render_tokens;
    int64_t render_refill_mono_ns;
} http = {.listen_fd = -1, .epoll_fd = -1};

static int history_route(FILE *out, const char *(*query)(void *, const char *), void *ctx,
                         void *arg);
static int events_missing(FILE *out, const char *(*query)(void *, const char *), void *ctx,
                          void *arg);

static void count(int status)
{
    for (size_t i = 0; i < N_CODES; i++) {
        if (counted_codes[i] == status) {
            http.responses[i]++;
        }
    }
}

/* --- the socket ------------------------------------------------------------------------- */

int http_open(const struct http_params *p)
{
    if (p->port == 0) {
        return 0;
    }
    struct sockaddr_storage ss = p->addr;
    const void *a;
    if (ss.ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)p->port);
        a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
    } else {
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p->port);
        a = &((struct sockaddr_in *)&ss)->sin_addr;
    }
    char host[INET6_ADDRSTRLEN];
    inet_ntop(ss.ss_family, a, host, sizeof(host));
    snprintf(http.where, sizeof(http.where), ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
             host, p->port);
    http.v6 = ss.ss_family == AF_INET6;

    /* Loopback first, then the configured rules: the most specific rule wins (acl.h), so
     * `httpdeny 127.0.0.1` still refuses this machine, and `httpallow all` opens it all. */
    struct acl_rule rules[HTTP_MAX_ACL + 2];
    size_t n = 0;
    acl_parse("127.0.0.0/8", true, &rules[n++]);
    acl_parse("::1", true, &rules[n++]);
    for (int i = 0; i < p->n_acl; i++) {
        rules[n++] = p->acl[i];
    }
    http.acl = acl_create(rules, n);
    if (http.acl == NULL) {
        log_err("http: no memory for httpallow");
        return -ENOMEM;
    }

    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0) {
        int e = errno;
        log_err("http: socket for %s: %s", http.where, strerror(e));
        return -e;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* A restart must not wait for the old connections' TIME_WAIT; on Linux this does not let
     * a second listener share the port (that would take SO_REUSEPORT). */
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    socklen_t len = http.v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
        int e = errno;
        log_err("http: cannot listen on %s: %s", http.where, strerror(e));
        close(fd);
        return -e;
    }
    http.listen_fd = fd;
    http.on = true;
    return 0;
}

/* --- responses -------------------------------------------------------------------------- */

static struct MHD_Response *fixed_response(const char *type, const void *data, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (r != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    }
    return r;
}

static struct MHD_Response *error_response(int code)
{
    const char *text;
    switch (code) {
    case 400: text = "400 Bad Request\n"; break;
    case 403: text = "403 Forbidden: this address is not in httpallow\n"; break;
    case 404: text = "404 Not Found\n"; break;
    case 405: text = "405 Method Not Allowed: this endpoint is read-only (GET, HEAD)\n"; break;
    case 429: text = "429 Too Many Requests: history reads are limited, try again shortly\n"; break;
    default: text = "500 Internal Server Error\n"; break;
    }
    struct MHD_Response *r = fixed_response("text/plain; charset=utf-8", text, strlen(text));
    if (r != NULL && code == 405) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    }
    if (r != NULL && code == 429) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    }
    if (r != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    return r;
}

static enum MHD_Result queue(struct MHD_Connection *c, int status, struct MHD_Response *r)
{
    if (r == NULL) {
        return MHD_NO; /* no memory for a response: the library closes the connection */
    }
    count(status);
    return MHD_queue_response(c, (unsigned)status, r);
}

static enum MHD_Result queue_error(struct MHD_Connection *c, int code)
{
    for (size_t i = 0; i < N_CODES; i++) {
        if (counted_codes[i] == code) {
            return queue(c, code, http.err_resp[i]);
        }
    }
    return queue(c, 500, http.err_resp[N_CODES - 1]);
}

/* A response holding a copy of what was rendered into the buffer; NULL when it did not fit
 * (logged: the buffer is sized for the largest document at start, so that is a bug). */
static struct MHD_Response *rendered_response(FILE *out, const char *type, const char *what)
{
    fflush(out);
    bool overflow = ferror(out) != 0;
    long len = ftell(out);
    fclose(out);
    if (overflow || len < 0) {
        log_warnx("http: %s does not fit in %zu bytes", what, http.buf_cap);
        return NULL;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)len, http.buf, MHD_RESPMEM_MUST_COPY);
    if (r != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    }
    return r;
}

static FILE *render_start(void)
{
    return fmemopen(http.buf, http.buf_cap, "w");
}

static enum MHD_Result serve_metrics(struct MHD_Connection *c)
{
    FILE *out = render_start();
    if (out == NULL) {
        return queue_error(c, 500);
    }
    struct met_http_count counts[N_CODES];
    for (size_t i = 0; i < N_CODES; i++) {
        counts[i] = (struct met_http_count){counted_codes[i], http.responses[i]};
    }
    counts[0].n++; /* this response */
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(http.d,
                                                         MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    wm_render_metrics(out, counts, N_CODES, di != NULL ? di->num_connections : 0);
    struct MHD_Response *r =
        rendered_response(out, "text/plain; version=0.0.4; charset=utf-8", "/metrics");
    if (r == NULL) {
        return queue_error(c, 500);
    }
    enum MHD_Result ok = queue(c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

static const char *query_arg(void *ctx, const char *key)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static bool take_render_token(void)
{
    int64_t now = clk_now_mono(http.clk);
    http.render_tokens += nt_to_s(now - http.render_refill_mono_ns) * HISTORY_RENDERS_PER_S;
    http.render_tokens = fmin(http.render_tokens, HISTORY_RENDER_BURST);
    http.render_refill_mono_ns = now;
    if (http.render_tokens < 1) {
        return false;
    }
    http.render_tokens -= 1;
    return true;
}

static enum MHD_Result serve_json(struct MHD_Connection *c, const struct json_route *route)
{
    /* A whole history window: the cached response while no point was added. */
    const char *after = query_arg(c, "after");
    const char *wname = query_arg(c, "window");
    enum hist_window w = HIST_FINE;
    bool whole = route->fn == history_route && (after == NULL || strcmp(after, "0") == 0) &&
                 (wname == NULL || hist_window_parse(wname, &w));
    const struct hist *h = wm_history();
    if (whole && h != NULL && http.history_resp[w] != NULL &&
        http.history_seq[w] == hist_last_seq(h, w)) {
        return queue(c, 200, http.history_resp[w]);
    }
    if (route->fn == history_route && !take_render_token()) {
        return queue_error(c, 429);
    }
    FILE *out = render_start();
    if (out == NULL) {
        return queue_error(c, 500);
    }
    int status = route->fn(out, query_arg, c, route->arg);
    struct MHD_Response *r = rendered_response(out, "application/json", route->path);
    if (r == NULL) {
        return queue_error(c, 500);
    }
    enum MHD_Result ok = queue(c, status, r);
    if (whole && status == 200 && h != NULL) {
        if (http.history_resp[w] != NULL) {
            MHD_destroy_response(http.history_resp[w]); /* queued ones keep their reference */
        }
        http.history_resp[w] = r;
        http.history_seq[w] = hist_last_seq(h, w);
    } else {
        MHD_destroy_response(r);
    }
    return ok;
}

static enum MHD_Result serve_asset(struct MHD_Connection *c, size_t i)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm != NULL && strcmp(inm, http.etags[i]) == 0) {
        return queue(c, 304, http.not_modified[i]);
    }
    return queue(c, 200, http.asset_resp[i]);
}

/* libmicrohttpd calls this once the headers are in, then again with the body (if any), then
 * once more at the end of the request. A response queued at the first call closes the
 * connection after it (the library will not read a body it was not asked for): right for a
 * refused client or method, wasteful for a scraper's keep-alive connection, so a readable
 * request is answered at the last call. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    static int seen, has_body; /* *req_cls: headers checked; a body was sent (and dropped) */
    (void)cls;
    (void)version;
    (void)upload_data;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    bool allowed = ci != NULL && ci->client_addr != NULL && acl_allows(http.acl, ci->client_addr);
    size_t i = 0;
    int status = http_route(method, url, allowed, http.paths, http.n_paths, &i);
    if (*req_cls == NULL) {
        if (status == 403 || status == 405) {
            return queue_error(c, status);
        }
        *req_cls = &seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a GET with a body: dropped as it comes, then a 400 */
        *req_cls = &has_body;
        return MHD_YES;
    }
    if (*req_cls == &has_body) {
        return queue_error(c, 400);
    }
    if (status != 200) {
        return queue_error(c, status);
    }
    if (i < http.n_assets) {
        return serve_asset(c, i);
    }
    if (i == http.n_assets) {
        return serve_metrics(c);
    }
    return serve_json(c, &http.json[i - http.n_assets - 1]);
}

/* --- the JSON routes -------------------------------------------------------------------- */

static int json_error(FILE *out, int status, const char *message)
{
    fprintf(out, "{\"error\":\"%s\"}\n", message);
    return status;
}

static int status_route(FILE *out, const char *(*query)(void *, const char *), void *ctx,
                        void *arg)
{
    (void)query;
    (void)ctx;
    (void)arg;
    wm_render_status(out);
    return 200;
}

/* ?window=fine|coarse (default fine), ?after=N (default 0: the whole window). */
static int history_route(FILE *out, const char *(*query)(void *, const char *), void *ctx,
                         void *arg)
{
    (void)arg;
    const char *wname = query(ctx, "window");
    const char *after_text = query(ctx, "after");
    enum hist_window w = HIST_FINE;
    if (wname != NULL && !hist_window_parse(wname, &w)) {
        return json_error(out, 400, "window: expected fine or coarse");
    }
    uint64_t after = 0;
    if (after_text != NULL) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(after_text, &end, 10);
        if (after_text[0] < '0' || after_text[0] > '9' || *end != '\0' || errno != 0) {
            return json_error(out, 400, "after: expected a point's sequence number");
        }
        after = v;
    }
    hist_render_json(wm_history(), w, after, out);
    return 200;
}

/* Until the event history is attached (http_set_json_route), /api/events says so. */
static int events_missing(FILE *out, const char *(*query)(void *, const char *), void *ctx,
                          void *arg)
{
    (void)query;
    (void)ctx;
    (void)arg;
    return json_error(out, 404, "no event history in this build");
}

static struct json_route *find_json(const char *path)
{
    for (size_t i = 0; i < http.n_json; i++) {
        if (strcmp(http.json[i].path, path) == 0) {
            return &http.json[i];
        }
    }
    return NULL;
}

static void declare_json_routes(void)
{
    if (http.n_json > 0) {
        return; /* already (a route attached before http_start) */
    }
    http.json[http.n_json++] = (struct json_route){"/api/status", status_route, NULL};
    http.json[http.n_json++] = (struct json_route){"/api/history", history_route, NULL};
    http.json[http.n_json++] = (struct json_route){"/api/events", events_missing, NULL};
}

int http_set_json_route(const char *path, http_json_fn fn, void *arg)
{
    declare_json_routes();
    struct json_route *r = find_json(path);
    if (r == NULL || fn == NULL) {
        return -ENOENT;
    }
    r->fn = fn;
    r->arg = arg;
    return 0;
}

/* --- the event loop --------------------------------------------------------------------- */

static void run(void);

static void on_timer(void *arg)
{
    (void)arg;
    http.timer = 0;
    run();
}

static void on_ready(int fd, short revents, void *arg)
{
    (void)fd;
    (void)revents;
    (void)arg;
    run();
}

static unsigned open_connections(void)
{
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(http.d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di != NULL ? di->num_connections : 0;
}

/* Let the library work, then wake it again when it says (idle timeouts, data it holds). */
static void run(void)
{
    unsigned before = open_connections();
    MHD_run(http.d);
    /* At its connection limit libmicrohttpd takes the listening socket out of its epoll set,
     * and puts it back only at the start of a run (0.9.75, MHD_epoll). When this run closed
     * connections (timed out), nothing would wake it again to accept those waiting in the
     * kernel's queue, nor any new one: a second run puts the socket back. */
    if (open_connections() < before) {
        MHD_run(http.d);
    }
    if (http.timer > 0) {
        ev_cancel_timer(http.timer);
        http.timer = 0;
    }
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(http.d, &ms) == MHD_YES) {
        if (ms > 60000) {
            ms = 60000;
        }
        int id = ev_add_timer((int64_t)ms * NT_NS_PER_MS, on_timer, NULL);
        http.timer = id > 0 ? id : 0;
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (log_level_cur < LOG_LVL_DEBUG) {
        return; /* a client can make the library complain at will: debug only */
    }
    char msg[256];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_debug("http: %s", msg);
}

/* FNV-1a: a stable tag for each embedded file, for If-None-Match. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ULL;
    }
    return h;
}

static int make_responses(void)
{
    for (size_t i = 0; i < N_CODES; i++) {
        http.err_resp[i] = error_response(counted_codes[i]);
        if (http.err_resp[i] == NULL) {
            return -ENOMEM;
        }
    }
    if (page_n_assets + 1 + MAX_JSON_ROUTES > MAX_PATHS) {
        return -ENOSPC;
    }
    http.n_paths = 0;
    for (size_t i = 0; i < page_n_assets; i++) {
        const struct page_asset *a = &page_assets[i];
        snprintf(http.etags[i], sizeof(http.etags[i]), "\"%016" PRIx64 "\"",
                 fnv1a(a->data, a->len));
        struct MHD_Response *r = fixed_response(a->content_type, a->data, a->len);
        struct MHD_Response *nm = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL || nm == NULL) {
            return -ENOMEM;
        }
        /* no-cache: the browser asks each time, and gets 304 while the file is the same. */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, http.etags[i]);
        MHD_add_response_header(nm, MHD_HTTP_HEADER_ETAG, http.etags[i]);
        if (strncmp(a->content_type, "text/html", 9) == 0) {
            MHD_add_response_header(r, "Content-Security-Policy", PAGE_CSP);
        }
        http.asset_resp[i] = r;
        http.not_modified[i] = nm;
        http.paths[http.n_paths++] = a->path;
    }
    http.n_assets = http.n_paths;
    http.paths[http.n_paths++] = "/metrics";
    declare_json_routes();
    for (size_t i = 0; i < http.n_json; i++) {
        http.paths[http.n_paths++] = http.json[i].path;
    }
    return 0;
}

int http_start(struct clk *clk)
{
    if (!http.on) {
        return 0;
    }
    int rc = wm_start(clk);
    if (rc < 0) {
        return rc;
    }
    http.clk = clk;
    http.render_tokens = HISTORY_RENDER_BURST;
    http.render_refill_mono_ns = clk_now_mono(clk);
    size_t cap = RENDER_MIN;
    for (int w = 0; w < HIST__WINDOWS; w++) {
        size_t need = hist_json_max(wm_history(), (enum hist_window)w);
        cap = need > cap ? need : cap;
    }
    http.buf = malloc(cap);
    http.buf_cap = cap;
    if (http.buf == NULL || make_responses() < 0) {
        log_err("http: no memory for the responses");
        return -ENOMEM;
    }
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (http.v6 ? MHD_USE_IPv6 : 0);
    http.d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
                              MHD_OPTION_LISTEN_SOCKET, http.listen_fd,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_MAX_PER_ADDRESS,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
                              MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (http.d == NULL) {
        log_err("http: libmicrohttpd would not start on %s", http.where);
        return -EIO;
    }
    http.listen_fd = -1; /* the library's now: MHD_stop_daemon closes it */
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(http.d, MHD_DAEMON_INFO_EPOLL_FD);
    if (di == NULL || di->epoll_fd < 0) {
        log_err("http: libmicrohttpd has no epoll fd");
        return -EIO;
    }
    http.epoll_fd = di->epoll_fd;
    rc = ev_add_fd(http.epoll_fd, POLLIN, on_ready, NULL);
    if (rc < 0) {
        log_err("http: cannot watch the HTTP endpoint: %s", strerror(-rc));
        return rc;
    }
    run();
    log_info("http: status page, /metrics and /api on http://%s/", http.where);
    return 0;
}

void http_stop(void)
{
    if (http.epoll_fd >= 0) {
        ev_del_fd(http.epoll_fd);
        http.epoll_fd = -1;
    }
    if (http.timer > 0) {
        ev_cancel_timer(http.timer);
        http.timer = 0;
    }
    if (http.d != NULL) {
        MHD_stop_daemon(http.d);
        http.d = NULL;
    }
    if (http.listen_fd >= 0) {
        close(http.listen_fd);
        http.listen_fd = -1;
    }
    for (size_t i = 0; i < MAX_PATHS; i++) {
        if (http.asset_resp[i] != NULL) {
            MHD_destroy_response(http.asset_resp[i]);
            MHD_destroy_response(http.not_modified[i]);
            http.asset_resp[i] = http.not_modified[i] = NULL;
        }
    }
    for (size_t i = 0; i < N_CODES; i++) {
        if (http.err_resp[i] != NULL) {
            MHD_destroy_response(http.err_resp[i]);
            http.err_resp[i] = NULL;
        }
    }
    for (int w = 0; w < HIST__WINDOWS; w++) {
        if (http.history_resp[w] != NULL) {
            MHD_destroy_response(http.history_resp[w]);
            http.history_resp[w] = NULL;
        }
    }
    free(http.buf);
    http.buf = NULL;
    if (http.on) {
        wm_stop();
    }
    acl_destroy(http.acl);
    http.acl = NULL;
    http.on = false;
}
