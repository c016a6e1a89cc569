/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_route: what the HTTP endpoint answers a request, decided without a socket: 403 for a
 * client outside `httpallow`, 404 for a path it does not serve, 405 for a method other than
 * GET and HEAD (it is read-only), else the route. Pure, so the rules are unit-tested.
 */
#ifndef GN_HTTP_ROUTE_H
#define GN_HTTP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

/* The HTTP status for method and path, given the paths served (exact match, no query
 * string: the HTTP library has taken it off) and whether the client is allowed. On 200,
 * *index is the path's position in paths. The client is checked first (a refused client
 * learns nothing of what exists), then the path, then the method. */
int http_route(const char *method, const char *path, bool allowed, const char *const *paths,
               size_t n_paths, size_t *index);

#endif
