/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests of allow/deny: parsing (good and bad texts), most specific rule wins, order at equal
 * length, `all`, IPv6, v4-mapped IPv6 clients and rules, and "no allow means nobody".
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "server/acl.h"

struct parse_case {
    const char *text;
    bool ok;
    int family;
    int prefix_len;
    const char *addr; /* expected network address, NULL for `all` or errors */
};

static void test_parse(void)
{
    const struct parse_case cases[] = {
        {"all", true, AF_UNSPEC, 0, NULL},
        {"10.1.2.3", true, AF_INET, 32, "10.1.2.3"},
        {"192.168.0.0/16", true, AF_INET, 16, "192.168.0.0"},
        {"10.1.2.3/8", true, AF_INET, 8, "10.0.0.0"},   /* host bits cleared */
        {"172.16.0.0/12", true, AF_INET, 12, "172.16.0.0"},
        {"172.31.255.255/12", true, AF_INET, 12, "172.16.0.0"},
        {"0.0.0.0/0", true, AF_INET, 0, "0.0.0.0"},
        {"0/0", true, AF_INET, 0, "0.0.0.0"},           /* chrony: all IPv4 */
        {"192.168", true, AF_INET, 16, "192.168.0.0"},  /* chrony's short form */
        {"1.2.3", true, AF_INET, 24, "1.2.3.0"},
        {"10", true, AF_INET, 8, "10.0.0.0"},
        {"1.2.3/20", true, AF_INET, 20, "1.2.0.0"},
        {"10.0.0.1/32", true, AF_INET, 32, "10.0.0.1"},
        {"fd00::/8", true, AF_INET6, 8, "fd00::"},
        {"2001:db8::1", true, AF_INET6, 128, "2001:db8::1"},
        {"2001:db8:ffff::1/33", true, AF_INET6, 33, "2001:db8:8000::"},
        {"::/0", true, AF_INET6, 0, "::"},
        {"::1", true, AF_INET6, 128, "::1"},
        {"::ffff:10.0.0.0/104", true, AF_INET6, 104, "::ffff:10.0.0.0"},
        {"", false, 0, 0, NULL},
        {"alll", false, 0, 0, NULL},
        {"ALL", false, 0, 0, NULL},
        {"10.0.0.0/33", false, 0, 0, NULL},
        {"fd00::/129", false, 0, 0, NULL},
        {"10.0.0.0/", false, 0, 0, NULL},
        {"10.0.0.0/-1", false, 0, 0, NULL},
        {"10.0.0.0/+8", false, 0, 0, NULL},
        {"10.0.0.0/ 8", false, 0, 0, NULL},
        {"10.0.0.0/8x", false, 0, 0, NULL},
        {"10.0.0.0/8/8", false, 0, 0, NULL},
        {"256.0.0.0", false, 0, 0, NULL},
        {"1.2.3.4.5", false, 0, 0, NULL},
        {"1.2.3.", false, 0, 0, NULL},
        {"1..3", false, 0, 0, NULL},
        {".1", false, 0, 0, NULL},
        {"1.2.-3", false, 0, 0, NULL},
        {"example.com", false, 0, 0, NULL},
        {"fd00:::1", false, 0, 0, NULL},
        {"10.0.0.0 /8", false, 0, 0, NULL},
        {"2001:db8::1%eth0", false, 0, 0, NULL},
        {"1234567890123456789012345678901234567890123456789012345678901234567890", false, 0,
         0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct parse_case *c = &cases[i];
        struct acl_rule r;
        memset(&r, 0x55, sizeof(r));
        bool ok = acl_parse(c->text, i % 2 == 0, &r);
        if (ok != c->ok) {
            fprintf(stderr, "acl_parse('%s'): got %d, want %d\n", c->text, ok, c->ok);
        }
        CHECK(ok == c->ok);
        if (!ok || !c->ok) {
            continue;
        }
        CHECK(r.allow == (i % 2 == 0));
        CHECK_INT(r.family, c->family);
        CHECK_INT(r.prefix_len, c->prefix_len);
        if (c->addr != NULL) {
            uint8_t want[16] = {0};
            CHECK_INT(inet_pton(c->family, c->addr, want), 1);
            if (memcmp(r.addr, want, 16) != 0) {
                fprintf(stderr, "acl_parse('%s'): wrong network address\n", c->text);
            }
            CHECK(memcmp(r.addr, want, 16) == 0);
        }
    }
}

static struct sockaddr_storage addr_of(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(12345);
    } else if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(12345);
    } else {
        fprintf(stderr, "bad test address %s\n", text);
        abort();
    }
    return ss;
}

/* Build an ACL from "allow X" / "deny X" lines. */
static struct acl *build(const char *const *lines, size_t n)
{
    struct acl_rule rules[64];
    for (size_t i = 0; i < n; i++) {
        bool allow = strncmp(lines[i], "allow ", 6) == 0;
        const char *what = lines[i] + (allow ? 6 : 5);
        if (!acl_parse(what, allow, &rules[i])) {
            fprintf(stderr, "bad test rule %s\n", lines[i]);
            abort();
        }
        rules[i].line = (int)i + 1;
    }
    struct acl *a = acl_create(rules, n);
    CHECK(a != NULL);
    return a;
}

static bool allows(const struct acl *a, const char *addr)
{
    struct sockaddr_storage ss = addr_of(addr);
    return acl_allows(a, (const struct sockaddr *)&ss);
}

struct verdict {
    const char *addr;
    bool allowed;
};

static void expect(const struct acl *a, const struct verdict *v, size_t n, const char *legend)
{
    for (size_t i = 0; i < n; i++) {
        bool got = allows(a, v[i].addr);
        if (got != v[i].allowed) {
            fprintf(stderr, "%s: %s %s, want %s\n", legend, v[i].addr,
                    got ? "allowed" : "denied", v[i].allowed ? "allowed" : "denied");
        }
        CHECK(got == v[i].allowed);
    }
}

#define EXPECT(a, v, legend) expect(a, v, sizeof(v) / sizeof(v[0]), legend)

static void test_most_specific(void)
{
    /* chrony's documented example, in every order: the result must not change. */
    const char *lines[3] = {"allow 1.2.3.4", "deny 1.2.3.0/24", "allow 1.2.0.0/16"};
    const struct verdict v[] = {
        {"1.2.3.4", true}, {"1.2.3.5", false}, {"1.2.3.255", false}, {"1.2.4.1", true},
        {"1.2.255.255", true}, {"1.3.0.1", false}, {"9.9.9.9", false},
    };
    const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int p = 0; p < 6; p++) {
        const char *ordered[3] = {lines[perms[p][0]], lines[perms[p][1]], lines[perms[p][2]]};
        struct acl *a = build(ordered, 3);
        EXPECT(a, v, "chrony example");
        acl_destroy(a);
    }
}

static void test_order_and_all(void)
{
    /* At equal prefix length, the later rule wins. */
    const char *l1[] = {"allow 10.0.0.0/8", "deny 10.0.0.0/8"};
    struct acl *a = build(l1, 2);
    const struct verdict v1[] = {{"10.1.1.1", false}};
    EXPECT(a, v1, "later deny");
    acl_destroy(a);
    const char *l2[] = {"deny 10.0.0.0/8", "allow 10.0.0.0/8"};
    a = build(l2, 2);
    const struct verdict v2[] = {{"10.1.1.1", true}};
    EXPECT(a, v2, "later allow");
    acl_destroy(a);

    /* `all` covers both families at prefix 0; anything more specific beats it. */
    const char *l3[] = {"allow all", "deny 192.168.1.0/24", "deny fd00::/8"};
    a = build(l3, 3);
    const struct verdict v3[] = {
        {"8.8.8.8", true}, {"192.168.1.7", false}, {"192.168.2.7", true}, {"2001:db8::1", true},
        {"fd12::1", false}, {"::ffff:192.168.1.7", false}, {"::ffff:192.168.2.7", true},
    };
    EXPECT(a, v3, "allow all");
    acl_destroy(a);

    /* `deny all` after `allow all`: the later wins; an IPv4 /0 ties with `all` by order too. */
    const char *l4[] = {"allow all", "deny all"};
    a = build(l4, 2);
    const struct verdict v4[] = {{"8.8.8.8", false}, {"::1", false}};
    EXPECT(a, v4, "deny all last");
    acl_destroy(a);
    const char *l5[] = {"deny all", "allow 0/0"};
    a = build(l5, 2);
    const struct verdict v5[] = {{"8.8.8.8", true}, {"::1", false}};
    EXPECT(a, v5, "allow 0/0 after deny all");
    acl_destroy(a);
}

static void test_no_allow(void)
{
    struct acl *a = acl_create(NULL, 0);
    CHECK(a != NULL);
    const struct verdict v[] = {{"127.0.0.1", false}, {"::1", false}, {"10.0.0.1", false}};
    EXPECT(a, v, "no rules");
    acl_destroy(a);
    const char *l[] = {"deny 10.0.0.0/8"};
    a = build(l, 1);
    const struct verdict v2[] = {{"127.0.0.1", false}, {"11.0.0.1", false}};
    EXPECT(a, v2, "only deny");
    acl_destroy(a);
    /* A socket address of another family is never allowed. */
    const char *l3[] = {"allow all"};
    a = build(l3, 1);
    struct sockaddr sa = {.sa_family = AF_UNIX};
    CHECK(!acl_allows(a, &sa));
    acl_destroy(a);
}

static void test_ipv6(void)
{
    /* The example appliance config: private ranges of both families. */
    const char *l[] = {"allow 10.0.0.0/8", "allow 172.16.0.0/12", "allow 192.168.0.0/16",
                       "allow fd00::/8", "allow fe80::/10", "deny fd00:bad::/32",
                       "allow fd00:bad:0:1::/64", "allow ::1"};
    struct acl *a = build(l, sizeof(l) / sizeof(l[0]));
    const struct verdict v[] = {
        {"10.255.0.1", true}, {"172.31.1.1", true}, {"172.32.1.1", false},
        {"192.168.77.1", true}, {"192.169.0.1", false}, {"127.0.0.1", false},
        {"fd00::1", true}, {"fdff:ffff::1", true}, {"fc00::1", false},
        {"fe80::1", true}, {"febf::1", true}, {"fec0::1", false},
        {"fd00:bad::1", false}, {"fd00:bad:0:1::99", true}, {"fd00:bad:0:2::1", false},
        {"::1", true}, {"::2", false}, {"2001:db8::1", false},
        /* v4-mapped clients are IPv4 clients. */
        {"::ffff:10.1.2.3", true}, {"::ffff:11.1.2.3", false}, {"::ffff:127.0.0.1", false},
    };
    EXPECT(a, v, "private ranges");
    acl_destroy(a);

    /* Prefix lengths that are not multiples of 8 or 64, on both halves of an IPv6 address. */
    const char *l2[] = {"allow 2001:db8::/33", "deny 2001:db8:0:0:8000::/65"};
    a = build(l2, 2);
    const struct verdict v2[] = {
        {"2001:db8:7fff:ffff::1", true}, {"2001:db8:8000::1", false},
        {"2001:db8::1", true}, {"2001:db8::8000:0:0:1", false}, {"2001:db8::7fff:0:0:1", true},
    };
    EXPECT(a, v2, "odd prefixes");
    acl_destroy(a);

    /* A v4-mapped rule acts as the IPv4 rule, for IPv4 and v4-mapped clients alike. */
    const char *l3[] = {"allow ::ffff:10.0.0.0/104", "deny ::ffff:10.9.0.0/112"};
    a = build(l3, 2);
    const struct verdict v3[] = {
        {"10.1.1.1", true}, {"::ffff:10.1.1.1", true}, {"10.9.0.1", false},
        {"::ffff:10.9.0.1", false}, {"11.1.1.1", false},
    };
    EXPECT(a, v3, "v4-mapped rules");
    acl_destroy(a);
}

/* Against a brute-force oracle on random rules and addresses. */
static bool oracle(const struct acl_rule *rules, size_t n, const uint8_t *addr, int family)
{
    int best_len = -1;
    bool verdict = false;
    for (size_t i = 0; i < n; i++) {
        const struct acl_rule *r = &rules[i];
        bool match = r->family == AF_UNSPEC;
        if (r->family == family) {
            match = true;
            for (int b = 0; b < r->prefix_len; b++) {
                int bit_r = r->addr[b / 8] >> (7 - b % 8) & 1;
                int bit_a = addr[b / 8] >> (7 - b % 8) & 1;
                if (bit_r != bit_a) {
                    match = false;
                    break;
                }
            }
        }
        int len = r->family == AF_UNSPEC ? 0 : r->prefix_len;
        if (match && len >= best_len) {
            best_len = len;
            verdict = r->allow;
        }
    }
    return verdict;
}

static void test_random_against_oracle(unsigned seed)
{
    srand(seed);
    int mismatches = 0;
    for (int round = 0; round < 300; round++) {
        struct acl_rule rules[64];
        size_t n = (size_t)(rand() % 64);
        /* Few distinct base addresses, so that rules overlap and nest. */
        for (size_t i = 0; i < n; i++) {
            struct acl_rule *r = &rules[i];
            memset(r, 0, sizeof(*r));
            r->allow = rand() % 2;
            int kind = rand() % 9;
            if (kind == 0) {
                r->family = AF_UNSPEC;
                continue;
            }
            r->family = kind < 5 ? AF_INET : AF_INET6;
            int max = r->family == AF_INET ? 32 : 128;
            r->prefix_len = rand() % (max + 1);
            r->addr[0] = (uint8_t)(r->family == AF_INET ? 10 : 0xfd);
            for (int b = 1; b < 16; b++) {
                r->addr[b] = (uint8_t)(rand() % 3 == 0 ? rand() : 0);
            }
            if (r->family == AF_INET) {
                memset(r->addr + 4, 0, 12);
            }
            /* Clear host bits, as acl_parse does. */
            for (int b = r->prefix_len; b < 128; b++) {
                r->addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
            }
        }
        struct acl *a = acl_create(rules, n);
        for (int probe = 0; probe < 200; probe++) {
            struct sockaddr_storage ss;
            memset(&ss, 0, sizeof(ss));
            uint8_t addr[16] = {0};
            int family = rand() % 2 ? AF_INET : AF_INET6;
            addr[0] = (uint8_t)(family == AF_INET ? 10 : 0xfd);
            for (int b = 1; b < (family == AF_INET ? 4 : 16); b++) {
                addr[b] = (uint8_t)(rand() % 3 == 0 ? rand() : 0);
            }
            if (family == AF_INET) {
                struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
                s4->sin_family = AF_INET;
                memcpy(&s4->sin_addr, addr, 4);
            } else {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
                s6->sin6_family = AF_INET6;
                memcpy(&s6->sin6_addr, addr, 16);
            }
            bool got = acl_allows(a, (const struct sockaddr *)&ss);
            if (got != oracle(rules, n, addr, family)) {
                mismatches++;
            }
        }
        acl_destroy(a);
    }
    CHECK_INT(mismatches, 0);
}

int main(void)
{
    unsigned seed = check_seed(20261124);
    test_parse();
    test_most_specific();
    test_order_and_all();
    test_no_allow();
    test_ipv6();
    test_random_against_oracle(seed);
    return check_result();
}
