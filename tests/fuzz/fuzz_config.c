/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the configuration parser on arbitrary text. It must never crash, and a
 * config it accepts must print as a config it accepts again (cfg_print round trip). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cfg c, again;
    /* The bytes as a file holds them, NUL bytes included. */
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    FILE *devnull = fopen("/dev/null", "w");
    int errors = cfg_parse_buffer(text, size, "fuzz.conf", &c, devnull);
    if (errors == 0) {
        char *printed = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&printed, &len);
        cfg_print(&c, out);
        fclose(out);
        if (cfg_parse_string(printed, "printed.conf", &again, devnull) != 0) {
            fprintf(stderr, "accepted config does not round-trip:\n%s\n", printed);
            abort();
        }
        free(printed);
    }
    fclose(devnull);
    free(text);
    return 0;
}
