/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_route: the order of the checks is the point: allowed, then known, then readable.
 */
#include "daemon/http_route.h"

#include <string.h>

int http_route(const char *method, const char *path, bool allowed, const char *const *paths,
               size_t n_paths, size_t *index)
{
    if (!allowed) {
        return 403;
    }
    size_t i = 0;
    while (i < n_paths && strcmp(paths[i], path) != 0) {
        i++;
    }
    if (i == n_paths) {
        return 404;
    }
    /* Methods are case-sensitive (RFC 9110 section 9.1): "get" is not GET. */
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return 405;
    }
    *index = i;
    return 200;
}
