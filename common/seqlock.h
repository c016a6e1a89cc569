/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * seqlock: one writer publishes a small struct, any number of threads read it without locks
 * (the reference state to the server's workers, the soft clock's correction to whoever reads
 * the clock). After Boehm, "Can seqlocks get along with programming language memory models?"
 * (2012): the data lives in atomic 64-bit words, so a reader racing the writer is well-defined
 * C11 (no data race); the sequence is odd while a write is in progress, and a reader retries
 * when it saw it odd or changed. The words are stored with release and loaded with acquire
 * rather than ordered by fences, which ThreadSanitizer cannot see (on x86 both are plain
 * moves; the struct is a few words).
 */
#ifndef GN_SEQLOCK_H
#define GN_SEQLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Words needed for a struct of len bytes. */
#define SEQLOCK_WORDS(len) (((len) + 7) / 8)

/* A seqlock over a struct of up to words * 8 bytes; zero-initialized means "never written". */
#define SEQLOCK(name, words)                                                                    \
    struct name {                                                                              \
        _Atomic unsigned seq;                                                                  \
        _Atomic uint64_t w[words];                                                             \
    }

/* The functions take the generic view of any SEQLOCK(...) struct. */
void seqlock_write_words(_Atomic unsigned *seq, _Atomic uint64_t *w, size_t n_words,
                         const void *src, size_t len);
/* False when nothing was ever written (dst untouched). */
bool seqlock_read_words(_Atomic unsigned *seq, _Atomic uint64_t *w, size_t n_words, void *dst,
                        size_t len);

#define seqlock_write(l, src)                                                                   \
    seqlock_write_words(&(l)->seq, (l)->w, sizeof((l)->w) / 8, (src), sizeof(*(src)))
#define seqlock_read(l, dst)                                                                    \
    seqlock_read_words(&(l)->seq, (l)->w, sizeof((l)->w) / 8, (dst), sizeof(*(dst)))

#endif
