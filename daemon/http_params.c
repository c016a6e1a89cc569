/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * http_params: the endpoint's defaults: off, on 127.0.0.1 when a port is given.
 */
#include "daemon/http_params.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

void http_params_defaults(struct http_params *p)
{
    memset(p, 0, sizeof(*p));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&p->addr;
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->addrlen = sizeof(*v4);
}
