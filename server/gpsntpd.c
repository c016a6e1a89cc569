/* SPDX-License-Identifier: BSD-2-Clause */
/* Placeholder until this program lands. */
#include <stdio.h>
int main(void)
{
    fputs("not built yet\n", stderr);
    return 1;
}
