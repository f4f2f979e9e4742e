/* Names for the HCERR_* codes of proto/errors.h, for messages. */
#ifndef LOADER_ERRORS_H
#define LOADER_ERRORS_H

const char *hc_strerror(int err);

#endif
