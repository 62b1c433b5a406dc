/*
 * A small synchronous QMP client: connect to a QEMU monitor socket, run
 * commands, wait for events.  JSON is handled by json-glib; this file only
 * frames messages (QEMU sends one JSON object per line).
 */
#ifndef QMP_CLIENT_H
#define QMP_CLIENT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#define QMP_CLIENT_ERROR (qmp_client_error_quark())
GQuark qmp_client_error_quark(void);

typedef enum {
    QMP_CLIENT_ERROR_CONNECT,   /* socket missing or refused */
    QMP_CLIENT_ERROR_TIMEOUT,   /* no answer in time */
    QMP_CLIENT_ERROR_CLOSED,    /* QEMU closed the connection */
    QMP_CLIENT_ERROR_PROTOCOL,  /* malformed or unexpected message */
    QMP_CLIENT_ERROR_COMMAND,   /* QEMU answered with an error */
    QMP_CLIENT_ERROR_ABORTED,   /* the abort fd became readable */
    QMP_CLIENT_ERROR_NO_GREETING,   /* connected, but QEMU sent no greeting */
} QmpClientError;

typedef struct QmpClient QmpClient;

/* Connect to a UNIX socket, read the greeting, negotiate capabilities. */
QmpClient *qmp_client_connect(const char *path, int timeout_ms, GError **errp);

/* Same, on an already connected file descriptor (takes ownership). */
QmpClient *qmp_client_new_fd(int fd, int timeout_ms, GError **errp);

/*
 * Like qmp_client_connect, but the greeting has a limit of its own,
 * @greeting_timeout_ms (capabilities negotiation still gets @timeout_ms).
 * QEMU serves one client per monitor socket and leaves further ones
 * connected but unanswered: a greeting that does not come in time is
 * QMP_CLIENT_ERROR_NO_GREETING (from qmp_client_connect too).
 */
QmpClient *qmp_client_connect_greeting(const char *path, int greeting_timeout_ms,
                                       int timeout_ms, GError **errp);

/*
 * Run a command.  @args may be NULL.  Returns the "return" member (caller
 * owns it) or NULL with @errp set; for QMP errors the message is
 * "<class>: <desc>".
 */
JsonNode *qmp_client_execute(QmpClient *c, const char *command,
                             JsonObject *args, int timeout_ms, GError **errp);

/*
 * The string member @name of a reply that is an object (a copy), or NULL
 * when the reply is missing, not an object, or has no such string.
 */
char *qmp_reply_string(JsonNode *reply, const char *name);

/* Like qmp_client_execute, with arguments given as a JSON text. */
JsonNode *qmp_client_execute_json(QmpClient *c, const char *command,
                                  const char *args_json, int timeout_ms,
                                  GError **errp);

/*
 * Wait for an event called @name (already received ones count).  Returns
 * the whole event object (caller owns it).
 */
JsonObject *qmp_client_wait_event(QmpClient *c, const char *name,
                                  int timeout_ms, GError **errp);

/*
 * Give up waiting as soon as @fd is readable (e.g. a self-pipe written by
 * a signal handler); -1 disables.
 */
void qmp_client_set_abort_fd(QmpClient *c, int fd);

/* The process at the other end of the socket (SO_PEERCRED), or -1. */
int qmp_client_peer_pid(QmpClient *c);

/* The "QMP" member of the greeting. */
JsonObject *qmp_client_greeting(QmpClient *c);

void qmp_client_free(QmpClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QmpClient, qmp_client_free)

#endif
