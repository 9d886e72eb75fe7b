/* Records shared by the seed flows' BPF programs (user/bpf/prog/ *.bpf.c)
 * and the program that loads them (user/bpf/seed_flows.c). Plain C types
 * only: compiled by clang -target bpf and by gcc. */
#pragma once

#define SEED_RING_BYTES (256 * 1024)

/* sys_enter_unlinkat: who unlinked what. */
struct seed_unlink {
	int pid;
	char comm[16];
	char filename[256];
};

/* sys_exit_kill: a request user space put in the user ring ... */
struct seed_req {
	int seq;
	int value;
};

/* ... and the program's answer in the kernel ring. */
struct seed_reply {
	int seq;
	int value;              /* the request's value * factor (.rodata) */
	int pid;                /* the task whose kill() drained it */
	int pad;
};
