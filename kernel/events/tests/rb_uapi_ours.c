/* Ringtail's uapi headers, included by path so that the system's linux/
 * headers cannot stand in for them: types.h and ioctl.h first, whose guards
 * then keep perf_event.h's own includes from reaching the system's. */
#include <stddef.h>
#include "../../include/uapi/linux/types.h"
#include "../../include/uapi/linux/ioctl.h"
#include "../../include/uapi/linux/perf_event.h"
#define UAPI_TABLE_FN uapi_table_ours
#include "rb_uapi_expand.h"

#ifndef _IOC_NRBITS
#error "ioctl.h did not come from Ringtail"
#endif
