/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * acl: `allow`/`deny` rules (CIDR or all) for NTP clients. The most specific matching rule wins
 * (longest prefix; at equal length the later rule); with no matching rule, deny. So with no
 * `allow` at all, the server answers nobody, as chrony does.
 */
#ifndef GN_ACL_H
#define GN_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct acl_rule {
    bool allow;
    int family;           /* AF_INET, AF_INET6, or AF_UNSPEC for `all` */
    uint8_t addr[16];     /* network order; IPv4 in the first 4 bytes */
    int prefix_len;       /* 0..32 or 0..128 */
    int line;             /* config line, for messages */
};

struct acl;

/* Build a lookup structure from rules (copied). NULL on allocation failure. */
struct acl *acl_create(const struct acl_rule *rules, size_t n);
void acl_destroy(struct acl *a);
/* May sa (AF_INET or AF_INET6; v4-mapped v6 is treated as v4) be served? */
bool acl_allows(const struct acl *a, const struct sockaddr *sa);
/* Parse "192.168.0.0/16", "10.1.2.3", "fd00::/8", "all"; false on error. */
bool acl_parse(const char *text, bool allow, struct acl_rule *out);

#endif
