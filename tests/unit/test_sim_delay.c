/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation tests of what lies between a sample's stamp and its processing, the class of bug
 * that the independent judge (clknetsim, tests/judge/run.sh) found and the earlier simulations
 * hid by delivering every sample at once: a PPS edge fetched 200 ms late and an SHM sample
 * polled up to 250 ms late reach the core after the tick that follows them, on +-100 ppm
 * oscillators started 0.1-0.3 s off, with the default discipline parameters.
 *  - no bias: a sample judged against the state of the later tick reads the oscillator's
 *    frequency times the delay as an offset (+-10 us at +-100 ppm for 0.1 s);
 *  - fast lock: within 10 us in under 30 s by default;
 *  - the reference scenario of the judge, SHM N(0, 1 us) on +100 ppm with 1e-9/s wander,
 *    where the judge measured 0.20-0.22 us RMS: the simulation must agree (calibration). */
#include <stdio.h>

#include "check.h"
#include "common/log.h"
#include "simh.h"

enum kind { PPS_SRC, SHM_SRC };

static struct simh_cfg scenario(enum kind k, double freq_ppm, double offset_s, uint64_t seed)
{
    struct simh_cfg c;
    if (k == PPS_SRC) {
        /* a PPS locked to NMEA, fetched by the driver's 200 ms poll */
        c = simh_receiver(freq_ppm, offset_s, seed, true, 0.35, 5e-3);
        c.pps_read_delay_s = 0.2;
    } else {
        /* an SHM segment written at the second, polled every 250 ms: a coarse-class source
         * with microsecond samples (50 ms: clear of simh's clamp at 10 ms), read 0.24 s after
         * its stamp (0.19 s after the tick) */
        c = simh_receiver(freq_ppm, offset_s, seed, false, 0.05, 1e-6);
        c.nmea_read_delay_s = 0.24;
    }
    c.tick_phase_s = 0.1; /* after the stamp, before the delivery */
    return c;
}

/* Lock, then an hour of statistics: mean, RMS, max against the truth. */
static void run(enum kind k, double ppm, double offset_s, uint64_t seed, double *lock_s,
                double *mean, double *rms, double *max)
{
    struct simh h;
    struct simh_cfg c = scenario(k, ppm, offset_s, seed);
    simh_init(&h, &c);
    simh_stats_reset(&h, 10e-6);
    simh_run(&h, 600);
    *lock_s = simh_lock_s(&h);
    simh_stats_reset(&h, 10e-6);
    simh_run(&h, 3600);
    *mean = simh_mean(&h);
    *rms = simh_rms(&h);
    *max = h.st.max_abs;
    CHECK_INT(dsc_mode(&h.d), RST_TRACKING);
    simh_free(&h);
}

static void test_no_bias(uint64_t seed)
{
    static const double ppms[] = {100, -100, 37};
    static const double offsets[] = {0.1, -0.2, 0.3};
    for (int kind = PPS_SRC; kind <= SHM_SRC; kind++) {
        for (int i = 0; i < 3; i++) {
            double lock, mean, rms, max;
            run((enum kind)kind, ppms[i], offsets[i], seed + (uint64_t)i, &lock, &mean, &rms,
                &max);
            printf("%s %+4.0f ppm, %+.1f s: lock (10 us) %.0f s, mean %+.3f us, RMS %.3f us, "
                   "max %.3f us\n", kind == PPS_SRC ? "pps" : "shm", ppms[i], offsets[i], lock,
                   mean * 1e6, rms * 1e6, max * 1e6);
            CHECK(lock < 30);
            CHECK(fabs(mean) < 0.1e-6); /* the bias was f x delay: 10-30 us */
            CHECK(rms < 0.4e-6);
            CHECK(max < 2e-6);
        }
    }
}

/* The judge's reference scenario, shm1u (docs/performance.md): its RMS over 5 seeds was
 * 0.20-0.22 us. The simulation, which has no network and no kernel, must land there too. */
static void test_judge_calibration(uint64_t seed)
{
    double sum2 = 0;
    for (int i = 0; i < 3; i++) {
        double lock, mean, rms, max;
        run(SHM_SRC, 100, 0.1, seed + 10 + (uint64_t)i, &lock, &mean, &rms, &max);
        sum2 += rms * rms;
    }
    double rms = sqrt(sum2 / 3);
    printf("judge's shm1u scenario, simulated: RMS %.3f us (judge: 0.20-0.22 us)\n", rms * 1e6);
    CHECK(rms > 0.17e-6 && rms < 0.26e-6);
}

int main(void)
{
    uint64_t seed = check_seed(11);
    log_init(true, LOG_LVL_WARN);
    test_no_bias(seed);
    test_judge_calibration(seed);
    return check_result();
}
