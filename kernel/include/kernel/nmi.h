/* NMI handlers: called in NMI context (no locks, no faults, no sleeping)
 * for every NMI on the CPU; each checks whether the NMI is its own. */
#pragma once
#include <lib/types.h>

struct trap_frame;
typedef void (*nmi_handler_t)(struct trap_frame *f);

int nmi_register(nmi_handler_t h);     /* 0, or -1 if the table is full */
void nmi_unregister(nmi_handler_t h);
