/* fault_bad_insn: executes an invalid instruction (ud2), with no handler
 * installed: killed with SIGILL (plan: fault_bad_insn:sig=4). Prints nothing. */
int main(void)
{
	__asm__ volatile("ud2");
	return 1;                      /* survived: wrong */
}
