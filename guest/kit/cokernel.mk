# cokernel.mk: build a cokernel guest from C sources with the kit (docs/KIT.md).
# A guest's Makefile is three lines:
#
#     KIT ?= ../../build/kit
#     include $(KIT)/cokernel.mk
#     $(eval $(call guest,hello,main.c))
#
# `make` then builds hello.elf (in OUT, default the current directory) from
# main.c, libcokernel.a and cokernel.ld; `make clean` removes what it built.
# Sources may be C (.c) or NASM assembly (.asm: an entry point or a trap
# handler of one's own, docs/KIT.md). KIT_CFLAGS (above, written by `make
# kit` from the tree's own guest flags) may be extended with CFLAGS, NASM's
# flags with NASMFLAGS; CC, NASM and LD are the tools.

# Where this file is: the kit, whatever KIT the includer said (relative or not).
KIT_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
CC ?= gcc
LD ?= ld
NASM ?= nasm
OUT ?= .
KIT_INCLUDE := -I$(KIT_DIR)/include
# The link: no C library or start files of the build machine, a static image
# at the addresses cokernel.ld gives, libcokernel.a last (it has guest_entry,
# the ABI note and a guest_main that calls main).
KIT_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T $(KIT_DIR)/cokernel.ld

# The objects of SOURCES, in OUT/NAME-obj/.
kit_objs = $(patsubst %.asm,$(OUT)/$(1)-obj/%.o,$(patsubst %.c,$(OUT)/$(1)-obj/%.o,$(2)))

# $(call guest,NAME,SOURCES): $(OUT)/NAME.elf from the C and NASM files SOURCES.
define guest
.PHONY: all clean
all: $(OUT)/$(1).elf
$(OUT)/$(1).elf: $(call kit_objs,$(1),$(2)) $(KIT_DIR)/lib/libcokernel.a $(KIT_DIR)/cokernel.ld
	$$(LD) $(KIT_LDFLAGS) $(call kit_objs,$(1),$(2)) $(KIT_DIR)/lib/libcokernel.a -o $$@
$(OUT)/$(1)-obj/%.o: %.c $(wildcard $(KIT_DIR)/include/*.h $(KIT_DIR)/include/*/*.h)
	@mkdir -p $$(@D)
	$$(CC) $(KIT_CFLAGS) $(KIT_INCLUDE) $$(CFLAGS) -c $$< -o $$@
$(OUT)/$(1)-obj/%.o: %.asm $(wildcard $(KIT_DIR)/include/proto/*.inc)
	@mkdir -p $$(@D)
	$$(NASM) -f elf64 -I $(KIT_DIR)/include/ $$(NASMFLAGS) $$< -o $$@
clean::
	rm -rf $(OUT)/$(1).elf $(OUT)/$(1)-obj
endef
