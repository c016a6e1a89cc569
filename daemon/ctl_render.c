/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ctl_render: text layouts follow chronyc's (tracking field names and order, serverstats,
 * clients) so that an operator who knows chrony reads them at a glance; JSON carries the same
 * values in SI units (seconds, ppm) with stable key names for scripts.
 */
#include "daemon/ctl_render.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>

#include "common/ntime.h"
#include "daemon/json_out.h"

static void refid_text(uint32_t refid, char *buf)
{
    for (int i = 0; i < 4; i++) {
        char ch = (char)(refid >> (24 - 8 * i));
        buf[i] = ch >= 0x20 && ch < 0x7f ? ch : '\0';
    }
    buf[4] = '\0';
}

static const char *leap_text(int leap)
{
    switch (leap) {
    case RST_LEAP_NONE: return "Normal";
    case RST_LEAP_INSERT: return "Insert second";
    case RST_LEAP_DELETE: return "Delete second";
    default: return "Not synchronised";
    }
}

/* A JSON number, or null when not known (NaN). */
static void json_num(FILE *out, const char *key, double v, bool comma)
{
    if (isfinite(v)) {
        fprintf(out, "\"%s\":%.9g%s", key, v, comma ? "," : "");
    } else {
        fprintf(out, "\"%s\":null%s", key, comma ? "," : "");
    }
}

static void json_str(FILE *out, const char *key, const char *v, bool comma)
{
    fprintf(out, "\"%s\":", key);
    json_put_string(out, v);
    if (comma) {
        fputc(',', out);
    }
}

void ctl_render_tracking(FILE *out, const struct rc_tracking *t, bool json)
{
    char refid[5];
    refid_text(t->refid, refid);
    char reftime[40] = "";
    if (t->ref_time_ns > 0) {
        nt_format_iso_ms(t->ref_time_ns, reftime, sizeof(reftime));
    }
    if (json) {
        fprintf(out, "{");
        fprintf(out, "\"reference_id\":\"%08X\",", t->refid);
        json_str(out, "reference_name", refid, true);
        json_str(out, "source", t->refname, true);
        fprintf(out, "\"stratum\":%d,\"synchronized\":%s,\"holdover\":%s,\"no_majority\":%s,",
                t->stratum, t->synced ? "true" : "false", t->holdover ? "true" : "false",
                t->no_majority ? "true" : "false");
        if (t->ref_time_ns > 0) {
            json_str(out, "ref_time", reftime, true);
        } else {
            fprintf(out, "\"ref_time\":null,");
        }
        json_num(out, "system_time_s", t->system_offset_s, true);
        json_num(out, "last_offset_s", t->last_offset_s, true);
        json_num(out, "rms_offset_s", t->rms_offset_s, true);
        json_num(out, "frequency_ppm", t->freq_ppm, true);
        json_num(out, "residual_freq_ppm", t->resid_freq_ppm, true);
        json_num(out, "skew_ppm", t->skew_ppm, true);
        json_num(out, "root_delay_s", t->root_delay_s, true);
        json_num(out, "root_dispersion_s", t->root_disp_s, true);
        json_num(out, "update_interval_s", t->update_interval_s, true);
        json_str(out, "leap_status", leap_text(t->leap), false);
        fprintf(out, "}\n");
        return;
    }
    fprintf(out, "Reference ID    : %08X (%s)\n", t->refid,
            t->refid == 0 ? "none" : t->refname[0] ? t->refname : refid);
    fprintf(out, "Stratum         : %d\n", t->stratum);
    fprintf(out, "Ref time (UTC)  : %s\n", t->ref_time_ns > 0 ? reftime : "(never)");
    if (isfinite(t->system_offset_s)) {
        fprintf(out, "System time     : %.9f seconds %s of NTP time\n", fabs(t->system_offset_s),
                t->system_offset_s >= 0 ? "fast" : "slow");
    } else {
        fprintf(out, "System time     : (not known yet)\n");
    }
#define SECONDS_LINE(label, v, sign)                                                            \
    if (isfinite(v)) {                                                                          \
        fprintf(out, "%-16s: %" sign ".9f seconds\n", label, v);                                \
    } else {                                                                                    \
        fprintf(out, "%-16s: (not known yet)\n", label);                                        \
    }
    SECONDS_LINE("Last offset", t->last_offset_s, "+")
    SECONDS_LINE("RMS offset", t->rms_offset_s, "")
    if (isfinite(t->freq_ppm)) {
        fprintf(out, "Frequency       : %.3f ppm %s\n", fabs(t->freq_ppm),
                t->freq_ppm >= 0 ? "fast" : "slow");
    } else {
        fprintf(out, "Frequency       : (not known yet)\n");
    }
    if (isfinite(t->resid_freq_ppm)) {
        fprintf(out, "Residual freq   : %+.3f ppm\n", t->resid_freq_ppm);
    } else {
        fprintf(out, "Residual freq   : (not known yet)\n");
    }
    if (isfinite(t->skew_ppm)) {
        fprintf(out, "Skew            : %.3f ppm\n", t->skew_ppm);
    } else {
        fprintf(out, "Skew            : (not known yet)\n");
    }
    SECONDS_LINE("Root delay", t->root_delay_s, "")
    SECONDS_LINE("Root dispersion", t->root_disp_s, "")
#undef SECONDS_LINE
    if (isfinite(t->update_interval_s)) {
        fprintf(out, "Update interval : %.1f seconds\n", t->update_interval_s);
    } else {
        fprintf(out, "Update interval : (not known yet)\n");
    }
    fprintf(out, "Leap status     : %s%s\n", leap_text(t->leap),
            t->holdover ? " (holdover: references lost)" : "");
}

static void age_text(int64_t age_ns, char *buf, size_t len)
{
    if (age_ns < 0) {
        snprintf(buf, len, "-");
    } else if (age_ns < 600 * NT_NS_PER_S) {
        snprintf(buf, len, "%llds", (long long)(age_ns / NT_NS_PER_S));
    } else if (age_ns < 48 * 3600 * NT_NS_PER_S) {
        snprintf(buf, len, "%lldm", (long long)(age_ns / (60 * NT_NS_PER_S)));
    } else {
        snprintf(buf, len, "%lldh", (long long)(age_ns / (3600 * NT_NS_PER_S)));
    }
}

/* chronyc's compact unit style for offsets: +123us, -12ms. */
static void offset_text(double v, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
    } else if (fabs(v) < 1e-6) {
        snprintf(buf, len, "%+.0fns", v * 1e9);
    } else if (fabs(v) < 1e-3) {
        snprintf(buf, len, "%+.1fus", v * 1e6);
    } else if (fabs(v) < 1) {
        snprintf(buf, len, "%+.1fms", v * 1e3);
    } else {
        snprintf(buf, len, "%+.3fs", v);
    }
}

/* An NTP source's own reference ID as chronyc shows it: a stratum-1 source's is four
 * letters ("GPS", "PPS"), a higher stratum's is its upstream's IPv4 address. */
static void remote_refid_text(const struct rc_src_status *x, char *buf)
{
    buf[0] = '\0';
    if (x->remote_refid == 0) {
        return;
    }
    if (x->stratum == 1) {
        refid_text(x->remote_refid, buf);
        if (buf[0] != '\0') {
            return;
        }
    }
    struct in_addr a = {.s_addr = htonl(x->remote_refid)};
    inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* chronyc's two leading characters: the kind (^ server, = peer, # refclock) and the
 * selection's verdict (* selected, + candidate, x falseticker, ? unusable, - noselect, ! held
 * off by the jump guard, L a loop: it follows us). */
static char kind_mark(enum rc_kind k)
{
    return k == RC_KIND_SERVER ? '^' : k == RC_KIND_PEER ? '=' : '#';
}

static char select_mark(enum rc_select s)
{
    switch (s) {
    case RC_SEL_SELECTED: return '*';
    case RC_SEL_CANDIDATE: return '+';
    case RC_SEL_FALSETICKER: return 'x';
    case RC_SEL_NOSELECT: return '-';
    case RC_SEL_JUMP: return '!';
    case RC_SEL_LOOP: return 'L';
    case RC_SEL_UNUSABLE: break;
    }
    return '?';
}

void ctl_render_sources_array(FILE *out, const struct rc_src_status *s, size_t n)
{
    fprintf(out, "[");
    for (size_t i = 0; i < n; i++) {
        const struct rc_src_status *x = &s[i];
        fprintf(out, "%s{", i > 0 ? "," : "");
        json_str(out, "name", x->name, true);
        json_str(out, "driver", x->driver, true);
        json_str(out, "device", x->param, true);
        json_str(out, "refid", x->refid, true);
        json_str(out, "state", drv_state_name(x->state), true);
        fprintf(out, "\"selected\":%s,\"noselect\":%s,\"prefer\":%s,\"jump_suspect\":%s,",
                x->selected ? "true" : "false", x->noselect ? "true" : "false",
                x->prefer ? "true" : "false", x->jump_suspect ? "true" : "false");
        fprintf(out, "\"reach\":%u,\"samples\":%llu,", x->reach,
                (unsigned long long)x->samples);
        json_num(out, "last_sample_age_s",
                 x->last_sample_age_ns < 0 ? NAN : nt_to_s(x->last_sample_age_ns), true);
        json_num(out, "offset_s", x->offset_s, true);
        json_num(out, "jitter_s", x->jitter_s, true);
        json_num(out, "latency_s", x->latency_s, true);
        json_str(out, "error", x->error, true);
        json_num(out, "retry_in_s", x->retry_in_s, true);
        json_str(out, "kind", rc_kind_name(x->kind), true);
        json_str(out, "select", rc_select_name(x->select), true);
        if (x->stratum >= 0) {
            fprintf(out, "\"stratum\":%d,", x->stratum);
        } else {
            fprintf(out, "\"stratum\":null,");
        }
        if (x->kind != RC_KIND_REFCLOCK) {
            char rr[INET_ADDRSTRLEN];
            remote_refid_text(x, rr);
            fprintf(out, "\"poll\":%d,", x->poll);
            if (rr[0] != '\0') {
                json_str(out, "remote_refid", rr, true);
            } else {
                fprintf(out, "\"remote_refid\":null,");
            }
        } else {
            fprintf(out, "\"poll\":null,\"remote_refid\":null,");
        }
        json_num(out, "delay_s", x->delay_s, true);
        json_num(out, "root_distance_s", x->root_distance_s, true);
        fprintf(out, "\"counters\":{");
        for (int c = 0; c < DRV_CNT__COUNT; c++) {
            fprintf(out, "%s\"%s\":%llu", c > 0 ? "," : "", drv_counter_name(c),
                    (unsigned long long)x->counters[c]);
        }
        fprintf(out, "}}");
    }
    fprintf(out, "]");
}

void ctl_render_sources(FILE *out, const struct rc_src_status *s, size_t n, bool json)
{
    if (json) {
        fprintf(out, "{\"sources\":");
        ctl_render_sources_array(out, s, n);
        fprintf(out, "}\n");
        return;
    }
    fprintf(out, "MS Name    Driver Refid           State        St Poll Reach Samples LastRx   "
                 "Offset   Jitter    Error Latency  Device\n");
    fprintf(out, "=================================================================="
                 "========================================================\n");
    for (size_t i = 0; i < n; i++) {
        const struct rc_src_status *x = &s[i];
        char age[16], off[16], jit[16], lat[16], err[16], st[8], poll[8];
        char refid[INET_ADDRSTRLEN];
        age_text(x->last_sample_age_ns, age, sizeof(age));
        offset_text(x->offset_s, off, sizeof(off));
        offset_text(x->jitter_s, jit, sizeof(jit));
        offset_text(x->latency_s, lat, sizeof(lat));
        offset_text(x->root_distance_s, err, sizeof(err));
        snprintf(st, sizeof(st), x->stratum >= 0 ? "%d" : "-", x->stratum);
        snprintf(poll, sizeof(poll), x->kind != RC_KIND_REFCLOCK ? "%d" : "-", x->poll);
        if (x->kind != RC_KIND_REFCLOCK) {
            remote_refid_text(x, refid);
        } else {
            snprintf(refid, sizeof(refid), "%s", x->refid);
        }
        fprintf(out, "%c%c %-7s %-6s %-15s %-12s %2s %4s %5o %7llu %6s %8s %8s %8s %7s  %s\n",
                kind_mark(x->kind), select_mark(x->select), x->name, x->driver, refid,
                drv_state_name(x->state), st, poll, x->reach, (unsigned long long)x->samples,
                age, off, jit, err, lat, x->param);
        bool any = false;
        for (int c = 0; c < DRV_CNT__COUNT; c++) {
            if (x->counters[c] != 0) {
                fprintf(out, "%s%s %llu", any ? ", " : "          counters: ", drv_counter_name(c),
                        (unsigned long long)x->counters[c]);
                any = true;
            }
        }
        if (any) {
            fputc('\n', out);
        }
        if (x->error[0] != '\0') {
            fprintf(out, "          cannot open: %s (next try in %.0f s)\n", x->error,
                    x->retry_in_s);
        }
    }
    fprintf(out, "\nM: # refclock  ^ server  = peer     S: * selected  + candidate  x falseticker"
                 "  ? unusable\n   - noselect  ! held off by the jump guard  L follows us (loop)"
                 "   Error: the error bound the selection used\n");
}

void ctl_render_serverstats(FILE *out, const struct srv_counters *c,
                            const struct ntske_counters *ke, bool json)
{
    struct ntske_counters none = {0};
    if (ke == NULL) {
        ke = &none;
    }
    if (json) {
        fprintf(out, "{\"received\":%llu,\"answered\":%llu,\"denied\":%llu,\"ratelimited\":%llu,"
                     "\"kod_sent\":%llu,\"send_errors\":%llu,\"batch_fallbacks\":%llu,\"dropped\":{",
                (unsigned long long)c->received, (unsigned long long)c->answered,
                (unsigned long long)c->denied, (unsigned long long)c->ratelimited,
                (unsigned long long)c->kod_sent, (unsigned long long)c->send_errors,
                (unsigned long long)c->batch_fallbacks);
        for (int d = 1; d < SRV_DROP__COUNT; d++) {
            fprintf(out, "%s\"%s\":%llu", d > 1 ? "," : "", srv_drop_name(d),
                    (unsigned long long)c->dropped[d]);
        }
        fprintf(out, "},\"auth_mac_answered\":%llu,\"auth_crypto_naks\":%llu,"
                     "\"nts_answered\":%llu,\"nts_naks\":%llu,\"ntske_accepted\":%llu,"
                     "\"ntske_refused\":%llu,\"ntske_sessions\":%llu,"
                     "\"ntske_tls_failures\":%llu,\"ntske_bad_requests\":%llu,"
                     "\"ntske_timeouts\":%llu}\n",
                (unsigned long long)c->auth_mac_answered, (unsigned long long)c->auth_crypto_naks,
                (unsigned long long)c->nts_answered, (unsigned long long)c->nts_naks,
                (unsigned long long)ke->accepted, (unsigned long long)ke->refused,
                (unsigned long long)ke->sessions, (unsigned long long)ke->tls_failures,
                (unsigned long long)ke->bad_requests, (unsigned long long)ke->timeouts);
        return;
    }
    fprintf(out, "NTP packets received       : %llu\n", (unsigned long long)c->received);
    fprintf(out, "NTP packets answered       : %llu\n", (unsigned long long)c->answered);
    fprintf(out, "NTP packets denied         : %llu\n", (unsigned long long)c->denied);
    fprintf(out, "NTP packets rate-limited   : %llu\n", (unsigned long long)c->ratelimited);
    fprintf(out, "NTP KoD RATE sent          : %llu\n", (unsigned long long)c->kod_sent);
    fprintf(out, "NTP send errors            : %llu\n", (unsigned long long)c->send_errors);
    fprintf(out, "NTP batch I/O fallbacks    : %llu\n", (unsigned long long)c->batch_fallbacks);
    for (int d = 1; d < SRV_DROP__COUNT; d++) {
        char label[40];
        snprintf(label, sizeof(label), "NTP dropped (%s)", srv_drop_name(d));
        fprintf(out, "%-27s: %llu\n", label, (unsigned long long)c->dropped[d]);
    }
    fprintf(out, "Authenticated NTP (MAC)    : %llu\n", (unsigned long long)c->auth_mac_answered);
    fprintf(out, "Crypto-NAKs sent           : %llu\n", (unsigned long long)c->auth_crypto_naks);
    fprintf(out, "NTS-protected NTP          : %llu\n", (unsigned long long)c->nts_answered);
    fprintf(out, "NTS NAKs sent              : %llu\n", (unsigned long long)c->nts_naks);
    fprintf(out, "NTS-KE connections accepted: %llu\n", (unsigned long long)ke->accepted);
    fprintf(out, "NTS-KE connections refused : %llu\n", (unsigned long long)ke->refused);
    fprintf(out, "NTS-KE sessions            : %llu\n", (unsigned long long)ke->sessions);
    fprintf(out, "NTS-KE TLS failures        : %llu\n", (unsigned long long)ke->tls_failures);
    fprintf(out, "NTS-KE bad requests        : %llu\n", (unsigned long long)ke->bad_requests);
    fprintf(out, "NTS-KE timeouts            : %llu\n", (unsigned long long)ke->timeouts);
}

void ctl_render_clients(FILE *out, const struct udp_client_stat *c, size_t n, bool json)
{
    if (json) {
        fprintf(out, "{\"clients\":[");
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%s{", i > 0 ? "," : "");
            json_str(out, "address", c[i].addr, true);
            fprintf(out, "\"requests\":%llu,\"dropped\":%llu,\"kod_sent\":%llu,",
                    (unsigned long long)c[i].requests, (unsigned long long)c[i].dropped,
                    (unsigned long long)c[i].kod_sent);
            json_num(out, "last_seen_ago_s", nt_to_s(c[i].last_seen_ago_ns), false);
            fprintf(out, "}");
        }
        fprintf(out, "]}\n");
        return;
    }
    fprintf(out, "Hostname                                   NTP   Drop  KoD   Last\n");
    fprintf(out, "=================================================================\n");
    for (size_t i = 0; i < n; i++) {
        char age[16];
        age_text(c[i].last_seen_ago_ns, age, sizeof(age));
        fprintf(out, "%-40s %6llu %6llu %4llu %6s\n", c[i].addr, (unsigned long long)c[i].requests,
                (unsigned long long)c[i].dropped, (unsigned long long)c[i].kod_sent, age);
    }
}

void ctl_render_events(FILE *out, const struct event *e, size_t n, bool json)
{
    if (json) {
        fprintf(out, "{\"events\":[");
        for (size_t i = 0; i < n; i++) {
            char when[32];
            nt_format_iso_ms(e[i].time_ns, when, sizeof(when));
            fprintf(out, "%s{\"seq\":%llu,", i > 0 ? "," : "", (unsigned long long)e[i].seq);
            json_str(out, "time", when, true);
            fprintf(out, "\"time_ns\":%lld,", (long long)e[i].time_ns);
            json_str(out, "severity", event_severity_name(e[i].severity), true);
            json_str(out, "tag", event_tag_name(e[i].tag), true);
            json_str(out, "source", e[i].source, true);
            json_str(out, "message", e[i].message, true);
            fprintf(out, "\"stratum\":%d,", e[i].stratum);
            json_str(out, "reference", e[i].reference, false);
            fprintf(out, "}");
        }
        fprintf(out, "]}\n");
        return;
    }
    fprintf(out, "Time (UTC)               Severity Tag                  Source   Message\n");
    fprintf(out, "=================================================================="
                 "=============================\n");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        nt_format_iso_ms(e[i].time_ns, when, sizeof(when));
        fprintf(out, "%-24s %-8s %-20s %-8s %s\n", when, event_severity_name(e[i].severity),
                event_tag_name(e[i].tag), e[i].source[0] != '\0' ? e[i].source : "-",
                e[i].message);
    }
}
