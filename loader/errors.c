/* Names for the HC_E* codes (loader/errors.h). */
#include "errors.h"
#include "../proto/errors.h"

static const char *const names[HC_NERRORS] = {
	[HC_OK] = "HC_OK",         [HC_ENOSYS] = "HC_ENOSYS", [HC_EINVAL] = "HC_EINVAL",
	[HC_EFAULT] = "HC_EFAULT", [HC_E2BIG] = "HC_E2BIG",   [HC_ENOMEM] = "HC_ENOMEM",
	[HC_EEXIST] = "HC_EEXIST", [HC_ERANGE] = "HC_ERANGE", [HC_ENODEV] = "HC_ENODEV",
	[HC_EROFS] = "HC_EROFS",   [HC_EIO] = "HC_EIO",       [HC_EBADRING] = "HC_EBADRING",
	[HC_EAGAIN] = "HC_EAGAIN",
};

const char *hc_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < HC_NERRORS ? names[err] : "HC_E?";
}
