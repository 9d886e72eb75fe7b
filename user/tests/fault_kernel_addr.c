/* fault_kernel_addr: reads the kernel's own text (0xffffffff80100000 is
 * inside Ringtail's image; on Linux it is kernel memory too), with no handler
 * installed. A supervisor-only page must not be readable from user mode:
 * the kernel kills it with SIGSEGV (plan: fault_kernel_addr:sig=11).
 * Prints nothing. */
int main(void)
{
	volatile unsigned long *k = (volatile unsigned long *)0xffffffff80100000UL;
	unsigned long v = *k;          /* SIGSEGV here */
	return (int)(v & 0) + 1;       /* survived: wrong */
}
