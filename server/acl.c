/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * acl: allow/deny rules for NTP clients, most specific rule first. Rules are sorted once at
 * start-up by prefix length (longest first, later rules first at equal length) and turned into
 * masked integer compares, so a check is a short scan that stops at the first match, with no
 * allocation and no byte loops: a denied packet costs a few compares and the caller's counter.
 */
#include "server/acl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* One rule ready for matching: IPv4 in host order, IPv6 as two big-endian halves. */
struct arule {
    bool allow;
    int family;        /* AF_INET, AF_INET6, AF_UNSPEC (`all`) */
    int prefix_len;
    size_t order;      /* position in the configuration, for the tie-break */
    uint32_t net4, mask4;
    uint64_t net6[2], mask6[2];
};

struct acl {
    size_t n;
    struct arule rules[];
};

static int by_specificity(const void *a, const void *b)
{
    const struct arule *x = a, *y = b;
    if (x->prefix_len != y->prefix_len) {
        return y->prefix_len - x->prefix_len;
    }
    /* Equal prefixes: the later rule wins, so it comes first. */
    return x->order < y->order ? 1 : x->order > y->order ? -1 : 0;
}

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

static uint64_t mask64(int bits)
{
    return bits <= 0 ? 0 : bits >= 64 ? ~0ull : ~0ull << (64 - bits);
}

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

struct acl *acl_create(const struct acl_rule *rules, size_t n)
{
    if (n > (SIZE_MAX - sizeof(struct acl)) / sizeof(struct arule)) {
        return NULL;
    }
    struct acl *a = calloc(1, sizeof(*a) + n * sizeof(a->rules[0]));
    if (a == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct acl_rule *r = &rules[i];
        struct arule *o = &a->rules[k];
        o->allow = r->allow;
        o->family = r->family;
        o->order = i;
        int bits = r->prefix_len < 0 ? 0 : r->prefix_len;
        if (r->family == AF_INET) {
            bits = bits > 32 ? 32 : bits;
            uint32_t net;
            memcpy(&net, r->addr, 4);
            o->mask4 = bits == 0 ? 0 : ~0u << (32 - bits);
            o->net4 = ntohl(net) & o->mask4;
        } else if (r->family == AF_INET6) {
            bits = bits > 128 ? 128 : bits;
            if (bits >= 96 && memcmp(r->addr, v4mapped_prefix, 12) == 0) {
                /* A v4-mapped rule is an IPv4 rule: v4-mapped clients are checked as IPv4. */
                uint32_t net;
                memcpy(&net, r->addr + 12, 4);
                bits -= 96;
                o->family = AF_INET;
                o->mask4 = bits == 0 ? 0 : ~0u << (32 - bits);
                o->net4 = ntohl(net) & o->mask4;
            } else {
                o->mask6[0] = mask64(bits);
                o->mask6[1] = mask64(bits - 64);
                o->net6[0] = load_be64(r->addr) & o->mask6[0];
                o->net6[1] = load_be64(r->addr + 8) & o->mask6[1];
            }
        } else if (r->family == AF_UNSPEC) {
            bits = 0; /* `all`: the least specific rule there is */
        } else {
            continue; /* no such family: the rule can match nothing */
        }
        o->prefix_len = bits;
        k++;
    }
    a->n = k;
    qsort(a->rules, k, sizeof(a->rules[0]), by_specificity);
    return a;
}

void acl_destroy(struct acl *a)
{
    free(a);
}

bool acl_allows(const struct acl *a, const struct sockaddr *sa)
{
    int family;
    uint32_t addr4 = 0;
    uint64_t addr6[2] = {0, 0};
    if (sa->sa_family == AF_INET) {
        family = AF_INET;
        addr4 = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
    } else if (sa->sa_family == AF_INET6) {
        const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        if (memcmp(b, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
            family = AF_INET;
            addr4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
        } else {
            family = AF_INET6;
            addr6[0] = load_be64(b);
            addr6[1] = load_be64(b + 8);
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        const struct arule *r = &a->rules[i];
        bool match;
        if (r->family == AF_UNSPEC) {
            match = true;
        } else if (r->family != family) {
            match = false;
        } else if (family == AF_INET) {
            match = (addr4 & r->mask4) == r->net4;
        } else {
            match = (addr6[0] & r->mask6[0]) == r->net6[0] &&
                    (addr6[1] & r->mask6[1]) == r->net6[1];
        }
        if (match) {
            return r->allow;
        }
    }
    return false;
}

/* "0".."255" without signs, spaces or leading zeros beyond one digit's worth. */
static bool parse_uint(const char *s, size_t n, unsigned max, unsigned *out)
{
    if (n == 0 || n > 3) {
        return false;
    }
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max) {
        return false;
    }
    *out = v;
    return true;
}

/*
 * chrony's short IPv4 form: "10", "192.168", "1.2.3" are the /8, /16, /24 subnets (the prefix
 * length comes from the number of components). Returns the number of components, 0 if not.
 */
static int parse_short_v4(const char *s, uint8_t addr[4])
{
    int parts = 0;
    memset(addr, 0, 4);
    while (parts < 4) {
        const char *dot = strchr(s, '.');
        size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
        unsigned v;
        if (!parse_uint(s, n, 255, &v)) {
            return 0;
        }
        addr[parts++] = (uint8_t)v;
        if (dot == NULL) {
            return parts < 4 ? parts : 0;
        }
        s = dot + 1;
    }
    return 0;
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
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, text, len + 1);
    char *slash = strchr(buf, '/');
    int prefix = -1;
    if (slash != NULL) {
        *slash = '\0';
        unsigned p;
        if (!parse_uint(slash + 1, strlen(slash + 1), 128, &p)) {
            return false;
        }
        prefix = (int)p;
    }
    int parts;
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        out->prefix_len = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix_len = 128;
    } else if ((parts = parse_short_v4(buf, out->addr)) > 0) {
        out->family = AF_INET;
        out->prefix_len = 8 * parts;
    } else {
        return false;
    }
    if (prefix >= 0) {
        if (out->family == AF_INET && prefix > 32) {
            return false;
        }
        out->prefix_len = prefix;
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
