/*
 * Settings of the guest programs from the kernel command line
 * ("hb.disk=/dev/vda hb.net=..."): one small lookup shared by them.
 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the value of "KEY=" from /proc/cmdline into @out; 0 if found. */
static int cmdline_get(const char *key, char *out, size_t size)
{
    char buf[4096], *p;
    size_t klen = strlen(key), len;
    FILE *f = fopen("/proc/cmdline", "r");

    if (!f) {
        return -1;
    }
    if (!fgets(buf, sizeof(buf), f)) {
        buf[0] = '\0';
    }
    fclose(f);
    for (p = buf; (p = strstr(p, key)); p += klen) {
        if ((p == buf || p[-1] == ' ') && p[klen] == '=') {
            p += klen + 1;
            len = strcspn(p, " \n");
            if (len >= size) {
                return -1;
            }
            memcpy(out, p, len);
            out[len] = '\0';
            return 0;
        }
    }
    return -1;
}

/* A positive number setting, or @dflt when absent or malformed. */
static unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
    char val[32], *end;
    unsigned long v;

    if (cmdline_get(key, val, sizeof(val))) {
        return dflt;
    }
    v = strtoul(val, &end, 10);
    return *end || v == 0 ? dflt : v;
}

#endif
