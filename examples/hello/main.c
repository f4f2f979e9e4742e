/* hello: the smallest kit guest (docs/KIT.md). It prints its command line
 * and its pool, gives the CPU back to the host a few times, and exits 0. */
#include <cokernel.h>

int main(int argc, char **argv)
{
	printf("hello: a kit guest on the %s host, pool %lu KiB\n",
	       boot->host == BOOTINFO_HOST_MB2   ? "bare-metal"
	       : boot->host == BOOTINFO_HOST_EFI ? "UEFI"
					       : "Linux",
	       boot->pool_bytes >> 10);
	for (int i = 1; i < argc; i++)
		printf("hello: argv[%d] = '%s'\n", i, argv[i]);
	for (int i = 0; i < 100; i++)
		hypercall(HC_YIELD, 0, 0, 0);
	printf("hello: 100 yields done, goodbye\n");
	return 0;
}
