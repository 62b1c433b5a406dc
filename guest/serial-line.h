/*
 * One line on the serial console in one write(2): several guest programs
 * share the console, and the tty keeps a single write whole, so the host
 * never sees their lines mixed.
 */
#ifndef GUEST_SERIAL_LINE_H
#define GUEST_SERIAL_LINE_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((format(printf, 1, 2)))
static void serial_line(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if (n > (int)sizeof(line) - 2) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    if (write(STDOUT_FILENO, line, n) < 0) {
        /* Nowhere left to report to. */
    }
}

#endif
