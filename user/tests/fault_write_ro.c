/* fault_write_ro: writes to a read-only page, with no handler installed.
 * The kernel must kill it with SIGSEGV (plan: fault_write_ro:sig=11), report
 * the fault, and go on with the next program. Prints nothing. */
#include <sys/mman.h>

int main(void)
{
	volatile char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	p[0] = 1;
	if (mprotect((void *)p, 4096, PROT_READ))
		return 3;
	p[100] = 2;                    /* SIGSEGV here */
	return 1;                      /* survived: wrong */
}
