/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulation test of a restart resuming from the drift file: the discipline learns a +45 ppm
 * oscillator, its frequency and skew go through the real drift-file code (persist.c) in a
 * temporary directory, and a new discipline core on the same oscillator (its correction lost,
 * as with a fresh `-x` clock, after 10 s without a daemon) starts at the right frequency at
 * once. With NMEA alone, where learning the frequency takes long, the restart with the file
 * keeps the clock within its NMEA error bound from the first minute; without the file it
 * strays much further. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "refclock/persist.h"
#include "simh.h"

static struct simh_cfg base(uint64_t seed)
{
    return simh_receiver(45, 0, seed, false, 0.4, 20e-3);
}

/* Restart the core on the same oscillator: the old correction is gone. Returns the RMS error
 * from the second minute to `seconds`; *ferr0 and *ferr600 are the frequency errors at once
 * and after 10 minutes. */
static double restart(struct simh *h, bool with_file, double freq, double skew, int seconds,
                      double *ferr0, double *ferr600)
{
    h->clk->ops->set_freq(h->clk, 0);
    clk_sim_advance(h->clk, 10 * NT_NS_PER_S); /* the daemon is down for 10 s */
    h->elapsed_s += 10;
    struct dsc_params p = h->c.dp;
    p.have_drift = with_file;
    p.drift_freq_ppm = freq;
    p.drift_skew_ppm = skew;
    int nmea = h->nmea_idx;
    struct dsc_src_cfg sc = h->d.src[nmea].cfg;
    dsc_init(&h->d, h->clk, &p, clk_now_mono(h->clk));
    CHECK_INT(dsc_add_source(&h->d, &sc), nmea);
    *ferr0 = clk_sim_natural_ppm(h->clk) + h->clk->ops->get_freq(h->clk);
    simh_run(h, 60);
    simh_stats_reset(h, 1);
    simh_run(h, 540);
    *ferr600 = simh_freq_error_ppm(h);
    simh_run(h, seconds - 600);
    return simh_rms(h);
}

int main(void)
{
    uint64_t seed = check_seed(17);
    log_init(true, LOG_LVL_ERR);
    char dir[] = "/tmp/gn-drift-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char path[64];
    snprintf(path, sizeof(path), "%s/drift", dir);

    struct simh h;
    struct simh_cfg c = base(seed);
    simh_init(&h, &c);
    simh_run(&h, 4 * 3600);
    double freq, skew;
    CHECK(dsc_drift(&h.d, &freq, &skew));
    CHECK_INT(pst_write_drift(path, freq, skew), 0);
    double f2 = 0, s2 = 0;
    CHECK_INT(pst_read_drift(path, &f2, &s2), 0);
    printf("learned %.4f ppm (truth %.4f), skew %.4f ppm\n", f2, clk_sim_natural_ppm(h.clk), s2);
    CHECK_NEAR(f2, clk_sim_natural_ppm(h.clk), 0.5);
    CHECK(s2 < 1.0);

    double ferr_with, ferr_without, f600_with, f600_without;
    double with = restart(&h, true, f2, s2, 3600, &ferr_with, &f600_with);
    simh_free(&h);
    simh_init(&h, &c);
    simh_run(&h, 4 * 3600);
    double without = restart(&h, false, 0, 0, 3600, &ferr_without, &f600_without);
    simh_free(&h);
    printf("restart with the drift file: frequency error %.4f ppm at once, %.4f ppm after "
           "10 min; RMS error (minutes 1-60) %.3f ms\n", ferr_with, f600_with, with * 1e3);
    printf("restart without:             frequency error %.4f ppm at once, %.4f ppm after "
           "10 min; RMS error (minutes 1-60) %.3f ms\n", ferr_without, f600_without,
           without * 1e3);
    CHECK(fabs(ferr_with) < 0.5);
    CHECK(fabs(f600_with) < 0.5);
    CHECK(fabs(ferr_without) > 40);
    CHECK(with < 3e-3);
    CHECK(with < without);

    unlink(path);
    rmdir(dir);
    return check_result();
}
