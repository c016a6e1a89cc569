/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ntp_wire: the NTP packet header's layout (RFC 5905 figure 8) and the big-endian field
 * accessors, shared by the server's codec (server/srv.c) and the client's (drivers/ntpc_proto.c)
 * so that the layout is written once. Conversions between ns and NTP timestamps stay in
 * ntime.h; this module only knows where fields are and how bytes become integers.
 */
#ifndef GN_NTP_WIRE_H
#define GN_NTP_WIRE_H

#include <stdint.h>

#define NTW_HDR_LEN 48

/* Header field offsets. */
#define NTW_OFF_LVM 0
#define NTW_OFF_STRATUM 1
#define NTW_OFF_POLL 2
#define NTW_OFF_PRECISION 3
#define NTW_OFF_ROOT_DELAY 4
#define NTW_OFF_ROOT_DISP 8
#define NTW_OFF_REFID 12
#define NTW_OFF_REF_TS 16
#define NTW_OFF_ORIGIN_TS 24
#define NTW_OFF_RX_TS 32
#define NTW_OFF_TX_TS 40

/* Association modes (RFC 5905 section 7.3). */
#define NTW_MODE_SYMMETRIC_ACTIVE 1
#define NTW_MODE_SYMMETRIC_PASSIVE 2
#define NTW_MODE_CLIENT 3
#define NTW_MODE_SERVER 4

/* The leap indicator, version and mode byte. */
static inline int ntw_leap(const uint8_t *pkt) { return pkt[NTW_OFF_LVM] >> 6; }
static inline int ntw_version(const uint8_t *pkt) { return (pkt[NTW_OFF_LVM] >> 3) & 7; }
static inline int ntw_mode(const uint8_t *pkt) { return pkt[NTW_OFF_LVM] & 7; }
static inline uint8_t ntw_lvm(int leap, int version, int mode)
{
    return (uint8_t)((leap & 3) << 6 | (version & 7) << 3 | (mode & 7));
}

static inline void ntw_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t ntw_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void ntw_put64(uint8_t *p, uint64_t v)
{
    ntw_put32(p, (uint32_t)(v >> 32));
    ntw_put32(p + 4, (uint32_t)v);
}

static inline uint64_t ntw_get64(const uint8_t *p)
{
    return (uint64_t)ntw_get32(p) << 32 | ntw_get32(p + 4);
}

/*
 * 2^e seconds as a double, for the poll and precision fields (signed 8-bit log2 seconds).
 * Exact for every int8 value; computed without libm so the hot path of the server stays cheap.
 */
double ntw_log2_s(int8_t e);

#endif
