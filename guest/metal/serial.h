/* COM1, polled: the heartbeat's only output. */
#ifndef METAL_SERIAL_H
#define METAL_SERIAL_H

#include "fmt.h"

void serial_init(void);

/* Send @l followed by a newline. */
void serial_line(const Line *l);

#endif
