/* Which function of the guest image holds an address (loader/elf.h), so that
 * a crash report can name it: the image's own symbol table, read in place.
 * elf_check never looked at section headers, so every offset here is checked
 * against the file's length before it is used. */
#include "elf.h"
#include "elf64.h"

/* Does [off, off + n) lie inside a file of len bytes? */
static int inside(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

const char *elf_symbol(const void *image, uint64_t len, uint64_t addr, uint64_t *off)
{
	const uint8_t *img = image;
	const struct elf64_ehdr *eh = image;
	struct elf64_shdr sh, str;
	struct elf64_sym sym;

	if (len < sizeof(*eh) || eh->shentsize != sizeof(sh) ||
	    !inside(eh->shoff, (uint64_t)eh->shnum * sizeof(sh), len))
		return 0;
	/* The first symbol table only, read once: the work is bounded by the
	 * file's length whatever the guest's headers say (a report must end). */
	for (unsigned i = 0; i < eh->shnum; i++) {
		/* ELF gABI "Sections": a symbol table's sh_link is its string table. */
		__builtin_memcpy(&sh, img + eh->shoff + i * sizeof(sh), sizeof(sh));
		if (sh.type != SHT_SYMTAB)
			continue;
		if (sh.entsize != sizeof(sym) || sh.link >= eh->shnum || !inside(sh.offset, sh.size, len))
			return 0;
		__builtin_memcpy(&str, img + eh->shoff + sh.link * sizeof(str), sizeof(str));
		/* ELF gABI "String Table": its last byte is NUL, so every name in
		 * it ends inside it, and none needs a scan of its own. */
		if (!inside(str.offset, str.size, len) || str.size == 0 ||
		    img[str.offset + str.size - 1] != 0)
			return 0;
		for (uint64_t k = 0; k + sizeof(sym) <= sh.size; k += sizeof(sym)) {
			/* ELF gABI "Symbol Table": a function covers st_size bytes. */
			__builtin_memcpy(&sym, img + sh.offset + k, sizeof(sym));
			if ((sym.info & 0xf) != STT_FUNC || addr < sym.value ||
			    addr - sym.value >= sym.size || sym.name >= str.size)
				continue;
			*off = addr - sym.value;
			return (const char *)img + str.offset + sym.name;
		}
		return 0;
	}
	return 0;
}
