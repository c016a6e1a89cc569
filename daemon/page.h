/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * page: the status page's files, embedded in the daemon at build time (daemon/page/embed.cmake
 * makes page_assets.c from daemon/page/ and the chart library's files), so the page needs
 * nothing from the network or the disk: an appliance on an isolated network has no CDN, and
 * a page tested with one version of the library is served with that version.
 */
#ifndef GN_PAGE_H
#define GN_PAGE_H

#include <stddef.h>

struct page_asset {
    const char *path;              /* the URL path: "/", "/status.js" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
};

extern const struct page_asset page_assets[];
extern const size_t page_n_assets;

#endif
