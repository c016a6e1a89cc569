/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_params: what the HTTP endpoint (http.h) is given, and its fixed bounds. Apart from
 * http.h so that the configuration (cfg.h) can hold it without depending on the endpoint and
 * all it reads.
 */
#ifndef GN_HTTP_PARAMS_H
#define GN_HTTP_PARAMS_H

#include <sys/socket.h>

#include "server/acl.h"

#define HTTP_MAX_ACL 32
#define HTTP_MAX_CONNECTIONS 32        /* at once, all clients */
#define HTTP_MAX_PER_ADDRESS 8         /* at once, from one address */
#define HTTP_IDLE_TIMEOUT_S 10         /* a connection silent this long is closed */
#define HTTP_CONNECTION_MEMORY (32 * 1024) /* request line and headers must fit */

/* What the endpoint is given (the daemon's `http*` directives). */
struct http_params {
    int port;                          /* `httpport`, 0 (default): off */
    struct sockaddr_storage addr;      /* `bindhttpaddress`, default 127.0.0.1 */
    socklen_t addrlen;
    struct acl_rule acl[HTTP_MAX_ACL]; /* `httpallow`/`httpdeny` in file order; loopback is
                                          allowed before them (a rule may deny it) */
    int n_acl;
};
void http_params_defaults(struct http_params *p);

#endif
