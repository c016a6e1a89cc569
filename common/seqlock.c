/* SPDX-License-Identifier: BSD-2-Clause */
/* seqlock: see seqlock.h. */
#include "common/seqlock.h"

#include <assert.h>
#include <string.h>

void seqlock_write_words(_Atomic unsigned *seq, _Atomic uint64_t *w, size_t n_words,
                         const void *src, size_t len)
{
    assert(len <= n_words * 8);
    uint64_t buf[n_words];
    memset(buf, 0, sizeof(buf));
    memcpy(buf, src, len);
    unsigned s = atomic_load_explicit(seq, memory_order_relaxed);
    atomic_store_explicit(seq, s + 1, memory_order_relaxed);
    /* Release stores: a reader that sees a new word also sees the odd sequence before it. */
    for (size_t i = 0; i < n_words; i++) {
        atomic_store_explicit(&w[i], buf[i], memory_order_release);
    }
    /* Skip 0 on wrap-around: it stands for "never written". */
    atomic_store_explicit(seq, s + 2 == 0 ? 2 : s + 2, memory_order_release);
}

bool seqlock_read_words(_Atomic unsigned *seq, _Atomic uint64_t *w, size_t n_words, void *dst,
                        size_t len)
{
    assert(len <= n_words * 8);
    uint64_t buf[n_words];
    unsigned s1;
    for (;;) {
        s1 = atomic_load_explicit(seq, memory_order_acquire);
        if (s1 & 1) {
            continue; /* a write is in progress: it is a few stores long */
        }
        /* Acquire loads: the second look at the sequence cannot move before them. */
        for (size_t i = 0; i < n_words; i++) {
            buf[i] = atomic_load_explicit(&w[i], memory_order_acquire);
        }
        if (atomic_load_explicit(seq, memory_order_relaxed) == s1) {
            break;
        }
    }
    if (s1 == 0) {
        return false;
    }
    memcpy(dst, buf, len);
    return true;
}
