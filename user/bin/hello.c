/* The smallest useful program: proves user mode, the syscall path, musl's
 * start-up and stdio on Ringtail. `make run PROG=build/user/hello`. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	printf("hello from user space: pid %d, argc %d", getpid(), argc);
	for (int i = 1; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\n");
	return 0;
}
