/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evdetect: see evdetect.h. Each watched value is reduced to a small integer (the server's
 * mode, the index of the leading source, a source's reduced state, ...) and goes through the
 * same gate, var_due(), which holds it back while it flaps; an emitter per value turns a
 * reported change into one or two events. Sources are taken in their configured order, which
 * does not change while the daemon runs, so a source is its index.
 *
 * Order within one update: sources first, then the reference, then the server's state, so a
 * pulled receiver reads DEVICE_LOST, REF_LOST, HOLDOVER and its return RECONNECT,
 * REF_SELECTED.
 */
#include "daemon/evdetect.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/ntime.h"
#include "refclock/refstate.h"

/* A source with no accepted sample for this long no longer counts as usable (the discipline
 * drops it after DSC_LOST_S, 5 s). */
#define STALE_NS (5 * NT_NS_PER_S)

enum mode { M_UNSYNC = 0, M_TRACKING, M_HOLDOVER, M_LOCAL };
enum src_state { S_GOOD = 0, S_NO_FIX, S_NO_DATA, S_LOST };

/* Where an update writes its events. */
struct out {
    struct event *ev;
    size_t n, max;
    uint64_t *dropped;
    const struct evd_snapshot *snap;
    int64_t real_ns;
};

static struct event *emit(struct out *o, enum event_tag tag, enum event_severity sev,
                          const char *source, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static struct event *emit(struct out *o, enum event_tag tag, enum event_severity sev,
                          const char *source, const char *fmt, ...)
{
    if (o->n == o->max) {
        (*o->dropped)++;
        return NULL;
    }
    struct event *e = &o->ev[o->n++];
    memset(e, 0, sizeof(*e));
    e->time_ns = o->real_ns;
    e->tag = tag;
    e->severity = sev;
    snprintf(e->source, sizeof(e->source), "%s", source);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    e->stratum = o->snap->trk.stratum;
    snprintf(e->reference, sizeof(e->reference), "%s", o->snap->trk.refname);
    return e;
}

static int mode_of(const struct rc_tracking *t)
{
    if (!t->synced) {
        return M_UNSYNC;
    }
    if (t->holdover) {
        return M_HOLDOVER;
    }
    return t->refname[0] != '\0' ? M_TRACKING : M_LOCAL;
}

static int state_of(const struct rc_src_status *s)
{
    switch (s->state) {
    case DRV_STATE_RECONNECTING: return S_LOST;
    case DRV_STATE_DENIED: return S_LOST;
    case DRV_STATE_NO_DATA: return S_NO_DATA;
    case DRV_STATE_NO_FIX: return S_NO_FIX;
    default: return S_GOOD; /* OK, and a device opened a moment ago (OPEN) */
    }
}

static int index_of(const struct evd_snapshot *snap, const char *name)
{
    for (size_t i = 0; i < snap->n_src; i++) {
        if (name[0] != '\0' && strcmp(snap->src[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Why a source cannot lead, or NULL when nothing visible stops it. */
static const char *unusable(const struct rc_src_status *s)
{
    switch (s->state) {
    case DRV_STATE_RECONNECTING: return "device lost";
    case DRV_STATE_DENIED: return "refused by the server (kiss-o'-death)";
    case DRV_STATE_NO_DATA: return s->pulses ? "no pulses" : "no data";
    case DRV_STATE_NO_FIX: return "no fix";
    default: break;
    }
    if (s->jump_suspect) {
        return "held off by the jump guard";
    }
    if (s->last_sample_age_ns < 0 || s->last_sample_age_ns > STALE_NS) {
        return "no accepted samples";
    }
    return NULL;
}

static const char *mode_text(const struct rc_tracking *t, char *buf, size_t len)
{
    switch (mode_of(t)) {
    case M_HOLDOVER: snprintf(buf, len, "holdover at stratum %d", t->stratum); break;
    case M_LOCAL: snprintf(buf, len, "serving the local clock at stratum %d", t->stratum); break;
    case M_UNSYNC: snprintf(buf, len, "unsynchronized"); break;
    default: snprintf(buf, len, "stratum %d", t->stratum); break;
    }
    return buf;
}

/* --- the gate ----------------------------------------------------------------------------- */

static void var_init(struct evd_var *v, int value)
{
    memset(v, 0, sizeof(*v));
    v->reported = v->seen = value;
}

/* Whether the value `now` is to be reported: it differs from what was reported and the value
 * has budget left. Out of budget, each change is counted and the first gives FLAPPING. */
static bool var_due(struct evd_var *v, int now, int64_t mono, struct out *o, const char *what,
                    const char *source)
{
    bool moved = now != v->seen;
    v->seen = now;
    bool budget = v->n_hist < EVD_FLAP_MAX || mono - v->hist[v->hist_head] >= EVD_FLAP_WINDOW_NS;
    if (budget) {
        if (now == v->reported) {
            /* Back where it was reported: nothing to tell, and the episode is over. */
            v->held = 0;
            v->flapping = false;
        }
        return now != v->reported;
    }
    if (moved) {
        v->held++;
        if (!v->flapping) {
            v->flapping = true;
            emit(o, EVENT_FLAPPING, EVENT_WARNING, source,
                 "%s%s%s changed %d times within %lld s: its changes are held back for up to "
                 "%lld s",
                 source, source[0] != '\0' ? ": " : "", what, EVD_FLAP_MAX,
                 EVD_FLAP_WINDOW_NS / NT_NS_PER_S, EVD_FLAP_WINDOW_NS / NT_NS_PER_S);
        }
    }
    return false;
}

/* The value was reported by the events from first on (none: a change nobody is told of,
 * which costs no budget). */
static void var_commit(struct evd_var *v, int now, int64_t mono, struct out *o, size_t first)
{
    v->reported = now;
    if (o->n == first) {
        return;
    }
    if (v->n_hist < EVD_FLAP_MAX) {
        v->hist[(v->hist_head + v->n_hist) % EVD_FLAP_MAX] = mono;
        v->n_hist++;
    } else {
        v->hist[v->hist_head] = mono;
        v->hist_head = (v->hist_head + 1) % EVD_FLAP_MAX;
    }
    if (v->held > 0) {
        for (size_t i = first; i < o->n; i++) {
            struct event *e = &o->ev[i];
            size_t len = strlen(e->message);
            snprintf(e->message + len, sizeof(e->message) - len,
                     " (%u change%s held back while it flapped)", v->held,
                     v->held == 1 ? "" : "s");
        }
    }
    v->held = 0;
    v->flapping = false;
}

/* --- the emitters: one reported change, its events ----------------------------------------- */

static void emit_state(struct out *o, const struct rc_src_status *s, int old, int now)
{
    if (now == S_LOST) {
        if (s->error[0] != '\0') {
            emit(o, EVENT_DEVICE_LOST, EVENT_WARNING, s->name, "%s: cannot open %s: %s; retrying",
                 s->name, s->param, s->error);
        } else {
            emit(o, EVENT_DEVICE_LOST, EVENT_WARNING, s->name, "%s: device %s lost; reconnecting",
                 s->name, s->param);
        }
        return;
    }
    if (old == S_LOST) {
        emit(o, EVENT_RECONNECT, EVENT_INFO, s->name, "%s: device %s open again", s->name,
             s->param);
    }
    if (now == S_NO_DATA && s->pulses) {
        emit(o, EVENT_PPS_MISSING, EVENT_WARNING, s->name, "%s: no pulses from %s", s->name,
             s->param);
    } else if (now == S_NO_DATA) {
        emit(o, EVENT_NO_DATA, EVENT_WARNING, s->name, "%s: nothing received from %s", s->name,
             s->param);
    } else if (now == S_NO_FIX) {
        emit(o, EVENT_NO_FIX, EVENT_WARNING, s->name,
             s->kind == RC_KIND_REFCLOCK
                 ? "%s: the receiver has no valid fix (antenna, sky view?)"
                 : "%s: the server says it is unsynchronized (leap alarm or stratum 16)",
             s->name);
    } else if (old != S_LOST) {
        emit(o, EVENT_SOURCE_OK, EVENT_INFO, s->name, "%s: valid %s again", s->name,
             s->pulses ? "pulses" : "data");
    }
}

static void emit_jump(struct out *o, const struct rc_src_status *s, int now)
{
    if (now) {
        emit(o, EVENT_JUMP_HELD, EVENT_WARNING, s->name,
             "%s: its time jumped against the clock by more than maxjump: held off until the "
             "jump persists (a receiver fault, or spoofing?)",
             s->name);
    } else {
        emit(o, EVENT_JUMP_CLEARED, EVENT_INFO, s->name,
             "%s: no longer held off by the jump guard", s->name);
    }
}

static void emit_falseticker(struct out *o, const struct rc_src_status *s, int now)
{
    if (now) {
        emit(o, EVENT_FALSETICKER, EVENT_CRITICAL, s->name,
             "%s: falseticker: its time lies outside the interval the majority of the sources "
             "agree on; not followed (a receiver fault, or spoofing?)", s->name);
    } else {
        emit(o, EVENT_TRUECHIMER, EVENT_INFO, s->name,
             "%s: agrees with the majority of the sources again", s->name);
    }
}

static void emit_majority(struct out *o, int none)
{
    if (none) {
        emit(o, EVENT_NO_MAJORITY, EVENT_WARNING, "",
             "the sources disagree beyond their error bounds and none has a majority: a "
             "receiver keeps leading with its served error bound widened to cover the others, "
             "NTP sources alone are not followed (a third source would outvote one)");
    } else {
        emit(o, EVENT_MAJORITY, EVENT_INFO, "", "the sources agree again");
    }
}

static void emit_errors(struct out *o, const struct rc_src_status *s, int now,
                        const uint64_t n[3])
{
    long long window_s = EVD_ERR_WINDOW_NS / NT_NS_PER_S;
    if (now) {
        emit(o, EVENT_NMEA_ERRORS, EVENT_WARNING, s->name,
             "%s: %llu bad sentences in the last %lld s (bad checksum %llu, bad format %llu, "
             "too long %llu)",
             s->name, (unsigned long long)(n[0] + n[1] + n[2]), window_s,
             (unsigned long long)n[0], (unsigned long long)n[1], (unsigned long long)n[2]);
    } else {
        emit(o, EVENT_NMEA_ERRORS_CLEARED, EVENT_INFO, s->name,
             "%s: bad sentences back below %d in %lld s", s->name, EVD_ERR_CLEAR, window_s);
    }
}

/* How a source is named in a message: a receiver by its refid, an NTP source by address. */
static const char *ident(const struct rc_src_status *s, char *buf, size_t len)
{
    snprintf(buf, len, s->kind == RC_KIND_REFCLOCK ? "refid %s" : "%s",
             s->kind == RC_KIND_REFCLOCK ? s->refid : s->param);
    return buf;
}

static void emit_ref(struct out *o, int old, int now)
{
    char id[300];
    const struct evd_snapshot *snap = o->snap;
    if (old < 0 && now >= 0) {
        const struct rc_src_status *n = &snap->src[now];
        emit(o, EVENT_REF_SELECTED, EVENT_INFO, n->name,
             "%s (%s) selected: the clock follows it", n->name, ident(n, id, sizeof(id)));
    } else if (old >= 0 && now >= 0) {
        const struct rc_src_status *p = &snap->src[old], *n = &snap->src[now];
        /* A warning when the old one failed; a better one taking over is news, not trouble. */
        const char *why = unusable(p);
        char because[64] = "";
        if (why != NULL) {
            snprintf(because, sizeof(because), ": %s %s", p->name, why);
        }
        emit(o, EVENT_REF_CHANGED, why != NULL ? EVENT_WARNING : EVENT_INFO, n->name,
             "reference changed from %s to %s (%s)%s", p->name, n->name,
             ident(n, id, sizeof(id)), because);
    } else if (old >= 0) {
        const struct rc_src_status *p = &snap->src[old];
        const char *why = unusable(p);
        char mode[48];
        emit(o, EVENT_REF_LOST, EVENT_CRITICAL, p->name, "%s lost (%s): no usable reference; %s",
             p->name, why != NULL ? why : "not selected", mode_text(&snap->trk, mode, sizeof(mode)));
    }
}

static void emit_mode(struct out *o, int old, int now)
{
    const struct rc_tracking *t = &o->snap->trk;
    if (now == M_HOLDOVER) {
        emit(o, EVENT_HOLDOVER, EVENT_WARNING, "",
             "holdover: no usable reference; serving stratum %d on the last frequency "
             "(%.3f ppm %s), the error bound growing",
             t->stratum, isfinite(t->freq_ppm) ? fabs(t->freq_ppm) : 0.0,
             isfinite(t->freq_ppm) && t->freq_ppm < 0 ? "slow" : "fast");
    } else if (now == M_UNSYNC) {
        emit(o, EVENT_UNSYNC, EVENT_CRITICAL, "", "unsynchronized%s: clients are told stratum 16 "
             "and leap alarm", old == M_HOLDOVER ? " (holdover ended: maxholdover)" : "");
    }
    if (old == M_UNSYNC && now != M_UNSYNC) {
        if (now == M_LOCAL) {
            emit(o, EVENT_SYNC, EVENT_INFO, "",
                 "synchronized to the local clock (local stratum %d): no reference yet",
                 t->stratum);
        } else {
            emit(o, EVENT_SYNC, EVENT_INFO, t->refname, "synchronized: stratum %d, reference %s",
                 t->stratum, t->refname);
        }
    }
}

static void emit_stratum(struct out *o, int old, int now)
{
    if (old == 0 || now == 0) {
        return; /* to or from unsynchronized: UNSYNC and SYNC say it */
    }
    bool local = mode_of(&o->snap->trk) == M_LOCAL;
    emit(o, EVENT_STRATUM, now > old ? EVENT_WARNING : EVENT_INFO, local ? "" : o->snap->trk.refname,
         "served stratum %d -> %d%s", old, now, local ? " (the local clock: no reference)" : "");
}

static void emit_leap(struct out *o, int now)
{
    if (now == RST_LEAP_INSERT || now == RST_LEAP_DELETE) {
        emit(o, EVENT_LEAP, EVENT_WARNING, o->snap->trk.refname,
             "leap second %s announced for the end of this UTC day",
             now == RST_LEAP_INSERT ? "insertion" : "deletion");
    } else {
        emit(o, EVENT_LEAP, EVENT_INFO, o->snap->trk.refname,
             "leap second announcement over (the leap second passed, or was withdrawn)");
    }
}

/* --- the input-error rate ------------------------------------------------------------------ */

/* Push the counters seen now; the counts within the last window into n. */
static void win_update(struct evd_errwin *w, int64_t mono, const struct rc_src_status *s,
                       uint64_t n[3])
{
    const uint64_t now[3] = {s->counters[DRV_CNT_BAD_CHECKSUM], s->counters[DRV_CNT_BAD_FORMAT],
                             s->counters[DRV_CNT_BAD_LENGTH]};
    int slot = (w->head + w->n) % EVD_ERR_SLOTS;
    if (w->n == EVD_ERR_SLOTS) {
        slot = w->head;
        w->head = (w->head + 1) % EVD_ERR_SLOTS;
    } else {
        w->n++;
    }
    w->t_ns[slot] = mono;
    memcpy(w->c[slot], now, sizeof(now));
    /* The base: the newest slot at least a window old, else the oldest held. */
    int base = w->head;
    for (int k = 0; k < w->n; k++) {
        int i = (w->head + k) % EVD_ERR_SLOTS;
        if (mono - w->t_ns[i] >= EVD_ERR_WINDOW_NS) {
            base = i;
        }
    }
    for (int c = 0; c < 3; c++) {
        n[c] = now[c] >= w->c[base][c] ? now[c] - w->c[base][c] : 0;
    }
}

/* --- the update ---------------------------------------------------------------------------- */

static void start(struct evd *d, struct out *o)
{
    const struct evd_snapshot *snap = o->snap;
    d->started = true;
    d->n_src = snap->n_src < RC_MAX_SOURCES ? snap->n_src : RC_MAX_SOURCES;
    var_init(&d->mode, M_UNSYNC);
    var_init(&d->ref, -1);
    var_init(&d->stratum, 0);
    var_init(&d->leap, RST_LEAP_NONE);
    var_init(&d->majority, 0);
    char names[96] = "";
    for (size_t i = 0; i < d->n_src; i++) {
        var_init(&d->state[i], S_GOOD);
        var_init(&d->jump[i], 0);
        var_init(&d->falseticker[i], 0);
        var_init(&d->errors[i], 0);
        memset(&d->win[i], 0, sizeof(d->win[i]));
        size_t len = strlen(names);
        snprintf(names + len, sizeof(names) - len, "%s%s", i > 0 ? ", " : "", snap->src[i].name);
    }
    emit(o, EVENT_START, EVENT_INFO, "", "gpsntpd started with %zu source%s%s%s",
         d->n_src, d->n_src == 1 ? "" : "s", d->n_src > 0 ? ": " : "", names);
}

void evd_init(struct evd *d)
{
    memset(d, 0, sizeof(*d));
}

size_t evd_update(struct evd *d, const struct evd_snapshot *snap, int64_t mono, int64_t real_ns,
                  struct event *ev, size_t max)
{
    struct out o = {.ev = ev, .max = max, .dropped = &d->dropped, .snap = snap,
                    .real_ns = real_ns};
    if (!d->started) {
        start(d, &o);
    }
    size_t n_src = snap->n_src < d->n_src ? snap->n_src : d->n_src;
    for (size_t i = 0; i < n_src; i++) {
        const struct rc_src_status *s = &snap->src[i];
        size_t first;
        int st = state_of(s);
        if (var_due(&d->state[i], st, mono, &o, "its state", s->name)) {
            first = o.n;
            emit_state(&o, s, d->state[i].reported, st);
            var_commit(&d->state[i], st, mono, &o, first);
        }
        int jump = s->jump_suspect;
        if (var_due(&d->jump[i], jump, mono, &o, "its jump guard", s->name)) {
            first = o.n;
            emit_jump(&o, s, jump);
            var_commit(&d->jump[i], jump, mono, &o, first);
        }
        int ft = s->select == RC_SEL_FALSETICKER;
        if (var_due(&d->falseticker[i], ft, mono, &o, "its vote", s->name)) {
            first = o.n;
            emit_falseticker(&o, s, ft);
            var_commit(&d->falseticker[i], ft, mono, &o, first);
        }
        uint64_t n[3];
        struct evd_errwin *w = &d->win[i];
        win_update(w, mono, s, n);
        uint64_t total = n[0] + n[1] + n[2];
        w->high = w->high ? total >= EVD_ERR_CLEAR : total >= EVD_ERR_RAISE;
        if (var_due(&d->errors[i], w->high, mono, &o, "its input-error alarm", s->name)) {
            first = o.n;
            emit_errors(&o, s, w->high, n);
            var_commit(&d->errors[i], w->high, mono, &o, first);
        }
    }
    int mode = mode_of(&snap->trk);
    int lead = mode == M_TRACKING ? index_of(snap, snap->trk.refname) : -1;
    if (var_due(&d->ref, lead, mono, &o, "the reference", "")) {
        size_t first = o.n;
        emit_ref(&o, d->ref.reported, lead);
        var_commit(&d->ref, lead, mono, &o, first);
    }
    if (var_due(&d->mode, mode, mono, &o, "the server's state", "")) {
        size_t first = o.n;
        emit_mode(&o, d->mode.reported, mode);
        var_commit(&d->mode, mode, mono, &o, first);
    }
    if (var_due(&d->majority, snap->trk.no_majority, mono, &o, "the vote", "")) {
        size_t first = o.n;
        emit_majority(&o, snap->trk.no_majority);
        var_commit(&d->majority, snap->trk.no_majority, mono, &o, first);
    }
    int stratum = snap->trk.synced ? snap->trk.stratum : 0;
    if (var_due(&d->stratum, stratum, mono, &o, "the stratum", "")) {
        size_t first = o.n;
        emit_stratum(&o, d->stratum.reported, stratum);
        var_commit(&d->stratum, stratum, mono, &o, first);
    }
    /* A leap announcement means something only while synchronized (then LI says it). */
    if (snap->trk.synced && var_due(&d->leap, snap->trk.leap, mono, &o, "the leap status", "")) {
        size_t first = o.n;
        emit_leap(&o, snap->trk.leap);
        var_commit(&d->leap, snap->trk.leap, mono, &o, first);
    }
    return o.n;
}
