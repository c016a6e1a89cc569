/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dsc: see dsc.h. The flow of one sample: leap-second window -> jump guard (against what the
 * source, or else the disciplined clock, said so far) -> outlier filter (in the servo's
 * free-running frame) -> pending for the next tick. At the tick the selected source's pending
 * samples go to the servo, all others are dropped (they only keep their filters current).
 *
 * Numbers, and why:
 *  - a source is lost after DSC_LOST_S without an accepted sample and must give
 *    SEL_CONSISTENT_N accepted samples in a row before it leads again;
 *  - samples within LEAP_MARGIN of a leap second are ignored: a receiver's 23:59:60 maps to
 *    the next minute on the POSIX scale and the clock repeats 23:59:59, so both sides of a
 *    sample taken there may disagree by a second that is nobody's error;
 *  - filter floors: pulses 2 us (a PPS edge off by more than that from a clean line is an
 *    interrupt hiccup), coarse sources 20 ms (NMEA sentences wobble by tens of ms).
 */
#include "refclock/dsc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/ntime.h"
#include "refclock/vote.h"

#define LEAP_MARGIN_NS (2 * NT_NS_PER_S)
#define FILTER_RESET_GAP_NS (60 * NT_NS_PER_S)
#define NOFIX_HOLD_NS (3 * NT_NS_PER_S)
#define MIN_SPREAD_PULSE 2e-6
#define MIN_SPREAD_COARSE 20e-3
#define MIN_SPREAD_NTP 100e-6   /* the NTP filter has already taken the least-delayed exchange */
#define NTP_CONSISTENT_N 2      /* an iburst gives a few samples in seconds: two agreeing do */
#define VOTED_OUT_DOUBT_PPM 10 /* a spoofer's drag; a crystal's own error is known better */
#define RESELECT_DIST_S 100e-6 /* chrony's reselectdist */
#define NTP_LOST_POLLS 8        /* as the reachability register: 8 polls without a sample */
#define DEFAULT_PRECISION 1e-8
#define UNKNOWN_JITTER_PULSE 1e-6
#define UNKNOWN_JITTER_COARSE 20e-3
#define LATENCY_AVG_N 64
#define STATUS_EVERY_TICKS 16
#define STARTUP_WAIT_NS (12 * NT_NS_PER_S)
#define STEP_WINDOW_NS (4 * NT_NS_PER_S) /* drivers report within a second or two */

void dsc_init(struct dsc *d, struct clk *clk, const struct dsc_params *p, int64_t now_ns)
{
    memset(d, 0, sizeof(*d));
    d->p = *p;
    d->clk = clk;
    d->selected = -1;
    d->last_selected = -1;
    d->phase_reset_src = -1;
    d->start_mono = now_ns;
    servo_init(&d->servo, clk, &p->servo, now_ns, p->have_drift, p->drift_freq_ppm,
               p->drift_skew_ppm);
}

bool dsc_mono_of(const struct dsc *d, int64_t now_mono, int64_t now_real, int64_t local_ns,
                 int64_t *mono)
{
    int64_t m = now_mono - (now_real - local_ns); /* no step in between */
    const struct servo *sv = &d->servo;
    if (sv->last_step_mono_ns != 0 && now_mono - sv->last_step_mono_ns < STEP_WINDOW_NS) {
        /* Made before the step, the stamp lies last_step_ns off the clock read now. */
        int64_t m_pre = m + sv->last_step_ns;
        bool after = m >= sv->last_step_mono_ns, before = m_pre < sv->last_step_mono_ns;
        if (after && before) {
            return false;
        }
        if (before) {
            m = m_pre;
        }
    }
    /* A stamp from the future or from long ago is the driver's bug: take it as now rather
     * than feeding a wild time to the core. */
    if (m > now_mono || now_mono - m > 60 * NT_NS_PER_S) {
        m = now_mono;
    }
    *mono = m;
    return true;
}

int dsc_add_source(struct dsc *d, const struct dsc_src_cfg *c)
{
    if (d->n_src == DSC_MAX_SRC) {
        return -1;
    }
    struct dsc_src *s = &d->src[d->n_src];
    memset(s, 0, sizeof(*s));
    s->cfg = *c;
    if (!(s->cfg.precision_s > 0)) {
        s->cfg.precision_s = DEFAULT_PRECISION;
    }
    flt_init(&s->flt, c->filter,
             c->pps ? MIN_SPREAD_PULSE : c->ntp ? MIN_SPREAD_NTP : MIN_SPREAD_COARSE);
    s->interval_ns = NT_NS_PER_S;
    s->stratum = -1;
    s->select = RC_SEL_UNUSABLE;
    ppl_init(&s->ppl, c->offset_s, c->width_s);
    s->offset_s = NAN;
    s->latency_s = NAN;
    return d->n_src++;
}

void dsc_set_pulse_source(struct dsc *d, int idx)
{
    struct dsc_src *s = &d->src[idx];
    if (!s->cfg.pps) {
        s->cfg.pps = true;
        s->flt.min_spread_s = MIN_SPREAD_PULSE;
    }
}

/* How long a source may go without an accepted sample before it is lost: refclocks report
 * every second; an NTP source every poll, so it is lost after the polls of its reach register. */
static int64_t lost_ns(const struct dsc_src *s)
{
    int64_t lost = DSC_LOST_S * NT_NS_PER_S;
    if (s->cfg.ntp && NTP_LOST_POLLS * s->interval_ns + NT_NS_PER_S > lost) {
        lost = NTP_LOST_POLLS * s->interval_ns + NT_NS_PER_S;
    }
    return lost;
}

static int64_t reset_gap_ns(const struct dsc_src *s)
{
    return s->cfg.ntp && lost_ns(s) > FILTER_RESET_GAP_NS ? lost_ns(s) : FILTER_RESET_GAP_NS;
}

static bool near_leap(const struct dsc *d, int64_t t_ns)
{
    if (d->p.leaps != NULL && leap_near(d->p.leaps, t_ns, LEAP_MARGIN_NS)) {
        return true;
    }
    for (int i = 0; i < d->n_src; i++) {
        if (d->src[i].leap != CLK_LEAP_NONE &&
            leap_near_instant(d->src[i].leap_midnight, t_ns, LEAP_MARGIN_NS)) {
            return true;
        }
    }
    return (d->leap_midnight != 0 && leap_near_instant(d->leap_midnight, t_ns, LEAP_MARGIN_NS)) ||
           (d->leap_done_midnight != 0 &&
            leap_near_instant(d->leap_done_midnight, t_ns, LEAP_MARGIN_NS));
}

/* A source's offset carried to mono: its filter's level at its newest sample, moved on with
 * the servo's frequency (better known than the source's own slope), in the current frame. */
static bool carried_offset(const struct dsc *d, const struct dsc_src *s, int64_t mono,
                           double *x)
{
    int64_t tn = flt_newest_ns(&s->flt);
    double u;
    if (!flt_predict(&s->flt, tn, &u)) {
        return false;
    }
    *x = u + d->servo.f * nt_to_s(mono - tn) + servo_frame(&d->servo, mono);
    return true;
}

static double expected_offset(const struct dsc *d, const struct dsc_src *s, int64_t mono)
{
    double x;
    if (carried_offset(d, s, mono, &x)) {
        return x;
    }
    return d->ever_synced ? servo_offset_s(&d->servo, mono) : NAN;
}

static bool is_lead(const struct dsc *d, const struct dsc_src *s)
{
    int lead = d->selected >= 0 ? d->selected : d->last_selected;
    return lead >= 0 && &d->src[lead] == s;
}

/* The jump persisted: the source's history restarts at the new value, it must agree with
 * itself again before leading, and when it leads the clock follows with a step. Pulses
 * locked to it will be relabelled by the same amount: that jump is already vetted. */
static void follow_jump(struct dsc *d, int idx, double dev)
{
    struct dsc_src *s = &d->src[idx];
    log_warnx("%s: the jump of %+.6f s persisted %.0f s: following it", s->cfg.name, -dev,
              d->p.jumppersist_s);
    flt_reset(&s->flt);
    s->consecutive = 0;
    if (is_lead(d, s)) {
        /* Not now: another source may lead while this one re-qualifies, and the step must
         * come from this one's new level. */
        d->phase_reset_src = idx;
        d->phase_reset_step = true;
    }
    for (int i = 0; i < d->n_src; i++) {
        if (d->src[i].cfg.lock == idx) {
            d->src[i].jump_approved = true;
        }
    }
}

static void pend(struct dsc_src *s, int64_t mono, double x, double extra_var)
{
    if (s->pend_n == DSC_PEND) {
        /* A driver reporting faster than the tick: fold into the last slot. */
        int k = DSC_PEND - 1;
        s->pend_t[k] += (mono - s->pend_t[k]) / 2;
        s->pend_x[k] = (s->pend_x[k] + x) / 2;
        s->pend_v[k] = (s->pend_v[k] + extra_var) / 4;
        return;
    }
    s->pend_t[s->pend_n] = mono;
    s->pend_x[s->pend_n] = x;
    s->pend_v[s->pend_n] = extra_var;
    s->pend_n++;
}

const char *rc_verdict_name(enum rc_verdict v)
{
    switch (v) {
    case RC_VERDICT_OK: return "OK";
    case RC_VERDICT_SHIFT: return "SHIFT";
    case RC_VERDICT_OUTLIER: return "OUTLIER";
    case RC_VERDICT_JUMP: return "JUMP";
    case RC_VERDICT_LEAP: return "LEAP";
    case RC_VERDICT_BAD_INTERVAL: return "BAD_INTERVAL";
    case RC_VERDICT_NO_SECOND: return "NO_SECOND";
    case RC_VERDICT_AMBIGUOUS: return "AMBIGUOUS";
    case RC_VERDICT_WRONG_EDGE: return "WRONG_EDGE";
    case RC_VERDICT_NOT_SYNCED: return "NOT_SYNCED";
    }
    return "?";
}

const char *rc_select_name(enum rc_select s)
{
    switch (s) {
    case RC_SEL_UNUSABLE: return "unusable";
    case RC_SEL_SELECTED: return "selected";
    case RC_SEL_CANDIDATE: return "candidate";
    case RC_SEL_FALSETICKER: return "falseticker";
    case RC_SEL_NOSELECT: return "noselect";
    case RC_SEL_JUMP: return "jump";
    case RC_SEL_LOOP: return "loop";
    }
    return "?";
}

const char *rc_kind_name(enum rc_kind k)
{
    switch (k) {
    case RC_KIND_REFCLOCK: return "refclock";
    case RC_KIND_SERVER: return "server";
    case RC_KIND_PEER: return "peer";
    }
    return "?";
}

static bool accepted(enum rc_verdict v)
{
    return v == RC_VERDICT_OK || v == RC_VERDICT_SHIFT;
}

/* Tell the sample hook (the statistics log) what became of a sample: nothing to do, and no
 * work done, when nobody asked. */
static void report(const struct dsc *d, const struct dsc_src *s, int64_t mono, int64_t local_ns,
                   double raw_s, double x, enum rc_verdict v)
{
    if (d->sample_hook == NULL) {
        return;
    }
    double u, filtered = NAN;
    if (flt_predict(&s->flt, mono, &u)) {
        filtered = u + servo_frame(&d->servo, mono);
    }
    struct rc_sample_rec r = {.source = s->cfg.name, .pulse = s->cfg.pps, .local_ns = local_ns,
                              .raw_offset_s = raw_s, .offset_s = x, .filtered_s = filtered,
                              .verdict = v, .ntp = s->cfg.ntp ? d->ntp_in : NULL};
    d->sample_hook(d->sample_hook_arg, &r);
}

/* An edge's distance to the nearest second of the local clock, in [-0.5, 0.5) s: all a pulse
 * says before its second is named. */
static double second_fraction(int64_t t_ns)
{
    int64_t r = t_ns % NT_NS_PER_S;
    if (r < 0) {
        r += NT_NS_PER_S;
    }
    if (r >= NT_NS_PER_S / 2) {
        r -= NT_NS_PER_S;
    }
    return nt_to_s(r);
}

void dsc_set_sample_hook(struct dsc *d, void (*fn)(void *arg, const struct rc_sample_rec *r),
                         void *arg)
{
    d->sample_hook = fn;
    d->sample_hook_arg = arg;
}

/* Jump guard, filter, pending. Returns the verdict: OK or SHIFT when accepted. */
static enum rc_verdict accept(struct dsc *d, int idx, int64_t mono, double x)
{
    struct dsc_src *s = &d->src[idx];
    if (s->last_accept_mono == 0 || mono - s->last_accept_mono > lost_ns(s)) {
        s->consecutive = 0;
    }
    /* After a long silence the history says little; a long run of held-off samples is not a
     * silence: the history is what the jump guard compares them with. */
    if (s->last_seen_mono != 0 && mono - s->last_seen_mono > reset_gap_ns(s)) {
        flt_reset(&s->flt);
    }
    s->last_seen_mono = mono;
    double dev = x - expected_offset(d, s, mono);
    bool started, ended;
    enum sel_verdict v = sel_jump_check(&s->jump, mono, dev, d->p.maxjump_s,
                                        d->p.jumppersist_s, &started, &ended);
    if (v != SEL_PASS && s->jump_approved) {
        v = SEL_FOLLOW;
        s->jump.since_ns = 0;
        started = false;
    }
    if (started) {
        s->counters[DRV_CNT_JUMP]++;
        log_warnx("%s: reference jumped by %+.6f s against the clock; not followed unless it "
                  "persists %.0f s", s->cfg.name, -dev, d->p.jumppersist_s);
    }
    if (ended) {
        log_info("%s: agrees again after a jump that did not persist", s->cfg.name);
    }
    if (v == SEL_HOLD) {
        s->jump_suspect = true;
        return RC_VERDICT_JUMP;
    }
    s->jump_suspect = false;
    s->jump_approved = false;
    if (v == SEL_FOLLOW) {
        follow_jump(d, idx, dev);
    }
    double u = x - servo_frame(&d->servo, mono);
    enum flt_result r = flt_add(&s->flt, mono, u);
    if (r == FLT_OUTLIER) {
        s->counters[DRV_CNT_OUTLIER]++;
        return RC_VERDICT_OUTLIER;
    }
    if (r == FLT_SHIFTED) {
        log_info("%s: offset level moved to %+.6f s; re-qualifying", s->cfg.name, x);
        s->consecutive = 0;
        if (is_lead(d, s) && d->phase_reset_src != idx) {
            d->phase_reset_src = idx;
            d->phase_reset_step = false;
        }
    }
    s->samples++;
    s->consecutive++;
    s->last_accept_mono = mono;
    s->offset_s = x;
    s->got_tick = true;
    pend(s, mono, x, s->next_extra_var);
    s->next_extra_var = 0;
    return r == FLT_SHIFTED ? RC_VERDICT_SHIFT : RC_VERDICT_OK;
}

/* A coarse sample against the pulses locked to it: how late the sentence is, i.e. the
 * `offset` the coarse source should have (shown by gpsntpctl sources). */
static void measure_latency(struct dsc *d, int idx, int64_t mono, double x)
{
    struct dsc_src *c = &d->src[idx];
    for (int i = 0; i < d->n_src; i++) {
        struct dsc_src *p = &d->src[i];
        double xp;
        if (p->cfg.lock != idx || p->consecutive < SEL_CONSISTENT_N || p->jump_suspect ||
            mono - p->last_accept_mono > 2 * NT_NS_PER_S || !carried_offset(d, p, mono, &xp)) {
            continue;
        }
        double lat = x + c->cfg.offset_s - xp;
        int n = c->latency_n < LATENCY_AVG_N ? ++c->latency_n : LATENCY_AVG_N;
        c->latency_s = n == 1 ? lat : c->latency_s + (lat - c->latency_s) / n;
        return;
    }
}

void dsc_sample(struct dsc *d, int idx, int64_t mono_ns, int64_t local_ns, int64_t ref_ns,
                enum clk_leap leap)
{
    struct dsc_src *s = &d->src[idx];
    double raw = nt_to_s(local_ns - ref_ns);
    if (near_leap(d, ref_ns) || near_leap(d, local_ns)) {
        /* the receiver's 23:59:60 is not a one-second offset */
        report(d, s, mono_ns, local_ns, raw, NAN, RC_VERDICT_LEAP);
        return;
    }
    s->leap = leap;
    s->leap_midnight = leap != CLK_LEAP_NONE ? nt_next_midnight(ref_ns) : 0;
    s->last_data_mono = mono_ns;
    double x = nt_to_s(local_ns - nt_from_s(s->cfg.offset_s) - ref_ns);
    enum rc_verdict v = accept(d, idx, mono_ns, x);
    if (accepted(v)) {
        measure_latency(d, idx, mono_ns, x);
    }
    report(d, s, mono_ns, local_ns, raw, x, v);
}

static void ntp_sample(struct dsc *d, int idx, int64_t mono_ns, const struct drv_ntp_sample *m);

void dsc_ntp_sample(struct dsc *d, int idx, int64_t mono_ns, const struct drv_ntp_sample *m)
{
    d->ntp_in = m;
    ntp_sample(d, idx, mono_ns, m);
    d->ntp_in = NULL;
}

static void ntp_sample(struct dsc *d, int idx, int64_t mono_ns, const struct drv_ntp_sample *m)
{
    struct dsc_src *s = &d->src[idx];
    int64_t ref_ns = m->local_ns - m->offset_ns;
    s->stratum = m->stratum;
    s->loop = m->loop;
    s->interval_ns = m->interval_ns > 0 ? m->interval_ns : NT_NS_PER_S;
    if (near_leap(d, ref_ns) || near_leap(d, m->local_ns)) {
        report(d, s, mono_ns, m->local_ns, nt_to_s(m->offset_ns), NAN, RC_VERDICT_LEAP);
        return;
    }
    s->leap = m->leap;
    s->leap_midnight = m->leap != CLK_LEAP_NONE ? nt_next_midnight(ref_ns) : 0;
    s->last_data_mono = mono_ns;
    double x = nt_to_s(m->offset_ns) - s->cfg.offset_s;
    /* Queueing delay beyond the best exchange's may sit on either leg: up to half of it is
     * offset error, so the servo weighs the sample by it (chrony weighs by delay likewise). */
    s->next_extra_var = m->excess_delay_s * m->excess_delay_s / 4;
    enum rc_verdict v = accept(d, idx, mono_ns, x);
    s->next_extra_var = 0;
    if (accepted(v)) {
        s->root_delay_s = m->root_delay_s;
        s->root_disp_s = m->root_disp_s;
        s->ntp_jitter_s = m->jitter_s;
        s->ntp_mono = mono_ns;
        s->addr_refid = m->addr_refid;
    }
    report(d, s, mono_ns, m->local_ns, nt_to_s(m->offset_ns), x, v);
}

void dsc_no_fix(struct dsc *d, int idx, int64_t mono_ns)
{
    struct dsc_src *s = &d->src[idx];
    s->last_nofix_mono = mono_ns;
    if (s->cfg.ntp) {
        /* An NTP source that says it is unsynchronized has no time to give from now on, not
         * after 8 polls of silence. */
        s->last_accept_mono = 0;
        s->consecutive = 0;
    }
}

void dsc_pulse(struct dsc *d, int idx, int64_t mono_ns, int64_t local_ns)
{
    struct dsc_src *s = &d->src[idx];
    s->last_pulse_mono = mono_ns;
    if (near_leap(d, local_ns)) {
        report(d, s, mono_ns, local_ns, second_fraction(local_ns), NAN, RC_VERDICT_LEAP);
        return;
    }
    struct ppl_coarse co = {0};
    const struct ppl_coarse *cp = NULL;
    if (s->cfg.lock >= 0) {
        struct dsc_src *c = &d->src[s->cfg.lock];
        bool nofix = c->last_nofix_mono != 0 && c->last_nofix_mono >= c->last_data_mono &&
                     mono_ns - c->last_nofix_mono < NOFIX_HOLD_NS;
        bool recent = c->last_data_mono != 0 &&
                      llabs(mono_ns - c->last_data_mono) <= PPL_MAX_LOCK_AGE_NS;
        cp = &co;
        if (nofix) {
            co.valid = false;
        } else if (recent) {
            co.valid = carried_offset(d, c, mono_ns, &co.offset_s);
            co.disp_s = isfinite(flt_jitter(&c->flt)) ? flt_jitter(&c->flt) : 0;
            if (s->lock_lost_logged) {
                log_info("%s: %s is back: pulses take their second from it again", s->cfg.name,
                         c->cfg.name);
                s->lock_lost_logged = false;
            }
        } else {
            /* The lock source is silent (not "no fix": gone). As chrony without a lock,
             * the disciplined clock names the second while it is known to be right. */
            cp = NULL;
            if (!s->lock_lost_logged && c->last_data_mono != 0) {
                log_warnx("%s: %s is silent: pulses take their second from the clock",
                          s->cfg.name, c->cfg.name);
                s->lock_lost_logged = true;
            }
        }
    }
    bool real_ref = d->out.mode == RST_TRACKING || d->out.mode == RST_HOLDOVER;
    struct ppl_clock ck = {.synced = real_ref, .distance_s = rst_distance(&d->out.st, local_ns)};
    double x;
    enum ppl_result r = ppl_pulse(&s->ppl, local_ns, mono_ns, cp, &ck, &x);
    if (r != PPL_OK) {
        s->counters[DRV_CNT_PULSE_REJECTED]++;
        log_debug("%s: pulse rejected: %s", s->cfg.name, ppl_result_name(r));
        static const enum rc_verdict verdict[] = {
            [PPL_BAD_INTERVAL] = RC_VERDICT_BAD_INTERVAL, [PPL_NO_SECOND] = RC_VERDICT_NO_SECOND,
            [PPL_AMBIGUOUS] = RC_VERDICT_AMBIGUOUS, [PPL_WRONG_EDGE] = RC_VERDICT_WRONG_EDGE,
            [PPL_NOT_SYNCED] = RC_VERDICT_NOT_SYNCED};
        report(d, s, mono_ns, local_ns, second_fraction(local_ns), NAN, verdict[r]);
        return;
    }
    s->last_data_mono = mono_ns;
    enum rc_verdict v = accept(d, idx, mono_ns, x);
    report(d, s, mono_ns, local_ns, x + s->cfg.offset_s, x, v);
}

void dsc_request_makestep(struct dsc *d)
{
    servo_request_step(&d->servo);
}

/* The servo weighs a source by the noise its samples show (the filter's jitter), never by the
 * configured `precision`: that is an error bound for the root dispersion (a calibration the
 * samples cannot reveal), and as a noise floor it would only slow a good source's loop (a
 * 1 ms floor on a 1 us SHM source gave a 1000 s time constant and 13 us of error). */
static double measurement_var(const struct dsc_src *s)
{
    double j = flt_jitter(&s->flt);
    if (!isfinite(j)) {
        j = s->cfg.pps ? UNKNOWN_JITTER_PULSE : UNKNOWN_JITTER_COARSE;
    }
    return j * j;
}

/* The leap to announce now: the table's when it is loaded and current, else what the
 * leading receiver (or, for a pulse, its lock source) says; none once it has happened. */
static void update_leap(struct dsc *d, int64_t mono, int64_t real)
{
    int64_t midnight = nt_next_midnight(real);
    enum clk_leap leap = CLK_LEAP_NONE;
    if (d->p.leaps != NULL && d->p.leaps->n > 0 && !leap_expired(d->p.leaps, real)) {
        leap = leap_due(d->p.leaps, real);
    } else {
        int lead = d->selected >= 0 ? d->selected : d->last_selected;
        if (lead >= 0 && d->src[lead].cfg.lock >= 0) {
            lead = d->src[lead].cfg.lock;
        }
        if (lead >= 0 && d->src[lead].leap != CLK_LEAP_NONE &&
            d->src[lead].leap_midnight == midnight) {
            leap = d->src[lead].leap;
        }
    }
    if (midnight == d->leap_done_midnight) {
        leap = CLK_LEAP_NONE; /* the repeated 23:59:59 still reads "today" */
    }
    if (leap != CLK_LEAP_NONE && (d->leap_state != leap || d->leap_midnight != midnight)) {
        int64_t at = leap == CLK_LEAP_INSERT ? midnight : midnight - NT_NS_PER_S;
        d->leap_midnight = midnight;
        d->leap_mono = mono + (at - real);
        char when[32];
        nt_format_iso_ms(midnight, when, sizeof(when));
        log_info("leap second %s announced for the end of the day (%s)",
                 leap == CLK_LEAP_INSERT ? "insertion" : "deletion", when);
    }
    if (leap != CLK_LEAP_NONE && mono >= d->leap_mono) {
        d->leap_done_midnight = d->leap_midnight;
        leap = CLK_LEAP_NONE;
    }
    d->leap_state = leap;
}

static void publish(struct dsc *d, int64_t mono, int64_t real)
{
    int lead = d->last_selected;
    const struct dsc_src *ls = lead >= 0 ? &d->src[lead] : NULL;
    struct rst_input in = {
        .ever_synced = d->ever_synced,
        .leading = d->selected >= 0 && d->ever_synced,
        .refid = ls == NULL ? 0 : ls->cfg.ntp ? ls->addr_refid : ls->cfg.refid,
        .stratum = ls != NULL && ls->cfg.ntp ? ls->stratum + 1 : 1,
        .root_delay_s = ls == NULL ? 0 : ls->cfg.ntp ? ls->root_delay_s : ls->cfg.delay_s,
        /* What the servo knows but has not slewed away yet is error too (chrony counts its
         * remaining correction likewise); and with two disagreeing voters, the distance to
         * the other one. */
        .disp_at_update_s = d->disp_at_update_s +
                            (d->ever_synced ? fabs(servo_offset_s(&d->servo, mono)) : 0),
        .widen_s = d->selected >= 0 ? d->disagree_s : 0,
        .update_real_ns = d->update_real,
        .update_mono_ns = d->update_mono,
        .skew_ppm = servo_skew_ppm(&d->servo),
        .leap = d->leap_state,
        .now_mono_ns = mono,
        .now_real_ns = real,
        .maxholdover_s = d->p.maxholdover_s,
        .local_stratum = d->p.local_stratum,
        .has_references = d->n_src > 0,
        .precision = d->p.precision,
    };
    struct rst_output prev = d->out;
    rst_compute(&in, &d->out);
    rst_publish(&d->out.st);
    if (d->out.mode != prev.mode && d->ticks > 1) {
        log_info("reference state: %s (stratum %d)", rst_mode_name(d->out.mode),
                 d->out.st.stratum);
    }
    /* Tell the clock (and so the kernel) every 16 s, or at once when something changes. */
    if (!d->status_sent || d->out.cs.synced != prev.cs.synced || d->out.cs.leap != prev.cs.leap ||
        d->ticks % STATUS_EVERY_TICKS == 0) {
        if (d->clk->ops->set_status(d->clk, &d->out.cs) < 0) {
            log_warnx("cannot set the clock's synchronization status");
        }
        d->status_sent = true;
    }
}

/* At start-up, a coarse source would make the first update (and the makestep step) with its
 * milliseconds of noise, and the pulses locked to it would then have to slew the rest away at
 * 500 ppm. While pulses are arriving for a source that can name their seconds, wait a few
 * seconds for them instead: the first step is then right to the microsecond. */
static bool startup_wait(const struct dsc *d, int sel, int64_t mono)
{
    if (d->ever_synced || d->src[sel].cfg.pps || mono - d->start_mono > STARTUP_WAIT_NS) {
        return false;
    }
    for (int i = 0; i < d->n_src; i++) {
        const struct dsc_src *p = &d->src[i];
        if (p->cfg.pps && p->cfg.lock >= 0 && !p->cfg.noselect && p->last_pulse_mono != 0 &&
            mono - p->last_pulse_mono < 2 * NT_NS_PER_S) {
            return true;
        }
    }
    return false;
}

/* A source's error bound now (its correctness interval's half width), from what it says of
 * itself and what its samples show: an NTP source's root distance plus its jitter; a
 * refclock's `delay`/2 and `precision` plus its jitter. Its offset is carried from its last
 * sample to now on our frequency estimate, so the bound grows with that age at the frequency's
 * uncertainty (the skew; 500 ppm while nothing is known): NTP samples are a poll apart, and a
 * young frequency estimate must not make a good source look like a liar. */
static double src_distance(const struct dsc *d, const struct dsc_src *s, int64_t mono)
{
    double j = flt_jitter(&s->flt);
    if (!isfinite(j)) {
        j = s->cfg.pps ? UNKNOWN_JITTER_PULSE : s->cfg.ntp ? s->ntp_jitter_s : UNKNOWN_JITTER_COARSE;
    }
    double skew = d->servo.have_f ? servo_skew_ppm(&d->servo) * 1e-6 : CLK_MAX_FREQ_PPM * 1e-6;
    double rate = fmax(RST_MIN_DISP_RATE, isfinite(skew) ? skew : CLK_MAX_FREQ_PPM * 1e-6);
    double age = fmax(nt_to_s(mono - flt_newest_ns(&s->flt)), 0);
    if (s->cfg.ntp) {
        return s->root_delay_s / 2 + s->root_disp_s + rate * age + fmax(j, s->ntp_jitter_s);
    }
    return s->cfg.delay_s / 2 + s->cfg.precision_s + j + rate * age;
}

/* A pulse source locked to coarse source i and usable: the receiver votes once, with it. */
static int pulse_of(const struct dsc *d, int i, const bool *usable)
{
    for (int p = 0; p < d->n_src; p++) {
        if (usable[p] && d->src[p].cfg.pps && d->src[p].cfg.lock == i) {
            return p;
        }
    }
    return -1;
}

/* An NTP source that missed its last two polls (a server that stopped) gives way to one that
 * answers, before its 8 polls of reachability run out. */
static bool ntp_stale(const struct dsc_src *s, int64_t mono)
{
    return mono - s->last_accept_mono > 2 * s->interval_ns + NT_NS_PER_S;
}

/* The NTP source to follow when no reference clock can lead: `prefer` first, then the lowest
 * stratum, then the smallest error bound; the current one is kept unless another is clearly
 * better. A new one is taken only when its bound beats what our own clock can claim
 * (the holdover's growing distance): between appliances, the one that lost the sky last has
 * the smaller bound, so one leads and the other follows, never both ways. */
static int choose_ntp(const struct dsc *d, const bool *ok, const double *dist, int64_t mono,
                      int64_t real, bool voted_out)
{
    bool any_fresh = false;
    for (int i = 0; i < d->n_src; i++) {
        any_fresh |= ok[i] && d->src[i].cfg.ntp && !ntp_stale(&d->src[i], mono);
    }
    int best = -1;
    for (int i = 0; i < d->n_src; i++) {
        const struct dsc_src *s = &d->src[i];
        if (!ok[i] || !s->cfg.ntp || (any_fresh && ntp_stale(s, mono))) {
            continue;
        }
        const struct dsc_src *b = best >= 0 ? &d->src[best] : NULL;
        if (b == NULL || s->cfg.prefer > b->cfg.prefer ||
            (s->cfg.prefer == b->cfg.prefer &&
             (s->stratum < b->stratum || (s->stratum == b->stratum && dist[i] < dist[best])))) {
            best = i;
        }
    }
    /* The current one is kept among equals unless another is clearly better: half its bound
     * and by more than RESELECT_DIST_S (chrony's reselectdist); bounds breathe with every
     * sample, and two alike servers must not take turns (found by test_ntp_failover under
     * ASan, and on the fleet bench: FLAPPING). */
    int cur = d->selected;
    if (best >= 0 && cur >= 0 && cur != best && ok[cur] && d->src[cur].cfg.ntp &&
        !(any_fresh && ntp_stale(&d->src[cur], mono)) &&
        d->src[cur].cfg.prefer == d->src[best].cfg.prefer &&
        d->src[cur].stratum == d->src[best].stratum &&
        !(dist[best] < 0.5 * dist[cur] && dist[best] + RESELECT_DIST_S < dist[cur])) {
        return cur;
    }
    /* Not when a reference clock was voted out: the clock followed a liar, and its own claim
     * is worth nothing. */
    if (best >= 0 && best != cur && d->ever_synced && !voted_out &&
        (d->out.mode == RST_TRACKING || d->out.mode == RST_HOLDOVER) &&
        (cur < 0 || !d->src[cur].cfg.ntp) && !(dist[best] < rst_distance(&d->out.st, real))) {
        return -1; /* our own holdover is still the better claim */
    }
    return best;
}

static enum rc_select standing(const struct dsc_src *s, bool usable, bool truechimer,
                               bool leads)
{
    if (s->cfg.noselect) {
        return RC_SEL_NOSELECT;
    }
    if (s->jump_suspect) {
        return RC_SEL_JUMP;
    }
    if (s->cfg.ntp && s->loop) {
        return RC_SEL_LOOP;
    }
    if (!usable) {
        return RC_SEL_UNUSABLE;
    }
    return !truechimer ? RC_SEL_FALSETICKER : leads ? RC_SEL_SELECTED : RC_SEL_CANDIDATE;
}

/* Each source's reach, freshness and standing; the vote; the leader. */
static int select_source(struct dsc *d, int64_t mono, int64_t real)
{
    struct sel_cand cand[DSC_MAX_SRC];
    bool usable[DSC_MAX_SRC], truech[DSC_MAX_SRC];
    double off[DSC_MAX_SRC], dist[DSC_MAX_SRC];
    for (int i = 0; i < d->n_src; i++) {
        struct dsc_src *s = &d->src[i];
        s->reach = (uint8_t)(s->reach << 1 | (s->got_tick ? 1 : 0));
        s->got_tick = false;
        bool fresh = s->last_accept_mono != 0 && mono - s->last_accept_mono <= lost_ns(s);
        if (!fresh) {
            s->consecutive = 0;
        }
        cand[i] = (struct sel_cand){.pulse = s->cfg.pps,
                                    .prefer = s->cfg.prefer,
                                    .noselect = s->cfg.noselect,
                                    .fresh = fresh,
                                    .suspect = s->jump_suspect,
                                    .consecutive = s->consecutive,
                                    .need = s->cfg.ntp ? NTP_CONSISTENT_N : 0,
                                    .jitter_s = flt_jitter(&s->flt)};
        usable[i] = sel_usable(&cand[i]) && !(s->cfg.ntp && (s->loop || s->stratum >= 15)) &&
                    carried_offset(d, s, mono, &off[i]);
        dist[i] = usable[i] ? src_distance(d, s, mono) : NAN;
        truech[i] = usable[i];
    }

    /* The vote: every usable source once (a receiver's NMEA and PPS are one voter), but not
     * the ones voted out before: they are judged against the others' majority. Were they to
     * vote, a liar's own narrow interval inside the others' wide ones would be the majority's
     * whole stretch, and "agreeing with it" would mean agreeing with itself (the judge saw a
     * ramping spoofer readmitted 11 to 15 times). */
    struct vote_cand vc[VOTE_MAX] = {{0}};
    int who[VOTE_MAX] = {0}, nv = 0;
    bool quarantined = false;
    for (int i = 0; i < d->n_src && nv < VOTE_MAX; i++) {
        if (usable[i] && pulse_of(d, i, usable) < 0) {
            if (d->src[i].voted_out) {
                quarantined = true;
                continue;
            }
            vc[nv] = (struct vote_cand){.offset_s = off[i], .dist_s = dist[i]};
            who[nv++] = i;
        }
    }
    bool tc[VOTE_MAX];
    struct vote_result vr;
    vote_intersect(vc, nv, tc, &vr);
    bool no_majority = nv >= 2 && !vr.majority;
    if (vr.majority) {
        for (int k = 0; k < nv; k++) {
            truech[who[k]] = tc[k];
            if (!tc[k]) {
                d->src[who[k]].voted_out = true;
                d->src[who[k]].agree_n = 0;
            }
        }
    }
    /* A source voted out is believed again after a minute in the middle half of the others'
     * majority stretch, not just touching it: a liar drifting away sits at the edge for a long
     * time. With nobody left to outvote it, it is believed (nothing better is known). */
    for (int i = 0; quarantined && i < d->n_src; i++) {
        struct dsc_src *s = &d->src[i];
        if (!usable[i] || !s->voted_out || pulse_of(d, i, usable) >= 0) {
            continue;
        }
        double q = (vr.hi_s - vr.lo_s) / 4;
        bool inside = vr.majority && off[i] >= vr.lo_s + q && off[i] <= vr.hi_s - q;
        if (nv == 0) {
            s->voted_out = false;
        } else if (!inside) {
            s->agree_n = 0;
            truech[i] = false;
        } else if (++s->agree_n < DSC_AGREE_S) {
            truech[i] = false;
        } else {
            s->voted_out = false;
        }
    }
    /* A receiver's coarse source shares its pulse's verdict. */
    for (int i = 0; i < d->n_src; i++) {
        int p = usable[i] ? pulse_of(d, i, usable) : -1;
        if (p >= 0) {
            truech[i] = truech[p];
            d->src[i].voted_out = d->src[p].voted_out;
        }
    }

    /* A truechimer reference clock leads; else an NTP source, never without a majority. */
    struct sel_cand refc[DSC_MAX_SRC];
    bool ok[DSC_MAX_SRC];
    for (int i = 0; i < d->n_src; i++) {
        ok[i] = usable[i] && truech[i];
        refc[i] = cand[i];
        refc[i].noselect = !ok[i] || d->src[i].cfg.ntp;
    }
    int cur = d->selected >= 0 && !d->src[d->selected].cfg.ntp ? d->selected : -1;
    int sel = sel_choose(refc, d->n_src, cur);
    bool voted_out = false;
    for (int i = 0; i < d->n_src; i++) {
        voted_out |= usable[i] && !truech[i] && !d->src[i].cfg.ntp;
    }
    if (sel < 0 && !no_majority) {
        sel = choose_ntp(d, ok, dist, mono, real, voted_out);
    }
    if (sel >= 0 && startup_wait(d, sel, mono)) {
        sel = -1;
    }
    if (sel >= 0 && sel != d->selected && voted_out) {
        /* The clock followed a liar: the phase is as uncertain as the new leader says it is
         * off (plus its bound), the frequency by what a spoofer's drag can be; the leader's
         * measurements then correct both at the pace their own noise allows. */
        servo_doubt(&d->servo, fabs(off[sel]) + dist[sel], VOTED_OUT_DOUBT_PPM);
    }

    /* Two voters that disagree cannot outvote each other: the receiver keeps leading, but
     * what we serve claims an error bound that reaches the other's interval. */
    d->disagree_s = 0;
    if (no_majority && sel >= 0) {
        for (int k = 0; k < nv; k++) {
            int j = who[k];
            double miss = fabs(off[sel] - off[j]) + dist[j] - dist[sel];
            if (j != sel && miss > d->disagree_s) {
                d->disagree_s = miss;
            }
        }
    }
    if (no_majority != d->no_majority) {
        if (no_majority) {
            log_warnx("no majority: the references disagree beyond their error bounds (%.6f s "
                      "apart); %s", d->disagree_s,
                      sel >= 0 ? "the receiver keeps leading with a widened error bound"
                               : "none is followed");
        } else {
            log_info("the references agree again");
        }
        d->no_majority = no_majority;
    }
    for (int i = 0; i < d->n_src; i++) {
        struct dsc_src *s = &d->src[i];
        enum rc_select st = standing(s, usable[i], truech[i], i == sel);
        if (st == RC_SEL_FALSETICKER && s->select != RC_SEL_FALSETICKER) {
            log_warnx("%s: falseticker: %+.6f s +- %.6f s lies outside the majority's "
                      "interval [%+.6f, %+.6f] s", s->cfg.name, off[i], dist[i], vr.lo_s,
                      vr.hi_s);
        } else if (s->select == RC_SEL_FALSETICKER && st != RC_SEL_FALSETICKER &&
                   st != RC_SEL_UNUSABLE) {
            log_info("%s: agrees with the majority again", s->cfg.name);
        }
        s->select = st;
    }
    if (sel != d->selected && sel >= 0) {
        log_info("%s: selected", d->src[sel].cfg.name);
    }
    return sel;
}

/* Keep the free-running offset small: move whole seconds into the frame (servo_rebase),
 * and the filters' stored offsets with them. */
static void rebase_whole_seconds(struct dsc *d)
{
    if (fabs(d->servo.u_s) >= 1.0) {
        double k = trunc(d->servo.u_s);
        servo_rebase(&d->servo, k);
        for (int i = 0; i < d->n_src; i++) {
            flt_shift(&d->src[i].flt, -k);
        }
    }
}

/* The selected source's pending samples go to the servo, which corrects the clock. Returns
 * the clock's time at mono after that correction (a step moves it). */
static int64_t discipline(struct dsc *d, int sel, int64_t mono, int64_t real)
{
    struct dsc_src *s = &d->src[sel];
    double var = measurement_var(s);
    if (d->phase_reset_src == sel && s->pend_n > 0) {
        /* The leader's level moved on purpose: its new samples set the phase afresh
         * (another source leading meanwhile must not), and a followed jump is stepped. */
        servo_forget_phase(&d->servo);
        if (d->phase_reset_step) {
            servo_request_step(&d->servo);
        }
        d->phase_reset_src = -1;
        d->phase_reset_step = false;
    }
    for (int k = 0; k < s->pend_n; k++) {
        servo_measure(&d->servo, s->pend_t[k], s->pend_x[k], var + s->pend_v[k]);
    }
    enum servo_action a = servo_update(&d->servo, mono);
    rebase_whole_seconds(d);
    if (s->pend_n == 0) {
        return real;
    }
    if (a == SERVO_STEP) {
        real += d->servo.last_step_ns;
    }
    d->update_mono = mono;
    d->update_real = real;
    d->ever_synced = true;
    d->last_selected = sel;
    /* An NTP source's own root dispersion (grown since its sample) stands where a refclock's
     * configured precision does. */
    double own = s->cfg.ntp ? s->root_disp_s + RST_MIN_DISP_RATE * fmax(nt_to_s(mono - s->ntp_mono), 0)
                            : s->cfg.precision_s;
    /* The phase's variance carried from the filter's newest measurement to now: right after
     * start-up the frequency is barely known, and a pulse 0.6 s old on a 41 ppm crystal is
     * already 25 us off what the last measurement said. */
    const struct servo *sv = &d->servo;
    double dt = fmax(nt_to_s(mono - sv->t_ns), 0);
    double p11_now = sv->p11 + dt * (2 * sv->p12 + dt * sv->p22);
    d->disp_at_update_s = ldexp(1.0, d->p.precision) + own + sqrt(var) +
                          sqrt(fmax(p11_now, 0));
    if (d->holdover) {
        log_info("%s: reference back, holdover ends", s->cfg.name);
    }
    d->holdover = false;
    return real;
}

static void hold_over(struct dsc *d, int64_t mono)
{
    servo_holdover(&d->servo, mono);
    if (d->ever_synced && !d->holdover) {
        d->holdover = true;
        log_warnx("no usable reference: holdover on the last frequency (%+.3f ppm)",
                  servo_freq_ppm(&d->servo));
    }
}

void dsc_tick(struct dsc *d, int64_t mono, int64_t real)
{
    d->ticks++;
    d->selected = select_source(d, mono, real);
    if (d->selected >= 0) {
        real = discipline(d, d->selected, mono, real);
    } else {
        hold_over(d, mono);
    }
    for (int i = 0; i < d->n_src; i++) {
        d->src[i].pend_n = 0;
    }
    update_leap(d, mono, real);
    publish(d, mono, real);
}

enum rst_mode dsc_mode(const struct dsc *d)
{
    return d->out.mode;
}

void dsc_get_tracking(const struct dsc *d, int64_t mono, int64_t real, struct rc_tracking *t)
{
    memset(t, 0, sizeof(*t));
    const struct rst_state *st = &d->out.st;
    t->refid = st->synced ? st->refid : 0;
    t->stratum = st->synced ? st->stratum : 16;
    t->synced = st->synced;
    t->holdover = d->out.mode == RST_HOLDOVER;
    t->ref_time_ns = st->ref_time_ns;
    if ((d->out.mode == RST_TRACKING || d->out.mode == RST_HOLDOVER) && d->last_selected >= 0) {
        snprintf(t->refname, sizeof(t->refname), "%s", d->src[d->last_selected].cfg.name);
    }
    t->system_offset_s = servo_offset_s(&d->servo, mono);
    t->last_offset_s = d->servo.last_offset_s;
    t->rms_offset_s = d->servo.rms_offset_s;
    t->freq_ppm = d->servo.have_f ? servo_freq_ppm(&d->servo) : NAN;
    t->resid_freq_ppm = d->servo.resid_ppm;
    t->skew_ppm = d->servo.have_f ? servo_skew_ppm(&d->servo) : NAN;
    t->root_delay_s = st->root_delay_s;
    t->root_disp_s = st->synced ? rst_distance(st, real) - st->root_delay_s / 2 : NAN;
    t->update_interval_s = d->servo.update_interval_s;
    t->leap = st->synced ? (int)st->leap : RST_LEAP_ALARM;
    t->no_majority = d->no_majority;
}

void dsc_get_source(const struct dsc *d, int idx, int64_t mono, struct rc_src_status *out)
{
    const struct dsc_src *s = &d->src[idx];
    out->selected = idx == d->selected;
    out->noselect = s->cfg.noselect;
    out->prefer = s->cfg.prefer;
    out->jump_suspect = s->jump_suspect;
    out->reach = s->reach;
    out->samples = s->samples;
    out->last_sample_age_ns = s->last_accept_mono ? mono - s->last_accept_mono : -1;
    out->offset_s = s->offset_s;
    out->jitter_s = flt_jitter(&s->flt);
    out->latency_s = s->latency_s;
    out->pulses = s->cfg.pps;
    double x;
    out->est_offset_s = carried_offset(d, s, mono, &x) ? x : NAN;
    out->window = flt_count(&s->flt);
    out->runs = flt_runs(&s->flt);
    out->select = s->select;
    out->stratum = s->cfg.ntp ? s->stratum : 0;
    bool bounded = s->select == RC_SEL_SELECTED || s->select == RC_SEL_CANDIDATE ||
                   s->select == RC_SEL_FALSETICKER;
    out->root_distance_s = bounded ? src_distance(d, s, mono) : NAN;
    for (int c = 0; c < DRV_CNT__COUNT; c++) {
        out->counters[c] += s->counters[c];
    }
}

bool dsc_drift(const struct dsc *d, double *freq_ppm, double *skew_ppm)
{
    if (!d->ever_synced || !d->servo.have_f || !(servo_skew_ppm(&d->servo) < 10)) {
        return false;
    }
    *freq_ppm = servo_freq_ppm(&d->servo);
    *skew_ppm = servo_skew_ppm(&d->servo);
    return true;
}
