/* The parts of the Multiboot2 specification (version 2.0) the bare-metal host
 * reads: the boot information's tags (spec 3.6). */
#ifndef MB2_MULTIBOOT2_H
#define MB2_MULTIBOOT2_H

#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* spec 3.3: EAX at entry */

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1 /* spec 3.6.3 */
#define MB2_TAG_MODULE 3  /* spec 3.6.6 */
#define MB2_TAG_MMAP 6    /* spec 3.6.8 */
#define MB2_MMAP_AVAILABLE 1

struct mb2_info {
	uint32_t total_size, reserved;
};

struct mb2_tag {
	uint32_t type, size; /* tags are 8-byte aligned (spec 3.6.1) */
};

struct mb2_tag_string {
	struct mb2_tag tag;
	char string[];
};

struct mb2_mmap_entry {
	uint64_t base_addr, length;
	uint32_t type, reserved;
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
	/* entries of entry_size bytes follow */
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end;
	char cmdline[];
};

#endif
