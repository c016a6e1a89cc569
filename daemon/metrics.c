/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * metrics: one family at a time, its samples grouped under one HELP and TYPE as the format
 * requires. A family whose every value is unknown is left out whole (promtool and Prometheus
 * accept a family with no sample, but a HELP with nothing under it only misleads a reader).
 */
#include "daemon/metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/ntime.h"
#include "refclock/refstate.h"

struct family {
    FILE *out;
    const char *name, *type, *help;
    bool started;
};

static struct family family(FILE *out, const char *name, const char *type, const char *help)
{
    return (struct family){.out = out, .name = name, .type = type, .help = help};
}

/* Prometheus label values are UTF-8 with \\, \" and \n escaped; a byte that is not part of a
 * valid UTF-8 sequence (a device path in Latin-1) would make the whole scrape fail, so it is
 * written as '?'. */
static size_t utf8_len(const unsigned char *p)
{
    int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
                            : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || (n == 2 && p[0] < 0xc2)) {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return (size_t)n;
}

static void put_label_value(FILE *out, const char *v)
{
    const unsigned char *p = (const unsigned char *)v;
    while (*p != '\0') {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputc('?', out);
            p++;
        } else if (*p == '\\' || *p == '"') {
            fprintf(out, "\\%c", *p++);
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else {
            fwrite(p, 1, n, out);
            p += n;
        }
    }
}

/* labels: "key", "value", "key", "value", ..., NULL. */
static void put_sample_head(struct family *f, const char *const *labels)
{
    if (!f->started) {
        fprintf(f->out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
        f->started = true;
    }
    fputs(f->name, f->out);
    if (labels != NULL && labels[0] != NULL) {
        fputc('{', f->out);
        for (int i = 0; labels[i] != NULL; i += 2) {
            fprintf(f->out, "%s%s=\"", i > 0 ? "," : "", labels[i]);
            put_label_value(f->out, labels[i + 1]);
            fputc('"', f->out);
        }
        fputc('}', f->out);
    }
    fputc(' ', f->out);
}

/* A gauge value; NaN (unknown) writes nothing. */
static void gauge(struct family *f, const char *const *labels, double v)
{
    if (isnan(v)) {
        return;
    }
    put_sample_head(f, labels);
    if (isinf(v)) {
        fputs(v > 0 ? "+Inf\n" : "-Inf\n", f->out);
    } else {
        /* The shortest of 15 or 17 significant digits that reads back as the same double: a
         * Unix timestamp needs more than %g's 6, and 0.1 should not print as 0.10000000000000001. */
        char buf[40];
        snprintf(buf, sizeof(buf), "%.15g", v);
        if (strtod(buf, NULL) != v) {
            snprintf(buf, sizeof(buf), "%.17g", v);
        }
        fprintf(f->out, "%s\n", buf);
    }
}

/* A counter: exact integers (a double would round above 2^53). */
static void counter(struct family *f, const char *const *labels, uint64_t v)
{
    put_sample_head(f, labels);
    fprintf(f->out, "%llu\n", (unsigned long long)v);
}

const char *met_sync_state(const struct rc_tracking *t)
{
    if (t->holdover) {
        return "holdover";
    }
    if (t->synced && t->refid == RST_REFID_LOCL) {
        return "local";
    }
    return t->synced ? "synchronized" : "unsynchronized";
}

static void refid_text(uint32_t refid, char *buf)
{
    int n = 0;
    for (int i = 0; i < 4; i++) {
        char ch = (char)(refid >> (24 - 8 * i));
        if (ch >= 0x21 && ch < 0x7f) {
            buf[n++] = ch;
        }
    }
    buf[n] = '\0';
}

static void render_system(FILE *out, const struct met_snapshot *s)
{
    const struct rc_tracking *t = s->tracking;
    struct family f = family(out, "gpsntpd_build_info", "gauge",
                             "The daemon's version (always 1).");
    gauge(&f, (const char *const[]){"version", s->version, NULL}, 1);
    f = family(out, "gpsntpd_start_time_seconds", "gauge",
               "When the daemon started, in Unix seconds.");
    gauge(&f, NULL, s->start_time_s);

    static const char *const states[] = {"synchronized", "holdover", "local", "unsynchronized"};
    const char *state = met_sync_state(t);
    f = family(out, "gpsntpd_sync_state", "gauge",
               "1 for the state the server is in, 0 for the others: synchronized (a reference "
               "leads), holdover (references lost, serving on the last frequency), local "
               "(local stratum, no reference), unsynchronized.");
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        gauge(&f, (const char *const[]){"state", states[i], NULL}, strcmp(state, states[i]) == 0);
    }
    f = family(out, "gpsntpd_stratum", "gauge", "The stratum served (16: unsynchronized).");
    gauge(&f, NULL, t->stratum);
    f = family(out, "gpsntpd_leap_indicator", "gauge",
               "The NTP leap indicator served: 0 none, 1 a second inserted at the end of the "
               "day, 2 deleted, 3 unsynchronized.");
    gauge(&f, NULL, t->leap);

    char id[9], text[5];
    snprintf(id, sizeof(id), "%08X", (unsigned)t->refid);
    refid_text(t->refid, text);
    f = family(out, "gpsntpd_reference_info", "gauge",
               "The reference served (always 1): its NTP reference ID in hex and as text, "
               "and the source that leads (empty when none).");
    gauge(&f, (const char *const[]){"reference_id", id, "refid", text, "source", t->refname,
                                    NULL}, 1);
    f = family(out, "gpsntpd_reference_time_seconds", "gauge",
               "When the clock was last updated from a reference, in Unix seconds.");
    gauge(&f, NULL, t->ref_time_ns > 0 ? (double)(t->ref_time_ns / NT_NS_PER_MS) / 1e3 : NAN);
    f = family(out, "gpsntpd_holdover_seconds", "gauge",
               "How long the server has been in holdover (0 when it is not).");
    gauge(&f, NULL, s->holdover_s);
    f = family(out, "gpsntpd_no_majority", "gauge",
               "1 while the sources disagree beyond their error bounds and none has a majority "
               "(the served error bound is widened to cover them).");
    gauge(&f, NULL, t->no_majority);

    struct {
        const char *name, *help;
        double v;
    } const values[] = {
        {"gpsntpd_system_time_offset_seconds",
         "How far the served clock is ahead of the reference (estimate).", t->system_offset_s},
        {"gpsntpd_last_offset_seconds", "The offset measured at the last clock update.",
         t->last_offset_s},
        {"gpsntpd_rms_offset_seconds", "The long-term average (RMS) of the offsets.",
         t->rms_offset_s},
        {"gpsntpd_frequency_ratio",
         "The local oscillator's frequency error (1e-6 = 1 ppm; positive: it runs fast).",
         t->freq_ppm / 1e6},
        {"gpsntpd_residual_frequency_ratio",
         "The frequency error left between the last updates (1e-6 = 1 ppm).",
         t->resid_freq_ppm / 1e6},
        {"gpsntpd_skew_ratio", "The estimated error bound of the frequency (1e-6 = 1 ppm).",
         t->skew_ppm / 1e6},
        {"gpsntpd_root_delay_seconds", "The root delay served.", t->root_delay_s},
        {"gpsntpd_root_dispersion_seconds", "The root dispersion served, now.", t->root_disp_s},
        {"gpsntpd_update_interval_seconds", "The interval between the last clock updates.",
         t->update_interval_s},
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        f = family(out, values[i].name, "gauge", values[i].help);
        gauge(&f, NULL, values[i].v);
    }
}

static const char *state_label(enum drv_state st)
{
    switch (st) {
    case DRV_STATE_CLOSED: return "closed";
    case DRV_STATE_OPEN: return "open";
    case DRV_STATE_NO_DATA: return "no_data";
    case DRV_STATE_NO_FIX: return "no_fix";
    case DRV_STATE_OK: return "ok";
    case DRV_STATE_RECONNECTING: return "reconnecting";
    case DRV_STATE_DENIED: return "denied";
    }
    return "unknown";
}

/* A per-source gauge family: one sample per source whose value is known. */
static void source_gauges(FILE *out, const struct met_snapshot *s, const char *name,
                          const char *help, double (*get)(const struct rc_src_status *))
{
    struct family f = family(out, name, "gauge", help);
    for (size_t i = 0; i < s->n_sources; i++) {
        gauge(&f, (const char *const[]){"source", s->sources[i].name, NULL}, get(&s->sources[i]));
    }
}

static double get_offset(const struct rc_src_status *x) { return x->offset_s; }
static double get_jitter(const struct rc_src_status *x) { return x->jitter_s; }
static double get_latency(const struct rc_src_status *x) { return x->latency_s; }
static double get_reach(const struct rc_src_status *x) { return x->reach; }
static double get_selected(const struct rc_src_status *x) { return x->selected; }
static double get_stratum(const struct rc_src_status *x)
{
    return x->stratum >= 0 ? x->stratum : NAN;
}
static double get_poll(const struct rc_src_status *x)
{
    return x->kind != RC_KIND_REFCLOCK ? ldexp(1.0, x->poll) : NAN;
}
static double get_delay(const struct rc_src_status *x) { return x->delay_s; }
static double get_distance(const struct rc_src_status *x) { return x->root_distance_s; }
static double get_age(const struct rc_src_status *x)
{
    return x->last_sample_age_ns < 0 ? NAN : nt_to_s(x->last_sample_age_ns);
}

/* Counters that are not rejections: they have their own families. */
static bool is_rejection(int c)
{
    return c != DRV_CNT_MISSED_PULSE && c != DRV_CNT_RECONNECT && c != DRV_CNT_KOD;
}

static void render_sources(FILE *out, const struct met_snapshot *s)
{
    struct family f = family(out, "gpsntpd_source_info", "gauge",
                             "A source (always 1): its driver (ntp, peer for NTP sources), "
                             "reference ID and device (address).");
    for (size_t i = 0; i < s->n_sources; i++) {
        const struct rc_src_status *x = &s->sources[i];
        gauge(&f, (const char *const[]){"source", x->name, "driver", x->driver, "refid", x->refid,
                                        "device", x->param, NULL}, 1);
    }
    static const enum drv_state states[] = {DRV_STATE_CLOSED, DRV_STATE_OPEN,
                                            DRV_STATE_NO_DATA, DRV_STATE_NO_FIX, DRV_STATE_OK,
                                            DRV_STATE_RECONNECTING, DRV_STATE_DENIED};
    f = family(out, "gpsntpd_source_state", "gauge",
               "1 for the state the source is in, 0 for the others: closed, open (nothing "
               "received yet), no_data (silent), no_fix, ok, reconnecting, denied (an NTP server's "
               "kiss-o'-death DENY or RSTR).");
    for (size_t i = 0; i < s->n_sources; i++) {
        for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
            gauge(&f, (const char *const[]){"source", s->sources[i].name, "state",
                                            state_label(states[k]), NULL},
                  s->sources[i].state == states[k]);
        }
    }
    source_gauges(out, s, "gpsntpd_source_selected",
                  "1 for the source that leads the clock, 0 for the others.", get_selected);
    source_gauges(out, s, "gpsntpd_source_reach",
                  "The 8-bit reachability register (255: the last 8 polls all had a sample).",
                  get_reach);
    source_gauges(out, s, "gpsntpd_source_offset_seconds",
                  "The source's last filtered offset (local clock minus reference).",
                  get_offset);
    source_gauges(out, s, "gpsntpd_source_jitter_seconds", "The source's jitter.", get_jitter);
    source_gauges(out, s, "gpsntpd_source_latency_seconds",
                  "An NMEA source's latency, measured against the pulses it numbers.",
                  get_latency);
    source_gauges(out, s, "gpsntpd_source_last_sample_age_seconds",
                  "How long ago the source's last sample was accepted.", get_age);
    source_gauges(out, s, "gpsntpd_source_stratum",
                  "The source's stratum: 0 for a reference clock, the server's for an NTP source.",
                  get_stratum);
    source_gauges(out, s, "gpsntpd_source_poll_seconds",
                  "An NTP source's request interval.", get_poll);
    source_gauges(out, s, "gpsntpd_source_delay_seconds",
                  "An NTP source's round-trip delay (the last exchange).", get_delay);
    source_gauges(out, s, "gpsntpd_source_root_distance_seconds",
                  "The error bound the selection gives the source (its correctness interval's "
                  "half width).", get_distance);
    static const enum rc_select verdicts[] = {RC_SEL_SELECTED, RC_SEL_CANDIDATE,
                                              RC_SEL_FALSETICKER, RC_SEL_UNUSABLE,
                                              RC_SEL_NOSELECT, RC_SEL_JUMP, RC_SEL_LOOP};
    f = family(out, "gpsntpd_source_selection", "gauge",
               "1 for what the selection made of the source, 0 for the others: selected, "
               "candidate, falseticker (outside the majority's interval), unusable, noselect, "
               "jump (held off by the jump guard), loop (an NTP source that follows us).");
    for (size_t i = 0; i < s->n_sources; i++) {
        for (size_t k = 0; k < sizeof(verdicts) / sizeof(verdicts[0]); k++) {
            gauge(&f, (const char *const[]){"source", s->sources[i].name, "verdict",
                                            rc_select_name(verdicts[k]), NULL},
                  s->sources[i].select == verdicts[k]);
        }
    }
    f = family(out, "gpsntpd_source_kod_total", "counter",
               "Kiss-o'-death packets an NTP source sent us (RATE, DENY, RSTR, others).");
    for (size_t i = 0; i < s->n_sources; i++) {
        counter(&f, (const char *const[]){"source", s->sources[i].name, NULL},
                s->sources[i].counters[DRV_CNT_KOD]);
    }

    f = family(out, "gpsntpd_source_samples_total", "counter",
               "Samples accepted (pulses locked, for a pulse source).");
    for (size_t i = 0; i < s->n_sources; i++) {
        counter(&f, (const char *const[]){"source", s->sources[i].name, NULL},
                s->sources[i].samples);
    }
    f = family(out, "gpsntpd_source_rejected_total", "counter",
               "Input rejected, by reason: bad_checksum, bad_format, bad_length, no_fix, "
               "stale, torn, pulse_rejected, outlier (filter), jump (jump guard), bad_reply "
               "(an NTP reply failing the protocol checks).");
    for (size_t i = 0; i < s->n_sources; i++) {
        for (int c = 0; c < DRV_CNT__COUNT; c++) {
            if (is_rejection(c)) {
                counter(&f, (const char *const[]){"source", s->sources[i].name, "reason",
                                                  drv_counter_name(c), NULL},
                        s->sources[i].counters[c]);
            }
        }
    }
    f = family(out, "gpsntpd_source_reconnects_total", "counter",
               "Times the source's device was reopened after it went away.");
    for (size_t i = 0; i < s->n_sources; i++) {
        counter(&f, (const char *const[]){"source", s->sources[i].name, NULL},
                s->sources[i].counters[DRV_CNT_RECONNECT]);
    }
    f = family(out, "gpsntpd_source_pps_missed_total", "counter",
               "Pulses missed (gaps in a PPS device's sequence numbers).");
    for (size_t i = 0; i < s->n_sources; i++) {
        counter(&f, (const char *const[]){"source", s->sources[i].name, NULL},
                s->sources[i].counters[DRV_CNT_MISSED_PULSE]);
    }
}

static void render_server(FILE *out, const struct met_snapshot *s)
{
    const struct srv_counters *c = s->server;
    struct family f = family(out, "gpsntpd_ntp_requests_received_total", "counter",
                             "NTP requests received.");
    counter(&f, NULL, c->received);
    f = family(out, "gpsntpd_ntp_requests_answered_total", "counter",
               "NTP requests answered with the time.");
    counter(&f, NULL, c->answered);
    /* The reasons as label values (srv_drop_name's texts have spaces). */
    static const char *const drop_labels[SRV_DROP__COUNT] = {
        [SRV_DROP_SHORT] = "malformed", [SRV_DROP_VERSION] = "bad_version",
        [SRV_DROP_MODE] = "bad_mode",   [SRV_DROP_KOD] = "kiss_of_death",
        [SRV_DROP_AUTH] = "authentication",
    };
    f = family(out, "gpsntpd_ntp_requests_dropped_total", "counter",
               "NTP requests not answered with the time, by reason: denied (allow/deny), "
               "ratelimited (some answered with a RATE kiss-o'-death instead), malformed, "
               "bad_version, bad_mode, kiss_of_death (sent by the client), authentication.");
    counter(&f, (const char *const[]){"reason", "denied", NULL}, c->denied);
    counter(&f, (const char *const[]){"reason", "ratelimited", NULL}, c->ratelimited);
    for (int d = 1; d < SRV_DROP__COUNT; d++) {
        counter(&f, (const char *const[]){"reason", drop_labels[d], NULL}, c->dropped[d]);
    }
    f = family(out, "gpsntpd_ntp_kod_sent_total", "counter", "RATE kiss-o'-death replies sent.");
    counter(&f, NULL, c->kod_sent);
    f = family(out, "gpsntpd_ntp_send_errors_total", "counter", "Replies the kernel refused.");
    counter(&f, NULL, c->send_errors);
    f = family(out, "gpsntpd_ntp_batch_fallbacks_total", "counter",
               "Times recvmmsg/sendmmsg were refused and one packet per call was used.");
    counter(&f, NULL, c->batch_fallbacks);
    f = family(out, "gpsntpd_ntp_auth_mac_answered_total", "counter",
               "Requests with a verified symmetric-key MAC, answered with a MAC.");
    counter(&f, NULL, c->auth_mac_answered);
    f = family(out, "gpsntpd_ntp_auth_crypto_naks_total", "counter",
               "Crypto-NAKs sent: a MAC under an unknown key, or one that does not verify.");
    counter(&f, NULL, c->auth_crypto_naks);
    f = family(out, "gpsntpd_ntp_nts_answered_total", "counter",
               "NTS-protected requests answered with fresh cookies.");
    counter(&f, NULL, c->nts_answered);
    f = family(out, "gpsntpd_ntp_nts_naks_total", "counter",
               "NTS NAKs (NTSN kisses) sent: unknown or stale cookie, bad authenticator.");
    counter(&f, NULL, c->nts_naks);
    if (s->nts_ke != NULL) {
        const struct ntske_counters *k = s->nts_ke;
        f = family(out, "gpsntpd_ntske_connections_total", "counter",
                   "NTS-KE connections, by outcome: accepted, refused (connection limit), "
                   "tls_failure, bad_request, timeout.");
        counter(&f, (const char *const[]){"outcome", "accepted", NULL}, k->accepted);
        counter(&f, (const char *const[]){"outcome", "refused", NULL}, k->refused);
        counter(&f, (const char *const[]){"outcome", "tls_failure", NULL}, k->tls_failures);
        counter(&f, (const char *const[]){"outcome", "bad_request", NULL}, k->bad_requests);
        counter(&f, (const char *const[]){"outcome", "timeout", NULL}, k->timeouts);
        f = family(out, "gpsntpd_ntske_sessions_total", "counter",
                   "NTS key exchanges completed (cookies sent).");
        counter(&f, NULL, k->sessions);
    }
    f = family(out, "gpsntpd_ntp_clients_tracked", "gauge",
               "Clients in the rate-limiting client table.");
    gauge(&f, NULL, (double)s->clients_tracked);

    f = family(out, "gpsntpd_http_responses_total", "counter",
               "Responses of this HTTP endpoint, by status code.");
    for (size_t i = 0; i < s->n_http; i++) {
        char code[12];
        snprintf(code, sizeof(code), "%d", s->http[i].code);
        counter(&f, (const char *const[]){"code", code, NULL}, s->http[i].n);
    }
    f = family(out, "gpsntpd_http_connections", "gauge",
               "Connections open to this HTTP endpoint (its limit: 32, 8 per address).");
    gauge(&f, NULL, s->http_connections);
}

void met_render(FILE *out, const struct met_snapshot *s)
{
    render_system(out, s);
    render_sources(out, s);
    render_server(out, s);
}
