/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * json_check: a strict JSON validator (RFC 8259) for the tests of what the daemon renders:
 * one value, then only whitespace. Returns NULL when the text is valid, else a pointer to
 * where it went wrong. No allocation; nesting bounded by recursion on the text (tests only).
 */
#ifndef GN_JSON_CHECK_H
#define GN_JSON_CHECK_H

#include <stdbool.h>
#include <string.h>

static const char *jc_value(const char *p, int depth);

static const char *jc_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

static const char *jc_string(const char *p)
{
    if (*p++ != '"') {
        return NULL;
    }
    while (*p != '"') {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x20) {
            return NULL; /* raw control characters (and the end of the text) are invalid */
        }
        if (ch == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (strchr("0123456789abcdefABCDEF", p[i]) == NULL || p[i] == '\0') {
                        return NULL;
                    }
                }
                p += 4;
            } else if (*p == '\0' || strchr("\"\\/bfnrt", *p) == NULL) {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *jc_digits(const char *p)
{
    if (*p < '0' || *p > '9') {
        return NULL;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    return p;
}

static const char *jc_number(const char *p)
{
    if (*p == '-') {
        p++;
    }
    if (*p == '0') {
        p++;
    } else if ((p = jc_digits(p)) == NULL) {
        return NULL;
    }
    if (*p == '.' && (p = jc_digits(p + 1)) == NULL) {
        return NULL;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') {
            p++;
        }
        p = jc_digits(p);
    }
    return p;
}

static const char *jc_value(const char *p, int depth)
{
    if (depth > 64) {
        return NULL;
    }
    p = jc_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool object = *p == '{';
        p = jc_ws(p + 1);
        if (*p == close) {
            return p + 1;
        }
        for (;;) {
            if (object) {
                if ((p = jc_string(jc_ws(p))) == NULL) {
                    return NULL;
                }
                p = jc_ws(p);
                if (*p++ != ':') {
                    return NULL;
                }
            }
            if ((p = jc_value(p, depth + 1)) == NULL) {
                return NULL;
            }
            p = jc_ws(p);
            if (*p == close) {
                return p + 1;
            }
            if (*p++ != ',') {
                return NULL;
            }
        }
    }
    if (*p == '"') {
        return jc_string(p);
    }
    if (strncmp(p, "true", 4) == 0) {
        return p + 4;
    }
    if (strncmp(p, "false", 5) == 0) {
        return p + 5;
    }
    if (strncmp(p, "null", 4) == 0) {
        return p + 4;
    }
    return jc_number(p);
}

/* True when text is exactly one valid JSON value (surrounding whitespace allowed). */
static inline bool json_valid(const char *text)
{
    const char *end = jc_value(text, 0);
    return end != NULL && *jc_ws(end) == '\0';
}

#endif
