/* hello: the first user program (guest/progs/user.c runs it): its pid, a
 * write, TLS through FS, a bad pointer refused, a lazily grown heap, then
 * exit 7. Ring 3. */
#include "ulib.h"

static uint64_t tls_block[4] = { 0x7715 };

int main(void)
{
	uint64_t fs_word, cs;
	char *heap;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("user: hello from pid %d in ring %lu (parent %d)\n", getpid(), cs & 3, getppid());
	if (setfs((uint64_t)tls_block) != 0)
		return 1;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(fs_word));
	printf("user: TLS through FS reads %lx\n", fs_word);
	printf("user: write of a kernel address: %ld\n",
	       write((const void *)0xffffffff80000000ull, 16));
	printf("user: write of an unmapped address: %ld\n", write((const void *)0x10000000, 4));
	heap = sbrk(3 * 4096);
	heap[0] = 'a';
	heap[3 * 4096 - 1] = 'z';
	printf("user: heap at %p: %c..%c\n", (void *)heap, heap[0], heap[3 * 4096 - 1]);
	return 7;
}
