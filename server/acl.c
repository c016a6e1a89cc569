/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * acl: allow/deny rules for NTP clients, most specific rule first. Rules are sorted once at
 * start-up by prefix length (longest first, later rules first at equal length), so a check is
 * a scan that stops at the first match: a handful of masked compares, no allocation.
 */
#include "server/acl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct acl {
    size_t n;
    struct acl_rule rules[];
};

static int by_specificity(const void *a, const void *b)
{
    const struct acl_rule *x = a, *y = b;
    if (x->prefix_len != y->prefix_len) {
        return y->prefix_len - x->prefix_len;
    }
    return y->line - x->line; /* equal prefixes: the later rule wins */
}

struct acl *acl_create(const struct acl_rule *rules, size_t n)
{
    struct acl *a = malloc(sizeof(*a) + n * sizeof(a->rules[0]));
    if (a == NULL) {
        return NULL;
    }
    a->n = n;
    for (size_t i = 0; i < n; i++) {
        a->rules[i] = rules[i];
        if (a->rules[i].line == 0) {
            a->rules[i].line = (int)i + 1; /* keep file order as the tie-break */
        }
    }
    /* `all` (AF_UNSPEC, prefix 0) compares as the least specific rule. */
    qsort(a->rules, n, sizeof(a->rules[0]), by_specificity);
    return a;
}

void acl_destroy(struct acl *a)
{
    free(a);
}

static bool prefix_match(const uint8_t *rule, const uint8_t *addr, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(rule, addr, (size_t)whole) != 0) {
        return false;
    }
    if (rest == 0) {
        return true;
    }
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (rule[whole] & mask) == (addr[whole] & mask);
}

bool acl_allows(const struct acl *a, const struct sockaddr *sa)
{
    int family;
    const uint8_t *addr;
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (sa->sa_family == AF_INET) {
        family = AF_INET;
        addr = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        addr = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        family = AF_INET6;
        if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
            family = AF_INET;
            addr += 12;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        const struct acl_rule *r = &a->rules[i];
        if (r->family == AF_UNSPEC ||
            (r->family == family && prefix_match(r->addr, addr, r->prefix_len))) {
            return r->allow;
        }
    }
    return false;
}

bool acl_parse(const char *text, bool allow, struct acl_rule *out)
{
    memset(out, 0, sizeof(*out));
    out->allow = allow;
    if (strcmp(text, "all") == 0) {
        out->family = AF_UNSPEC;
        return true;
    }
    char buf[INET6_ADDRSTRLEN + 8];
    if (strlen(text) >= sizeof(buf)) {
        return false;
    }
    strcpy(buf, text);
    char *slash = strchr(buf, '/');
    int prefix = -1;
    if (slash != NULL) {
        *slash = '\0';
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || p < 0 || p > 128) {
            return false;
        }
        prefix = (int)p;
    }
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        if (prefix > 32) {
            return false;
        }
        out->prefix_len = prefix < 0 ? 32 : prefix;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix_len = prefix < 0 ? 128 : prefix;
    } else {
        return false;
    }
    /* Clear host bits so that "10.1.2.3/8" means 10.0.0.0/8, as chrony reads it. */
    int bits = out->prefix_len;
    for (int i = 0; i < 16; i++, bits -= 8) {
        if (bits <= 0) {
            out->addr[i] = 0;
        } else if (bits < 8) {
            out->addr[i] &= (uint8_t)(0xff << (8 - bits));
        }
    }
    return true;
}
