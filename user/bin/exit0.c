/* Starts and exits at once: the kernel's process start/exit leak test runs
 * it a thousand times. */
int main(void)
{
	return 0;
}
