/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gn-guest-ppsbridge: inside the system test's QEMU guest only. Turns each byte the host sends
 * on a serial port (at every host second) into one interrupt of the emulated parallel port,
 * which the stock pps_parport module timestamps as a kernel PPS event (/dev/ppsN). QEMU's
 * LPT raises IRQ 7 when STROBE is released with INTEN set; the write pair below is that edge.
 * `--quiesce` only clears INTEN and exits: see main().
 * It refuses to run unless the kernel command line says this is the test guest: on a real
 * machine poking port 0x37a would drive a real printer port.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

#include "in_test_guest.h"

#define LPT_STATUS 0x379
#define LPT_CONTROL 0x37a
#define CTRL_STROBE_SET 0x1d /* INTEN | SELECT | INIT | STROBE */
#define CTRL_STROBE_OFF 0x1c /* STROBE released, INTEN still set: the edge */
#define CTRL_QUIET 0x0c      /* SELECT | INIT, interrupts off */


int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gn-guest-ppsbridge TTY | --quiesce\n");
        return 2;
    }
    if (!in_test_guest()) {
        fprintf(stderr, "ppsbridge: not the system test's guest (gpsntpd_system_test=1); refusing\n");
        return 1;
    }
    if (strcmp(argv[1], "--quiesce") == 0) {
        /* Before pps_parport is loaded again: QEMU raises the port's interrupt on any control
         * write while INTEN was set, and the module's attach writes the control register
         * before it has registered its PPS source (a NULL dereference in pps_event). */
        if (ioperm(LPT_STATUS, 2, 1) != 0) {
            fprintf(stderr, "ppsbridge: ioperm: %s\n", strerror(errno));
            return 1;
        }
        outb(CTRL_QUIET, LPT_CONTROL);
        /* That write itself left an interrupt pending (INTEN was set): reading the status
         * register acknowledges it, so nothing is pending when the module claims the port. */
        usleep(10000);
        (void)inb(LPT_STATUS);
        return 0;
    }
    int fd = open(argv[1], O_RDONLY | O_NOCTTY);
    if (fd < 0) {
        fprintf(stderr, "ppsbridge: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetspeed(&t, B115200);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        tcsetattr(fd, TCSANOW, &t);
    }
    if (ioperm(LPT_CONTROL, 1, 1) != 0) {
        fprintf(stderr, "ppsbridge: ioperm: %s\n", strerror(errno));
        return 1;
    }
    tcflush(fd, TCIFLUSH);
    unsigned long edges = 0;
    for (;;) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "ppsbridge: %s: read: %s\n", argv[1], n == 0 ? "end of file" : strerror(errno));
            return 1;
        }
        /* One edge per read: bytes that queued together (a late wake-up) are one second's. */
        outb(CTRL_STROBE_SET, LPT_CONTROL);
        outb(CTRL_STROBE_OFF, LPT_CONTROL);
        if (++edges <= 3)
            fprintf(stderr, "ppsbridge: edge %lu\n", edges);
    }
}
