/* The TSC's rate, measured against the PIT. */
#ifndef METAL_TSC_CALIBRATE_H
#define METAL_TSC_CALIBRATE_H

#include <stdint.h>

/*
 * TSC ticks per millisecond (kHz); 0 if the PIT never counted down.  The
 * measurement's uncertainty, in millionths, goes to *@ppm.
 */
uint32_t tsc_calibrate_khz(uint32_t *ppm);

#endif
