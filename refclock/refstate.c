/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * refstate: see refstate.h. The server adds disp_rate * (time - ref_time) to root_disp_s when
 * it answers, so a state published once a second stays honest between publications.
 */
#include "refclock/refstate.h"

#include <math.h>
#include <string.h>

#include "common/ntime.h"
#include "common/seqlock.h"

#define MAX_ERROR_S 16.0 /* the kernel's maxerror saturates at 16 s (NTP_PHASE_LIMIT era) */

const char *rst_mode_name(enum rst_mode m)
{
    switch (m) {
    case RST_UNSYNC: return "unsynchronized";
    case RST_TRACKING: return "tracking";
    case RST_HOLDOVER: return "holdover";
    case RST_LOCAL: return "local";
    }
    return "?";
}

void rst_compute(const struct rst_input *in, struct rst_output *out)
{
    memset(out, 0, sizeof(*out));
    struct rst_state *st = &out->st;
    st->precision = in->precision;
    st->stratum = 16;
    st->leap = RST_LEAP_ALARM;
    double rate = fmax(RST_MIN_DISP_RATE, in->skew_ppm * 1e-6);
    double age = in->update_mono_ns != 0 ? nt_to_s(in->now_mono_ns - in->update_mono_ns)
                                         : INFINITY;
    if (in->ever_synced && (in->leading || age <= in->maxholdover_s)) {
        out->mode = in->leading ? RST_TRACKING : RST_HOLDOVER;
        st->synced = true;
        st->stratum = (uint8_t)(in->stratum >= 1 && in->stratum <= 15 ? in->stratum : 1);
        st->refid = in->refid;
        st->ref_time_ns = in->update_real_ns;
        st->root_delay_s = in->root_delay_s;
        st->root_disp_s = in->disp_at_update_s;
        st->disp_rate = rate;
        st->leap = (enum rst_leap)in->leap;
    } else if (in->local_stratum > 0 && (in->ever_synced || !in->has_references)) {
        /* The isolated-network fallback. After a holdover the error bound it had reached is
         * kept: it is the best statement we can make. Where references are configured, it
         * takes over only from a clock one of them has disciplined: before that the clock
         * holds whatever the RTC (or nothing) gave it at boot, years off on a board without
         * one, and serving it would spread that to every host. With no reference configured
         * (a local-only box), the clock is the reference and only its reading precision is
         * claimed. */
        out->mode = RST_LOCAL;
        st->synced = true;
        st->stratum = (uint8_t)in->local_stratum;
        st->refid = RST_REFID_LOCL;
        st->ref_time_ns = in->now_real_ns;
        st->root_disp_s = in->ever_synced ? in->disp_at_update_s + rate * in->maxholdover_s
                                          : ldexp(1.0, in->precision);
        st->disp_rate = RST_MIN_DISP_RATE;
        st->leap = (enum rst_leap)in->leap;
    } else {
        out->mode = RST_UNSYNC;
    }

    /* The kernel is told it is synchronized only while a real reference stands behind the
     * clock (it then copies the time to the RTC every 11 minutes). */
    bool real = out->mode == RST_TRACKING || out->mode == RST_HOLDOVER;
    out->cs.synced = real;
    out->cs.leap = st->synced ? in->leap : CLK_LEAP_NONE;
    if (real) {
        double err = st->root_delay_s / 2 + st->root_disp_s + rate * fmax(age, 0);
        out->cs.maxerror_ns = nt_from_s(fmin(err, MAX_ERROR_S));
        out->cs.esterror_ns = nt_from_s(fmin(st->root_disp_s, MAX_ERROR_S));
    } else {
        out->cs.maxerror_ns = nt_from_s(MAX_ERROR_S);
        out->cs.esterror_ns = nt_from_s(MAX_ERROR_S);
    }
}

double rst_distance(const struct rst_state *st, int64_t now_real_ns)
{
    if (!st->synced) {
        return INFINITY;
    }
    double age = fmax(nt_to_s(now_real_ns - st->ref_time_ns), 0);
    return st->root_delay_s / 2 + st->root_disp_s + st->disp_rate * age;
}

/* --- publication ----------------------------------------------------------------------- */

static SEQLOCK(, SEQLOCK_WORDS(sizeof(struct rst_state))) published;

void rst_publish(const struct rst_state *st)
{
    seqlock_write(&published, st);
}

void rst_read(struct rst_state *out)
{
    if (!seqlock_read(&published, out)) {
        *out = (struct rst_state){.synced = false, .stratum = 16, .leap = RST_LEAP_ALARM,
                                  .precision = -20, .disp_rate = RST_MIN_DISP_RATE};
    }
}
