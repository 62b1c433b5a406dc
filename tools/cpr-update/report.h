/* What cpr-update prints at the end: text for people, JSON for scripts. */
#ifndef REPORT_H
#define REPORT_H

#include "update.h"

void report_print_text(const Update *u, int rc, FILE *out);
void report_print_json(const Update *u, int rc, FILE *out);

#endif
