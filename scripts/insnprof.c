/* insnprof: a QEMU TCG plugin that counts the guest instructions executed
 * in each translation block, keyed by the block's start address. At exit it
 * writes "vaddr count" lines to the file given as out=PATH. scripts/
 * insnprof.py turns two such profiles (a run without samples and one with)
 * into instructions per sample, per function: what `make bench` prints as
 * "where one sample's instructions go".
 *
 * Debian's QEMU ships no qemu-plugin.h, so the handful of plugin API calls
 * used here are declared below as QEMU 7.2 defines them (plugin API
 * version 1; QEMU checks qemu_plugin_version when it loads the plugin).
 * Counts are exact under -icount for blocks that run to their end; a block
 * left early by an exception is counted whole, which the subtraction of
 * two runs makes negligible. One vCPU: the inline add is not atomic. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*atexit_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, atexit_cb_t cb, void *userdata);
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One per translation (a block translated twice gets two; the reader sums
 * by address). Never freed: the process ends right after the dump. */
struct block {
	uint64_t vaddr, insns;
	struct block *next;
};
static struct block *blocks;
static char out_path[1024];

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));
	(void)id;
	if (!b)
		abort();
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->insns,
						 qemu_plugin_tb_n_insns(tb));
}

static void on_exit_dump(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	(void)id;
	(void)userdata;
	if (!f) {
		perror(out_path);
		return;
	}
	for (struct block *b = blocks; b; b = b->next)
		if (b->insns)
			fprintf(f, "%llx %llu\n", (unsigned long long)b->vaddr,
				(unsigned long long)b->insns);
	fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const qemu_info_t *info,
							       int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
	if (!out_path[0]) {
		fprintf(stderr, "insnprof: give out=PATH\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_exit_dump, NULL);
	return 0;
}
