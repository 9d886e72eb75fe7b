/* Shared by the uapi comparison test: one table per header. */
#pragma once
#include <stddef.h>

struct uapi_item {
	const char *name;
	long long value;
};

/* Fill out[] (up to max entries); returns the number of entries. */
size_t uapi_table_ours(struct uapi_item *out, size_t max);
size_t uapi_table_sys(struct uapi_item *out, size_t max);
