/* The uh_host table handed to plugins: small functions that check their
 * arguments and forward to the run, its allocator and diagnostics. */
#ifndef UH_HOSTAPI_H
#define UH_HOSTAPI_H

#include <uberhost/uh_sdk.h>

/* The host table (static, valid for the process's life). */
const uh_host *hostapi_table(void);

/* While a plugin's init() runs, host->fail(NULL, ...) records its message
 * here (per thread). begin clears it; message returns it or NULL. */
void hostapi_load_begin(void);
const char *hostapi_load_message(void);

/* The message of a status code. */
const char *hostapi_status_str(uh_status st);

#endif
