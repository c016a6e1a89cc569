/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of the HTTP endpoint's routing rules, as a table: allowed clients get the known
 * paths with GET and HEAD; other methods 405, unknown paths 404 (exact match: no prefix, no
 * trailing slash, no case folding), and a client outside httpallow 403 whatever it asks.
 */
#include <string.h>

#include "check.h"
#include "daemon/http_route.h"

struct route_case {
    const char *legend;
    const char *method, *path;
    bool allowed;
    int status;
    size_t index;
};

int main(void)
{
    const char *const paths[] = {"/", "/metrics", "/api/status", "/api/history"};
    const struct route_case cases[] = {
        {"the page", "GET", "/", true, 200, 0},
        {"metrics", "GET", "/metrics", true, 200, 1},
        {"HEAD is read-only too", "HEAD", "/api/status", true, 200, 2},
        {"last path", "GET", "/api/history", true, 200, 3},
        {"POST refused", "POST", "/metrics", true, 405, 0},
        {"PUT refused", "PUT", "/", true, 405, 0},
        {"DELETE refused", "DELETE", "/api/status", true, 405, 0},
        {"OPTIONS refused", "OPTIONS", "/", true, 405, 0},
        {"methods are case-sensitive", "get", "/metrics", true, 405, 0},
        {"unknown path", "GET", "/etc/passwd", true, 404, 0},
        {"no prefix match", "GET", "/metricsx", true, 404, 0},
        {"no trailing slash", "GET", "/metrics/", true, 404, 0},
        {"no case folding", "GET", "/Metrics", true, 404, 0},
        {"no dot segments", "GET", "/api/../metrics", true, 404, 0},
        {"empty path", "GET", "", true, 404, 0},
        {"unknown path before method", "POST", "/nothing", true, 404, 0},
        {"refused client, known path", "GET", "/metrics", false, 403, 0},
        {"refused client, unknown path", "GET", "/nothing", false, 403, 0},
        {"refused client, bad method", "POST", "/", false, 403, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct route_case *c = &cases[i];
        size_t index = 99;
        int status = http_route(c->method, c->path, c->allowed, paths, 4, &index);
        if (status != c->status || (status == 200 && index != c->index)) {
            fprintf(stderr, "case '%s': %d (index %zu)\n", c->legend, status, index);
        }
        CHECK_INT(status, c->status);
        if (c->status == 200) {
            CHECK_INT(index, c->index);
        } else {
            CHECK_INT(index, 99); /* untouched */
        }
    }
    return check_result();
}
