/*
 * The JSON summary the monitoring tools (hbmon, net-peer) leave when they
 * stop: pretty-printed to a file, or to stdout when no file is given.
 */
#ifndef JSON_SUMMARY_H
#define JSON_SUMMARY_H

#include <json-glib/json-glib.h>

/* 0 on success; 1 after printing "PROG: error" on stderr. */
int json_summary_write(JsonNode *root, const char *path, const char *prog);

#endif
