/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntpc_filter: see ntpc_filter.h. Eight stages are sorted by index each time (insertion sort of
 * eight: cheaper than keeping a heap), no allocation.
 */
#include "drivers/ntpc_filter.h"

#include <math.h>
#include <string.h>

#include "common/ntime.h"

void ntpc_filter_reset(struct ntpc_filter *f)
{
    memset(f, 0, sizeof(*f));
}

/* A stage's dispersion at now_ns: grown at PHI since it was measured, capped at MAXDISP. */
static double disp_at(const struct ntpc_stage *s, int64_t now_ns)
{
    double age_s = now_ns > s->t_ns ? nt_to_s(now_ns - s->t_ns) : 0.0;
    double d = s->disp_s + NTPC_PHI * age_s;
    return d < NTPC_MAXDISP_S ? d : NTPC_MAXDISP_S;
}

/* Stage a sorts before b: the lower delay, stale stages (dispersion at MAXDISP) last. */
static bool before(const struct ntpc_stage *a, const struct ntpc_stage *b, int64_t now_ns)
{
    bool a_stale = disp_at(a, now_ns) >= NTPC_MAXDISP_S;
    bool b_stale = disp_at(b, now_ns) >= NTPC_MAXDISP_S;
    if (a_stale != b_stale) {
        return b_stale;
    }
    if (a->delay_ns != b->delay_ns) {
        return a->delay_ns < b->delay_ns;
    }
    return a->t_ns > b->t_ns; /* equal delays: the newer */
}

bool ntpc_filter_add(struct ntpc_filter *f, const struct ntpc_sample *s, int64_t now_ns,
                     struct ntpc_filtered *out)
{
    struct ntpc_stage *slot = &f->st[f->next];
    slot->used = true;
    slot->t_ns = s->local_ns;
    slot->offset_ns = s->offset_ns;
    slot->delay_ns = s->delay_ns;
    slot->disp_s = s->disp_s;
    f->next = (f->next + 1) % NTPC_FILTER_N;

    int idx[NTPC_FILTER_N];
    int n = 0;
    for (int i = 0; i < NTPC_FILTER_N; i++) {
        if (!f->st[i].used) {
            continue;
        }
        int j = n++;
        while (j > 0 && before(&f->st[i], &f->st[idx[j - 1]], now_ns)) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    const struct ntpc_stage *best = &f->st[idx[0]];

    /* RFC 5905 section 10's epsilon weighs stage i by 2^-(i+1), but over the held stages only,
     * normalized: the RFC counts an empty stage at MAXDISP, so a new source would claim about
     * 2 s for its first 8 polls (ntpd's high "disp" after start; minutes at the usual poll),
     * which keeps it out of any vote for that long. chrony does not count absent samples
     * either. */
    double eps = 0.0, w = 0.5, wsum = 0.0;
    for (int i = 0; i < n; i++, w *= 0.5) {
        eps += w * disp_at(&f->st[idx[i]], now_ns);
        wsum += w;
    }
    eps /= wsum;
    /* psi: RMS of the other offsets around the chosen one; floored at the chosen sample's own
     * dispersion (both clocks' precision), as ntpd floors it at its precision, so that one
     * sample or identical ones do not give a zero jitter that makes any change a spike. */
    double sum = 0.0;
    for (int i = 1; i < n; i++) {
        double d = nt_to_s(f->st[idx[i]].offset_ns - best->offset_ns);
        sum += d * d;
    }
    double jitter = n > 1 ? sqrt(sum / (n - 1)) : 0.0;
    if (jitter < best->disp_s) {
        jitter = best->disp_s;
    }
    /* The spike test uses the jitter known before this sample (ntpd's peer jitter): the new
     * one is measured around the candidate itself and would excuse any spike. */
    double gate_jitter = f->jitter_s > best->disp_s ? f->jitter_s : best->disp_s;
    f->jitter_s = jitter;

    if (f->last_used_ns != 0 && best->t_ns <= f->last_used_ns) {
        return false; /* nothing newer than what was used already */
    }
    if (f->last_used_ns != 0 && !f->spike_pending && n >= NTPC_SPIKE_MIN_N &&
        fabs(nt_to_s(best->offset_ns - f->last_offset_ns)) > NTPC_SGATE * gate_jitter) {
        f->spike_pending = true;
        f->spikes++;
        return false;
    }
    f->spike_pending = false;
    f->last_used_ns = best->t_ns;
    f->last_offset_ns = best->offset_ns;
    out->local_ns = best->t_ns;
    out->offset_ns = best->offset_ns;
    out->delay_ns = best->delay_ns;
    out->disp_s = eps;
    out->jitter_s = jitter;
    out->n = n;
    return true;
}
