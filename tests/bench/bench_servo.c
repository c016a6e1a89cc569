/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_servo: the clock discipline's figures, measured against the simulated truth. For each
 * documented scenario (PPS with 100 ns, 1 us and 10 us jitter locked to NMEA; NMEA alone with
 * 20 ms jitter; a 1 us SHM-like source on a +100 ppm oscillator, the scenario in which chrony
 * holds about 0.4 us RMS) and for each servo estimator (Kalman, Kalman with a fixed wander,
 * PLL, least-squares regression) it prints the time to lock, the RMS and maximum error after
 * lock, and the frequency error at the end, averaged over several seeds.
 *
 * Not a test: it asserts nothing and prints figures (docs/performance.md quotes them).
 * Usage: bench_servo [hours per run (default 2)] [seeds (default 4)] [scenario filter]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "simh.h"
#include "tests/bench/servo_alt.h"

struct scenario {
    const char *name;
    const char *what;
    double freq_ppm;       /* sign alternates with the seed when `alt_sign` */
    bool alt_sign;
    double wander;
    bool nmea, pps, shm;
    double pps_jitter, nmea_jitter;
    double lock_thr_s;
    double settle_s;       /* statistics start after this */
};

static const struct scenario scenarios[] = {
    {"pps-100ns", "PPS 100 ns jitter + NMEA lock, +-50 ppm, 1e-9/s wander", 50, true, 1e-3,
     true, true, false, 100e-9, 20e-3, 10e-6, 300},
    {"pps-1us", "PPS 1 us jitter + NMEA lock, +-50 ppm, 1e-9/s wander", 50, true, 1e-3, true,
     true, false, 1e-6, 20e-3, 10e-6, 300},
    {"pps-10us", "PPS 10 us jitter + NMEA lock, +-50 ppm, 1e-9/s wander", 50, true, 1e-3, true,
     true, false, 10e-6, 20e-3, 100e-6, 300},
    {"pps-1us-w10", "PPS 1 us, +-50 ppm, 1e-8/s wander (a warm room)", 50, true, 1e-2, true,
     true, false, 1e-6, 20e-3, 10e-6, 300},
    {"nmea-20ms", "NMEA alone, 20 ms jitter, +-50 ppm, 1e-9/s wander", 50, true, 1e-3, true,
     false, false, 0, 20e-3, 10e-3, 1800},
    {"chrony-cmp", "SHM-like 1 us source, +100 ppm, 1e-9/s wander (chrony: ~0.4 us RMS)", 100,
     false, 1e-3, false, false, true, 0, 1e-6, 10e-6, 300},
};

struct variant {
    const char *name;
    const struct servo_estimator *estimator; /* NULL: the daemon's Kalman filter */
    bool fixed;
    double wander;
};

static const struct variant variants[] = {
    {"kalman", NULL, false, 0},
    {"kalman-fixed-q", NULL, true, 1e-9},
    {"pll", &servo_pll_estimator, true, 1e-9},
    {"regression", &servo_lsq_estimator, true, 0},
};

struct result {
    double lock_s, rms_s, max_s, ferr_ppm;
    int unlocked;
};

static void run_one(const struct scenario *sc, const struct variant *v, uint64_t seed,
                    int64_t seconds, struct result *r)
{
    struct simh_cfg c = {0};
    c.freq_ppm = sc->freq_ppm * (sc->alt_sign && (seed & 1) ? -1 : 1);
    c.wander = sc->wander;
    c.seed = seed;
    c.initial_offset_ns = (int64_t)((seed % 2 ? 0.3 : -0.3) * NT_NS_PER_S);
    c.dp = simh_default_params();
    /* Each run's estimator state, fresh. */
    static struct servo_pll pll;
    static struct servo_lsq lsq;
    memset(&pll, 0, sizeof(pll));
    memset(&lsq, 0, sizeof(lsq));
    c.dp.servo.estimator = v->estimator;
    c.dp.servo.estimator_state = v->estimator == &servo_pll_estimator ? (void *)&pll
                                 : v->estimator == &servo_lsq_estimator ? (void *)&lsq
                                                                        : NULL;
    c.dp.servo.fixed_wander = v->fixed;
    c.dp.servo.wander = v->wander;
    if (sc->shm) {
        /* A source with microsecond samples and no pulse: how gpsd's SHM (or clknetsim's
         * reference) looks to the core. */
        c.nmea = true;
        c.nmea_latency_s = 0.5;
        c.nmea_offset_cfg_s = 0.5;
        c.nmea_jitter_s = sc->nmea_jitter;
    } else {
        c.nmea = sc->nmea;
        c.nmea_latency_s = 0.3;
        c.nmea_offset_cfg_s = 0.3;
        c.nmea_jitter_s = sc->nmea_jitter;
    }
    c.pps = sc->pps;
    c.pps_lock = true;
    c.pps_jitter_s = sc->pps_jitter;
    struct simh h;
    simh_init(&h, &c);
    if (sc->shm) {
        /* a microsecond source: its filter floor is the pulse class's */
        h.d.src[h.nmea_idx].flt.min_spread_s = 2e-6;
    }
    simh_stats_reset(&h, sc->lock_thr_s);
    simh_run(&h, (int64_t)sc->settle_s);
    double lock_a = simh_lock_s(&h);
    bool over_a = h.st.last_over_ns >= 0;
    simh_stats_reset(&h, sc->lock_thr_s);
    simh_run(&h, seconds);
    r->unlocked = h.st.last_over_ns >= 0;
    r->lock_s = r->unlocked ? sc->settle_s + simh_lock_s(&h) : (over_a ? lock_a : 0);
    r->rms_s = simh_rms(&h);
    r->max_s = h.st.max_abs;
    r->ferr_ppm = simh_freq_error_ppm(&h);
    simh_free(&h);
}

int main(int argc, char **argv)
{
    double hours = argc > 1 ? atof(argv[1]) : 2;
    int seeds = argc > 2 ? atoi(argv[2]) : 4;
    const char *only = argc > 3 ? argv[3] : NULL;
    log_init(true, LOG_LVL_ERR);
    int64_t seconds = (int64_t)(hours * 3600);
    printf("clock discipline benchmark: %.1f h per run after settling, %d seeds, errors against "
           "the simulated truth\n", hours, seeds);
    printf("lock: the time after which |error| stayed below the threshold; RMS/max: after the "
           "settling time\n\n");
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        const struct scenario *sc = &scenarios[i];
        if (only != NULL && strstr(sc->name, only) == NULL) {
            continue;
        }
        printf("%s: %s (lock threshold %.0f us, statistics after %.0f s)\n", sc->name, sc->what,
               sc->lock_thr_s * 1e6, sc->settle_s);
        printf("  %-15s %10s %12s %12s %12s %8s\n", "servo", "lock [s]", "RMS [us]",
               "max [us]", "|ferr| [ppb]", "cpu [s]");
        for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++) {
            const struct variant *v = &variants[k];
            double lock = 0, rms2 = 0, maxe = 0, ferr = 0;
            int unlocked = 0;
            clock_t t0 = clock();
            for (int s = 0; s < seeds; s++) {
                struct result r;
                run_one(sc, v, 1000 + (uint64_t)s, seconds, &r);
                lock = fmax(lock, r.lock_s);
                rms2 += r.rms_s * r.rms_s;
                maxe = fmax(maxe, r.max_s);
                ferr += fabs(r.ferr_ppm);
                unlocked += r.unlocked;
            }
            double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;
            printf("  %-15s %10.0f %12.3f %12.3f %12.3f %8.2f%s\n", v->name, lock,
                   sqrt(rms2 / seeds) * 1e6, maxe * 1e6, ferr / seeds * 1e3, cpu,
                   unlocked ? "  (left the threshold after settling)" : "");
        }
        printf("\n");
    }
    return 0;
}
