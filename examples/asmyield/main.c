/* asmyield: a kit guest with a function in assembly (yield.asm), built by the
 * kit's NASM rule (docs/KIT.md). */
#include <cokernel.h>

uint64_t yield_n(uint64_t n);

int main(int argc, char **argv)
{
	uint64_t ok = yield_n(100);

	(void)argc, (void)argv;
	printf("asmyield: %lu of 100 yields from assembly came back 0\n", ok);
	return ok == 100 ? 0 : 1;
}
