/* Names for the HCERR_* codes (loader/errors.h). */
#include "errors.h"
#include "../proto/errors.h"

static const char *const names[HCERR_COUNT] = {
	[HCERR_NONE] = "HCERR_NONE",         [HCERR_NOSYS] = "HCERR_NOSYS", [HCERR_INVAL] = "HCERR_INVAL",
	[HCERR_FAULT] = "HCERR_FAULT", [HCERR_2BIG] = "HCERR_2BIG",   [HCERR_NOMEM] = "HCERR_NOMEM",
	[HCERR_EXIST] = "HCERR_EXIST", [HCERR_RANGE] = "HCERR_RANGE", [HCERR_NODEV] = "HCERR_NODEV",
	[HCERR_ROFS] = "HCERR_ROFS",   [HCERR_IO] = "HCERR_IO",       [HCERR_BADRING] = "HCERR_BADRING",
	[HCERR_AGAIN] = "HCERR_AGAIN",
};

const char *hc_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < HCERR_COUNT ? names[err] : "HCERR_?";
}
