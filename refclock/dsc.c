/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dsc: see dsc.h. The numbers that matter, and why:
 *  - a source is "lost" after LOST_S without samples, and must give CONSISTENT_N filtered
 *    samples in a row before it is selected again (a returning receiver first agrees with
 *    itself);
 *  - PPS pulses are labelled with the second of the locked coarse source; a pulse more than
 *    PPS_LOCK_LIMIT_S from that source's offset is ambiguous and rejected (chrony uses 0.4 s),
 *    and an interval more than PULSE_SLACK_S away from a whole number of seconds is a spurious
 *    edge;
 *  - samples within a second of a leap second are ignored so that 23:59:60 never reaches the
 *    servo as a one-second offset.
 */
#include "refclock/dsc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/ntime.h"
#include "server/srv.h"

#define LOST_S 5
#define CONSISTENT_N 4
#define PPS_LOCK_LIMIT_S 0.4
#define PULSE_SLACK_S 0.05
#define COARSE_VALID_S 3

void dsc_init(struct dsc *d, struct clk *clk, const struct dsc_params *p)
{
    memset(d, 0, sizeof(*d));
    d->p = *p;
    d->clk = clk;
    d->selected = -1;
    d->last_selected = -1;
    d->update_interval_s = NAN;
    servo_init(&d->servo, clk, &p->servo, p->initial_freq_ppm, p->initial_skew_ppm);
}

int dsc_add_source(struct dsc *d, const struct dsc_src_cfg *c)
{
    if (d->n_src == DSC_MAX_SRC) {
        return -1;
    }
    struct dsc_src *s = &d->src[d->n_src];
    memset(s, 0, sizeof(*s));
    s->cfg = *c;
    flt_init(&s->flt, c->filter > 0 ? c->filter : (c->pps ? 16 : 16));
    s->offset_s = NAN;
    s->jitter_s = NAN;
    s->latency_s = NAN;
    return d->n_src++;
}

static int64_t now_mono(struct dsc *d)
{
    return clk_now_mono(d->clk);
}

/* Common path of coarse samples and locked pulses: guard, filter, accumulate. */
static void accept_offset(struct dsc *d, struct dsc_src *s, int64_t local_ns, double x)
{
    int64_t mono = now_mono(d);
    if (s->last_sample_mono == 0 || mono - s->last_sample_mono > LOST_S * NT_NS_PER_S) {
        s->consecutive = 0;
    }
    /* The jump guard: once the clock is disciplined, a sample far from the clock (or, for a
     * source that is not leading, far from its own recent median) is held off until the
     * difference has persisted for `jumppersist` seconds. */
    double expected = 0;
    double fx, fj;
    int64_t ft;
    bool own = d->selected >= 0 && &d->src[d->selected] != s;
    if (own && flt_estimate(&s->flt, &fx, &fj, &ft)) {
        expected = fx;
    }
    if (d->ever_synced && fabs(x - expected) > d->p.maxjump_s) {
        if (s->jump_since_mono == 0) {
            s->jump_since_mono = mono;
            s->counters[RC_CNT_JUMP]++;
            log_warnx("%s: reference jumped by %+.3f s; not followed unless it persists %.0f s",
                      s->cfg.name, -(x - expected), d->p.jumppersist_s);
        }
        if (mono - s->jump_since_mono < nt_from_s(d->p.jumppersist_s)) {
            s->jump_suspect = true;
            return;
        }
        log_warnx("%s: jump persisted for %.0f s: following it", s->cfg.name, d->p.jumppersist_s);
        flt_reset(&s->flt);
        s->consecutive = CONSISTENT_N;
        if (d->selected >= 0 && &d->src[d->selected] == s) {
            servo_request_step(&d->servo);
        }
    }
    s->jump_since_mono = 0;
    s->jump_suspect = false;
    double min_spread = s->cfg.pps ? 0.005 : 0.2;
    if (!flt_add(&s->flt, mono, x, min_spread)) {
        s->counters[RC_CNT_OUTLIER]++;
        return;
    }
    (void)local_ns;
    s->acc_sum += x;
    s->acc_n++;
    s->samples++;
    s->consecutive++;
    s->last_sample_mono = mono;
}

void dsc_sample(struct dsc *d, int idx, int64_t local_ns, int64_t ref_ns, enum clk_leap leap)
{
    struct dsc_src *s = &d->src[idx];
    if (d->p.leaps != NULL && leap_near(d->p.leaps, ref_ns, NT_NS_PER_S)) {
        return; /* around a leap second: the receiver's 23:59:60 is not a 1 s offset */
    }
    s->leap = leap;
    double x = nt_to_s(local_ns - nt_from_s(s->cfg.offset_s) - ref_ns);
    s->coarse_local_ns = local_ns;
    s->coarse_mono = now_mono(d);
    s->coarse_x = x;
    accept_offset(d, s, local_ns, x);
}

static int64_t round_to_second(int64_t t_ns)
{
    int64_t half = NT_NS_PER_S / 2;
    int64_t q = (t_ns + (t_ns >= 0 ? half : -half)) / NT_NS_PER_S;
    return q * NT_NS_PER_S;
}

void dsc_pulse(struct dsc *d, int idx, int64_t local_ns)
{
    struct dsc_src *s = &d->src[idx];
    int64_t edge = local_ns - nt_from_s(s->cfg.offset_s); /* cable delay etc. */
    int64_t prev = s->last_pulse_local_ns;
    s->last_pulse_local_ns = local_ns;
    if (prev != 0) {
        int64_t gap = local_ns - prev;
        int64_t whole = round_to_second(gap);
        if (whole < NT_NS_PER_S || llabs(gap - whole) > nt_from_s(PULSE_SLACK_S)) {
            s->counters[RC_CNT_PULSE_REJECTED]++;
            return;
        }
    }
    double x;
    if (s->cfg.lock >= 0) {
        struct dsc_src *c = &d->src[s->cfg.lock];
        if (c->coarse_mono == 0 || now_mono(d) - c->coarse_mono > COARSE_VALID_S * NT_NS_PER_S ||
            c->consecutive == 0) {
            s->counters[RC_CNT_PULSE_REJECTED]++; /* no second to name: no fix, no data */
            return;
        }
        /* The reference second of the edge, as the coarse source sees it. */
        int64_t second = round_to_second(edge - nt_from_s(c->coarse_x));
        x = nt_to_s(edge - second);
        if (fabs(x - c->coarse_x) > PPS_LOCK_LIMIT_S) {
            s->counters[RC_CNT_PULSE_REJECTED]++; /* too close to half a second: ambiguous */
            return;
        }
        /* NMEA latency against the pulse: what the coarse source's `offset` should be. */
        double lat = c->coarse_x - x + c->cfg.offset_s;
        c->latency_s = isfinite(c->latency_s) ? 0.95 * c->latency_s + 0.05 * lat : lat;
    } else {
        /* No coarse source: usable only while the clock is already right to well under half
         * a second (it names the second), never to set it. */
        if (!d->ever_synced || !isfinite(d->servo.last_offset_s) ||
            fabs(d->servo.last_offset_s) > 0.1) {
            s->counters[RC_CNT_PULSE_REJECTED]++;
            return;
        }
        x = nt_to_s(edge - round_to_second(edge));
        if (fabs(x) > PPS_LOCK_LIMIT_S) {
            s->counters[RC_CNT_PULSE_REJECTED]++;
            return;
        }
    }
    accept_offset(d, s, local_ns, x);
}

void dsc_request_makestep(struct dsc *d)
{
    servo_request_step(&d->servo);
}

static bool usable(struct dsc *d, const struct dsc_src *s, int64_t mono)
{
    return !s->cfg.noselect && !s->jump_suspect && s->last_sample_mono != 0 &&
           mono - s->last_sample_mono <= LOST_S * NT_NS_PER_S &&
           (s->consecutive >= CONSISTENT_N || !d->ever_synced);
}

/* PPS over coarse once locked; `prefer` first within a class. */
static int select_source(struct dsc *d, int64_t mono)
{
    int best = -1, best_rank = -1;
    for (int i = 0; i < d->n_src; i++) {
        struct dsc_src *s = &d->src[i];
        if (!usable(d, s, mono)) {
            continue;
        }
        int rank = (s->cfg.pps ? 2 : 0) + (s->cfg.prefer ? 1 : 0);
        if (rank > best_rank) {
            best = i;
            best_rank = rank;
        }
    }
    return best;
}

static void publish(struct dsc *d, int64_t now_real, int64_t mono)
{
    struct srv_refstate st = {.precision = d->p.precision, .stratum = 16};
    double since_update = d->last_update_mono ? nt_to_s(mono - d->last_update_mono) : INFINITY;
    const struct dsc_src *ref = d->last_selected >= 0 ? &d->src[d->last_selected] : NULL;
    if (d->ever_synced && ref != NULL && since_update <= d->p.maxholdover_s) {
        st.synced = true;
        st.stratum = 1;
        st.refid = ref->cfg.refid;
        st.ref_time_ns = d->last_update_real;
        st.root_delay_s = ref->cfg.delay_s;
        double jitter = isfinite(ref->jitter_s) ? ref->jitter_s : 0;
        double off = isfinite(d->servo.rms_offset_s) ? d->servo.rms_offset_s : 0;
        st.root_disp_s = jitter + off + ref->cfg.precision_s + ldexp(1.0, d->p.precision);
        st.disp_rate = fmax(SRV_MIN_DISP_RATE, d->servo.skew_ppm * 1e-6);
        st.leap = (enum srv_leap)d->leap_state;
    } else if (d->p.local_stratum > 0) {
        /* The isolated-network fallback: serve the local clock at `local stratum N`. */
        st.synced = true;
        st.stratum = (uint8_t)d->p.local_stratum;
        st.refid = SRV_REFID_LOCL;
        st.ref_time_ns = now_real;
        st.root_disp_s = d->ever_synced ? 1.0 : 0.0; /* honest: we held over and gave up */
        st.disp_rate = SRV_MIN_DISP_RATE;
        st.leap = (enum srv_leap)d->leap_state;
    }
    srv_state_publish(&st);

    /* Tell the clock (and so the kernel) every 16 s, or at once when something changes. */
    bool synced = st.synced && st.stratum == 1;
    if (synced != d->status_synced || d->ticks % 16 == 0) {
        d->status_synced = synced;
        double err = st.root_disp_s + st.root_delay_s / 2 +
                     (isfinite(since_update) ? since_update * st.disp_rate : 0);
        struct clk_status cs = {.synced = synced,
                                .maxerror_ns = nt_from_s(fmin(err, 16.0)),
                                .esterror_ns = nt_from_s(fmin(st.root_disp_s, 16.0)),
                                .leap = synced ? d->leap_state : CLK_LEAP_NONE};
        d->clk->ops->set_status(d->clk, &cs);
    }
}

void dsc_tick(struct dsc *d)
{
    int64_t mono = now_mono(d);
    int64_t now_real = clk_now(d->clk);
    d->ticks++;
    for (int i = 0; i < d->n_src; i++) {
        struct dsc_src *s = &d->src[i];
        s->reach = (uint8_t)(s->reach << 1 | (s->acc_n > 0));
        double fx, fj;
        int64_t ft;
        if (flt_estimate(&s->flt, &fx, &fj, &ft)) {
            s->jitter_s = fj;
        }
        if (s->acc_n > 0) {
            s->offset_s = s->acc_sum / s->acc_n;
        }
    }
    d->selected = select_source(d, mono);
    if (d->selected >= 0) {
        struct dsc_src *s = &d->src[d->selected];
        if (s->acc_n > 0) {
            if (d->selected != d->last_selected) {
                log_info("%s: selected", s->cfg.name);
            }
            enum servo_action a = servo_update(&d->servo, mono, s->offset_s,
                                               isfinite(s->jitter_s) ? s->jitter_s : 0,
                                               s->cfg.pps);
            if (a == SERVO_STEP) {
                for (int i = 0; i < d->n_src; i++) {
                    flt_reset(&d->src[i].flt); /* their offsets moved by the step */
                }
            }
            d->prev_update_mono = d->last_update_mono;
            d->last_update_mono = mono;
            d->last_update_real = clk_now(d->clk);
            if (d->prev_update_mono != 0) {
                double iv = nt_to_s(mono - d->prev_update_mono);
                d->update_interval_s = isfinite(d->update_interval_s)
                                           ? 0.9 * d->update_interval_s + 0.1 * iv
                                           : iv;
            }
            d->ever_synced = true;
            d->last_selected = d->selected;
            if (d->holdover) {
                log_info("%s: reference back, holdover ends", s->cfg.name);
            }
            d->holdover = false;
        }
    } else {
        servo_holdover(&d->servo);
        if (d->ever_synced && !d->holdover) {
            d->holdover = true;
            log_warnx("no usable reference: holdover on the last frequency (%+.3f ppm)",
                      -d->servo.base_ppm);
        }
    }
    for (int i = 0; i < d->n_src; i++) {
        d->src[i].acc_sum = 0;
        d->src[i].acc_n = 0;
    }
    /* Leap: the table when we have one, else what the selected receiver announces. */
    enum clk_leap leap = CLK_LEAP_NONE;
    if (d->p.leaps != NULL && d->p.leaps->n > 0) {
        leap = leap_due(d->p.leaps, now_real);
    } else if (d->last_selected >= 0) {
        leap = d->src[d->last_selected].leap;
    }
    d->leap_state = leap;
    publish(d, now_real, mono);
}

void dsc_get_tracking(struct dsc *d, struct rc_tracking *t)
{
    memset(t, 0, sizeof(*t));
    struct srv_refstate st;
    srv_state_read(&st);
    t->refid = st.synced ? st.refid : 0;
    t->stratum = st.synced ? st.stratum : 16;
    t->synced = st.synced;
    t->holdover = d->holdover;
    t->ref_time_ns = st.ref_time_ns;
    if (d->last_selected >= 0 && st.synced && st.refid != SRV_REFID_LOCL) {
        snprintf(t->refname, sizeof(t->refname), "%s", d->src[d->last_selected].cfg.name);
    }
    t->last_offset_s = d->servo.last_offset_s;
    t->rms_offset_s = d->servo.rms_offset_s;
    /* The clock is ahead of the reference by the last measured offset, minus what the phase
     * correction has removed since (estimated from the running rate). */
    t->system_offset_s = d->ever_synced ? d->servo.last_offset_s : NAN;
    t->freq_ppm = -d->servo.base_ppm;
    t->resid_freq_ppm = d->servo.resid_ppm;
    t->skew_ppm = d->servo.skew_ppm;
    t->root_delay_s = st.root_delay_s;
    double age = st.ref_time_ns > 0 ? nt_to_s(clk_now(d->clk) - st.ref_time_ns) : 0;
    t->root_disp_s = st.synced ? st.root_disp_s + st.disp_rate * fmax(age, 0) : 16.0;
    t->update_interval_s = d->update_interval_s;
    t->leap = st.synced ? (int)st.leap : SRV_LEAP_ALARM;
}

void dsc_get_source(struct dsc *d, int idx, struct rc_src_status *out)
{
    struct dsc_src *s = &d->src[idx];
    out->selected = idx == d->selected;
    out->noselect = s->cfg.noselect;
    out->prefer = s->cfg.prefer;
    out->jump_suspect = s->jump_suspect;
    out->reach = s->reach;
    out->samples = s->samples;
    out->last_sample_age_ns = s->last_sample_mono ? now_mono(d) - s->last_sample_mono : -1;
    out->offset_s = s->offset_s;
    out->jitter_s = s->jitter_s;
    out->latency_s = s->latency_s;
    for (int c = 0; c < RC_CNT__COUNT; c++) {
        out->counters[c] += s->counters[c];
    }
}

double dsc_freq_ppm(const struct dsc *d)
{
    return d->servo.base_ppm;
}

double dsc_skew_ppm(const struct dsc *d)
{
    return d->servo.skew_ppm;
}
