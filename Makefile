# cokernel: build the bare-metal monitor with its guest, the ISO, and the tests.
# `make` builds everything; `make qemu` boots it; `make test` runs every test.
# V=1 shows the commands. Every artefact lands under build/.

BUILD := build
SHELL := /bin/bash
Q := $(if $(filter 1,$(V)),,@)
say = @$(if $(Q),printf '  %-7s %s\n' '$(1)' '$(2)',true)

CC := gcc
LD := ld
NASM := nasm

WARN := -Wall -Wextra -Werror
# Kernel code on both sides (the monitor in ring 0, the guest in ring 1): no
# libc, no red zone (the monitor writes exception frames below the guest's RSP,
# and the CPU below the monitor's), no SSE in the monitor (the guest's x87/SSE
# registers are live while it runs between switches; GUEST_CFLAGS lets the
# guest have it), no stack protector or CET markers, and no memset/memcpy loops
# turned into calls.
FREESTANDING := -std=c11 -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fcf-protection=none -MMD -MP $(WARN)
NASMFLAGS := -f elf64 -g -I ./ -I $(BUILD)/ -Werror
# The monitor's C (every host's build of it, not the guest's) keeps its stack
# frames small: on the Linux host it runs on the kernel's stack, 16 KiB in all
# (THREAD_SIZE, arch/x86/include/asm/page_64_types.h), under whatever the
# kernel had there already. A 4 KiB array on the stack is an error (-Werror),
# not a crash on one host.
MON_STACK := -Wframe-larger-than=1024

# The compile rules of one object tree, $(BUILD)/TREE/: x.o from x.c with the
# tree's C flags (the variable named by $(2)), or from x.asm (NASM's flags are
# every tree's). $(eval $(call object_rules,TREE,FLAGS)) after FLAGS.
define object_rules
$(BUILD)/$(1)/%.o: %.c
	$$(call say,CC,$$@)
	$$(Q)mkdir -p $$(@D) && $$(CC) $$($(2)) -c $$< -o $$@

$(BUILD)/$(1)/%.o: %.asm
	$$(call say,NASM,$$@)
	$$(Q)mkdir -p $$(@D) && $$(NASM) $$(NASMFLAGS) -MD $$@.d $$< -o $$@
endef

# ---------------------------------------------------------------- guest ----
# The guest kernel is a library and programs (docs/KIT.md). The library, every
# guest/*.c and *.asm but main.c, and lib/ (fmt, string: shared with the
# monitor), is build/kit/lib/libcokernel.a; the in-tree guest, build/guest.elf,
# is guest/main.c (the program table that guest=NAME picks from) and
# guest/progs/ linked with it. `make kit` installs the library with its header,
# linker script and cokernel.mk in build/kit/, from which an out-of-tree guest
# (examples/) builds with a three-line Makefile.
KIT := $(BUILD)/kit
GUEST_LIB_SRC := $(filter-out guest/main.c,$(wildcard guest/*.c guest/*.asm)) lib/fmt.c lib/string.c
GUEST_PROG_SRC := guest/main.c $(wildcard guest/progs/*.c guest/progs/*.asm labs/*/guest/*.c)
obj = $(patsubst %.asm,$(1)/%.o,$(patsubst %.c,$(1)/%.o,$(2)))
GUEST_LIB_OBJ := $(call obj,$(BUILD)/guest-obj,$(GUEST_LIB_SRC))
GUEST_PROG_OBJ := $(call obj,$(BUILD)/guest-obj,$(GUEST_PROG_SRC))
# The guest may use x87, SSE and AVX (the switch gives it its own state); the
# monitor stays general-registers-only.
GUEST_CFLAGS := $(filter-out -mgeneral-regs-only,$(FREESTANDING)) -mcmodel=kernel
GUEST_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T guest/linker.ld

$(eval $(call object_rules,guest-obj,GUEST_CFLAGS))

# The kit's user programs (guest/user/, ring 3 under guest/proc.h): each
# guest/user/NAME.c with the user C library, linked at 4 MiB by
# guest/user/user.ld, without x87/SSE (the processes share that state), and
# built into the guest image by guest/progs/user_images.asm (NASM's incbin),
# without its debug sections (-S: they are most of the file, and every byte
# of it is the guest image's, which must fit the pool; symbols stay).
USER_PROGS := $(filter-out ulib,$(basename $(notdir $(wildcard guest/user/*.c))))
USER_ELFS := $(USER_PROGS:%=$(BUILD)/user/%.elf)
USER_CFLAGS := $(filter-out -mcmodel=kernel,$(FREESTANDING)) -fno-builtin -fno-stack-protector
USER_LIB_OBJ := $(BUILD)/user-obj/guest/user/ulib.o $(BUILD)/user-obj/guest/user/start.o \
	$(BUILD)/user-obj/lib/fmt.o $(BUILD)/user-obj/lib/string.o

$(eval $(call object_rules,user-obj,USER_CFLAGS))

$(BUILD)/user/%.elf: $(BUILD)/user-obj/guest/user/%.o $(USER_LIB_OBJ) guest/user/user.ld
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D) && $(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack -S \
		-T guest/user/user.ld $< $(USER_LIB_OBJ) -o $@

# A lab's user programs (labs/LAB/user/NAME.c, docs/labs/README.md) are built
# the same way, as build/user/NAME.elf: their names must differ from the
# kit's and each other's.
LAB_USER_SRC := $(wildcard labs/*/user/*.c)
define lab_user_rule
$(BUILD)/user/$(basename $(notdir $(1))).elf: $(BUILD)/user-obj/$(1:.c=.o) $(USER_LIB_OBJ) guest/user/user.ld
	$$(call say,LD,$$@)
	$$(Q)mkdir -p $$(@D) && $$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack -S \
		-T guest/user/user.ld $$< $$(USER_LIB_OBJ) -o $$@
endef
$(foreach src,$(LAB_USER_SRC),$(eval $(call lab_user_rule,$(src))))
USER_ELFS += $(foreach src,$(LAB_USER_SRC),$(BUILD)/user/$(basename $(notdir $(src))).elf)

$(BUILD)/guest-obj/guest/progs/user_images.o: $(USER_ELFS)
.SECONDARY: $(USER_LIB_OBJ) $(USER_PROGS:%=$(BUILD)/user-obj/guest/user/%.o) \
	$(LAB_USER_SRC:%.c=$(BUILD)/user-obj/%.o)

$(KIT)/lib/libcokernel.a: $(GUEST_LIB_OBJ)
	$(call say,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

$(BUILD)/guest.elf: $(GUEST_PROG_OBJ) $(KIT)/lib/libcokernel.a guest/linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(GUEST_LDFLAGS) $(GUEST_PROG_OBJ) $(KIT)/lib/libcokernel.a -o $@

# The kit: the library, the linker script, cokernel.mk (the guest's compiler
# flags, the ones above without the dependency files, and the link rule), and
# the headers: cokernel.h and what it includes, in the tree's own layout so
# their relative includes (../proto/...) hold.
KIT_HDRS := $(wildcard guest/*.h) $(filter-out proto/linux_ioctl.h,$(wildcard proto/*.h)) lib/fmt.h \
	proto/hypercall.inc
KIT_FILES := $(KIT)/lib/libcokernel.a $(KIT)/cokernel.ld $(KIT)/cokernel.mk \
	$(KIT)/include/cokernel.h $(KIT_HDRS:%=$(KIT)/include/%)

$(KIT)/include/cokernel.h: guest/kit/cokernel.h
	$(Q)mkdir -p $(@D) && cp $< $@
$(KIT)/include/%.h: %.h
	$(Q)mkdir -p $(@D) && cp $< $@
$(KIT)/include/%.inc: %.inc
	$(Q)mkdir -p $(@D) && cp $< $@
$(KIT)/cokernel.ld: guest/linker.ld
	$(Q)mkdir -p $(@D) && cp $< $@
$(KIT)/cokernel.mk: guest/kit/cokernel.mk Makefile
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D) && { echo '# Written by the cokernel Makefile (make kit).'; \
		echo 'KIT_CFLAGS := $(filter-out -MMD -MP,$(GUEST_CFLAGS))'; cat $<; } > $@

# The examples: each a directory with a main.c and a three-line Makefile that
# knows only the kit; built into build/examples/NAME.elf.
EXAMPLES := $(notdir $(wildcard examples/*))
EXAMPLE_ELFS := $(EXAMPLES:%=$(BUILD)/examples/%.elf)
$(BUILD)/examples/%.elf: examples/%/main.c examples/%/Makefile $(KIT_FILES)
	$(call say,MAKE,$@)
	$(Q)$(MAKE) --no-print-directory -s -C examples/$* KIT=$(CURDIR)/$(KIT) \
		OUT=$(CURDIR)/$(BUILD)/examples CC=$(CC) LD=$(LD)

# --------------------------------------------------------- world switch ----
# asm-offsets: the passage layout of switch/passage.h as NASM %defines.
$(BUILD)/passage_offsets.inc: switch/offsets.c switch/passage.h
	$(call say,GEN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(FREESTANDING) -S $< -o $@.s
	$(Q)sed -n 's/.*->\([A-Za-z_0-9]*\) \([0-9]*\).*/%define \1 \2/p' $@.s > $@

$(BUILD)/switch.bin: switch/switch.asm $(BUILD)/passage_offsets.inc
	$(call say,NASM,$@)
	$(Q)$(NASM) -f bin -I $(BUILD)/ -Werror $< -o $@

# switch.elf: the same source assembled as an ELF object with its labels and
# line numbers, linked at 0, for gdb: scripts/gdb/passage.py loads it at the
# passage's address at run time. Its bytes must be switch.bin's, or gdb would
# show code that does not run.
$(BUILD)/switch.elf: switch/switch.asm $(BUILD)/passage_offsets.inc $(BUILD)/switch.bin
	$(call say,NASM,$@)
	$(Q)$(NASM) -f elf64 -g -F dwarf -I $(BUILD)/ -Werror $< -o $(BUILD)/switch-sym.o
	@# -N: ld's own end-of-image symbols would name host or guest addresses
	$(Q)$(LD) -Ttext=0 -e 0 -z noexecstack $(BUILD)/switch-sym.o -o $@
	$(Q)objcopy -N __bss_start -N _edata -N _end $@
	$(Q)objcopy -O binary -j .text $@ $@.bin
	$(Q)cmp -s $@.bin $(BUILD)/switch.bin || { echo "$@: its code differs from switch.bin" >&2; \
		rm -f $@; exit 1; }

# -------------------------------------------------- bare-metal monitor ----
# PC_C: what bare metal and UEFI share and Linux does not, as hosts that run
# identity-mapped on the PC itself: the TSC's calibration against the PIT, the
# passage's mapping in their own page tables, the network self-test (netcheck=1).
PC_C := loader/tsc.c loader/highmap.c loader/arp.c loader/netcheck.c loader/nic_net.c
CORE_C := $(filter-out $(PC_C),$(wildcard loader/*.c)) $(wildcard mm/*.c) switch/passage.c lib/fmt.c lib/string.c
MB2_C := $(wildcard loader/mb2/*.c) $(PC_C)
MB2_ASM := $(wildcard loader/mb2/*.asm) switch/blob.asm loader/guest_image.asm loader/irq_raise.asm
MON_OBJ := $(CORE_C:%.c=$(BUILD)/mon-obj/%.o) $(MB2_C:%.c=$(BUILD)/mon-obj/%.o) \
	$(MB2_ASM:%.asm=$(BUILD)/mon-obj/%.o)
MON_CFLAGS := $(FREESTANDING) $(MON_STACK) -Ilib

$(eval $(call object_rules,mon-obj,MON_CFLAGS))

$(BUILD)/mon-obj/switch/blob.o: $(BUILD)/switch.bin
$(BUILD)/mon-obj/loader/guest_image.o: $(BUILD)/guest.elf

$(BUILD)/cokernel.elf: $(MON_OBJ) linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack -T linker.ld \
		$(MON_OBJ) -o $@
	$(Q)grub-file --is-x86-multiboot2 $@ || { echo "$@ is not multiboot2" >&2; rm -f $@; exit 1; }

# ------------------------------------------------------------ UEFI host ----
# cokernel.efi: the same core and guest, built position-independent against
# GNU-EFI (Debian's gnu-efi) and turned into a PE32+ application.
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_C := $(CORE_C) $(wildcard loader/efi/*.c) $(PC_C)
EFI_ASM := switch/blob.asm loader/guest_image.asm loader/irq_raise.asm
EFI_OBJ := $(EFI_C:%.c=$(BUILD)/efi-obj/%.o) $(EFI_ASM:%.asm=$(BUILD)/efi-obj/%.o)
EFI_CFLAGS := $(filter-out -fno-pic,$(FREESTANDING)) $(MON_STACK) -fpic -fshort-wchar \
	-I$(EFI_INC) -I$(EFI_INC)/x86_64 -Ilib

$(eval $(call object_rules,efi-obj,EFI_CFLAGS))

$(BUILD)/efi-obj/switch/blob.o: $(BUILD)/switch.bin
$(BUILD)/efi-obj/loader/guest_image.o: $(BUILD)/guest.elf

$(BUILD)/cokernel.efi: $(EFI_OBJ)
	$(call say,LD,$@)
	@# libefi's init.o (which InitializeLib needs) also defines memcpy and memset,
	@# as byte loops; --allow-multiple-definition keeps the first definitions,
	@# ours (lib/string.c), which the benchmarks showed matter.
	$(Q)$(LD) -nostdlib -znocombreloc -z noexecstack -T $(EFI_LIB)/elf_x86_64_efi.lds -shared \
		-Bsymbolic --allow-multiple-definition -L$(EFI_LIB) $(EFI_LIB)/crt0-efi-x86_64.o \
		$(EFI_OBJ) -lefi -lgnuefi -o $(BUILD)/cokernel.so
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 \
		$(BUILD)/cokernel.so $@

$(BUILD)/esp.img: $(BUILD)/cokernel.efi scripts/mkesp.sh $(EXAMPLE_ELFS)
	$(call say,ESP,$@)
	$(Q)scripts/mkesp.sh $< $@ $(EXAMPLE_ELFS)

# ----------------------------------------------------------- Linux host ----
# cokernel.ko: module.c, host.c and ubuf.c built by kbuild against Debian's linux-headers-amd64
# (the version of linux-image-amd64, which the tests boot, not this machine's
# kernel), linked with core.o: the same portable core built with our flags,
# for the kernel's code model and its retpolines, only bridge.h's names global.
# The generic flavour (linux-image-amd64), not -cloud- or -rt-, newest version:
# scripts/linux/run-vm.sh boots the same one.
KVER ?= $(shell ls /boot/vmlinuz-*[0-9]-amd64 2>/dev/null | sort -V | tail -n 1 | sed 's|.*/vmlinuz-||')
KDIR ?= /usr/src/linux-headers-$(KVER)
LINUX_C := $(CORE_C) loader/linux/bridge.c
LINUX_OBJ := $(LINUX_C:%.c=$(BUILD)/linux-obj/%.o) $(BUILD)/linux-obj/switch/blob.o \
	$(BUILD)/linux-obj/loader/irq_raise.o
LINUX_CFLAGS := $(filter-out -fcf-protection=none,$(FREESTANDING)) $(MON_STACK) -mcmodel=kernel \
	-fcf-protection=branch -mindirect-branch=thunk-extern -mindirect-branch-register \
	-Ilib

$(eval $(call object_rules,linux-obj,LINUX_CFLAGS))

$(BUILD)/linux-obj/switch/blob.o: $(BUILD)/switch.bin

$(BUILD)/linux-mod/core.o: $(LINUX_OBJ) loader/linux/bridge.h
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D) && $(LD) -r -z noexecstack $(LINUX_OBJ) -o $@.all
	$(Q)objcopy $$(sed -n 's/^[a-z_0-9 *]*\b\(ckb_[a-z_]*\)(.*/--keep-global-symbol=\1/p' \
		loader/linux/bridge.h) $@.all $@

# The module's own files, which kbuild compiles: the file and its ioctls, the
# host callbacks, the pinned user buffers, and their shared header.
MODULE_FILES := loader/linux/module.c loader/linux/host.c loader/linux/ubuf.c loader/linux/ck.h \
	loader/linux/bridge.h
$(BUILD)/cokernel.ko: $(BUILD)/linux-mod/core.o $(MODULE_FILES) proto/linux_ioctl.h
	$(call say,KBUILD,$@)
	$(Q)test -d $(KDIR) || { echo "no $(KDIR): run make deps (linux-headers-amd64)" >&2; exit 1; }
	$(Q)cp $(MODULE_FILES) $(BUILD)/linux-mod/
	@# modpost reads each object's .cmd file; core.o's is ours
	$(Q)echo 'cmd_$(CURDIR)/$(BUILD)/linux-mod/core.o := ld -r (the cokernel Makefile)' \
		> $(BUILD)/linux-mod/.core.o.cmd
	$(Q)printf 'obj-m := cokernel.o\ncokernel-y := module.o host.o ubuf.o core.o\nccflags-y := -Werror\n' \
		> $(BUILD)/linux-mod/Kbuild
	$(Q)$(MAKE) --no-print-directory -s -C $(KDIR) M=$(CURDIR)/$(BUILD)/linux-mod \
		CONFIG_DEBUG_INFO_BTF_MODULES= modules
	$(Q)cp $(BUILD)/linux-mod/cokernel.ko $@

# The runner, with the guest built in (loader/guest_image.asm), and the VM's
# initramfs: busybox, the module, the runner, the test disk and test tools, all
# static. scripts/linux/run-vm.sh boots it. (Their flags have a name of their
# own: the object rules read USER_CFLAGS, the ring-3 programs', when they run.)
HOSTPROG_CFLAGS := -std=gnu11 -O2 -static -z noexecstack $(WARN)
$(BUILD)/cokrun: loader/linux/cokrun.c loader/linux/tap.c loader/linux/tap.h loader/elfcore.c loader/elfcore.h proto/linux_ioctl.h \
		proto/ring.h proto/trapframe.h $(BUILD)/mon-obj/loader/guest_image.o
	$(call say,HOSTCC,$@)
	$(Q)$(CC) $(HOSTPROG_CFLAGS) -pthread $< loader/linux/tap.c loader/elfcore.c $(BUILD)/mon-obj/loader/guest_image.o -o $@

$(BUILD)/linux-tools/%: tests/linux/%.c proto/linux_ioctl.h proto/ring.h proto/diskimg.h tests/linux/say.h
	$(call say,HOSTCC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(HOSTPROG_CFLAGS) $< -o $@

$(BUILD)/linux-tools/refs: scripts/linux/refs.c
	$(call say,HOSTCC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(HOSTPROG_CFLAGS) -pthread $< -o $@

LINUX_VM_FILES := $(BUILD)/cokernel.ko $(BUILD)/cokrun $(BUILD)/disk.img $(BUILD)/guest.elf \
	$(BUILD)/tools/mkdisk $(BUILD)/linux-tools/refs $(BUILD)/linux-tools/ioctl_errors \
	$(BUILD)/linux-tools/tsd_flip $(BUILD)/linux-tools/concurrency $(BUILD)/linux-tools/copyfail \
	$(BUILD)/linux-tools/fpu_loop $(BUILD)/linux-tools/tick_storm $(BUILD)/linux-tools/jitter \
	$(BUILD)/linux-tools/udpecho /lib/modules/$(KVER)/kernel/drivers/net/tun.ko \
	$(EXAMPLE_ELFS)
$(BUILD)/linux-initramfs.cpio.gz: $(LINUX_VM_FILES) $(wildcard scripts/linux/*)
	$(call say,CPIO,$@)
	$(Q)scripts/linux/mkinitramfs.sh $@ $(LINUX_VM_FILES)

# ------------------------------------------------------------------ ISO ----
# The test disk (proto/diskimg.h), written by a tool that also checks a disk
# after the tests, here and in the Linux VM: static, so one build serves both.
$(BUILD)/tools/mkdisk: scripts/mkdisk.c proto/diskimg.h
	$(call say,HOSTCC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(HOSTPROG_CFLAGS) $< -o $@

$(BUILD)/disk.img: $(BUILD)/tools/mkdisk
	$(call say,GEN,$@)
	$(Q)$< $@

$(BUILD)/cokernel.iso: $(BUILD)/cokernel.elf $(BUILD)/cokernel.efi $(BUILD)/disk.img \
		scripts/mkiso.sh scripts/grub.cfg
	$(call say,ISO,$@)
	$(Q)scripts/mkiso.sh $(BUILD)/cokernel.elf $(BUILD)/cokernel.efi $(BUILD)/disk.img $@

.DEFAULT_GOAL := all
kit: $(KIT_FILES)
examples: $(EXAMPLE_ELFS)

.PHONY: FORCE all kit examples deps bench check fuzz qemu qemu-efi qemu-gdb qemu-linux qemu-test \
	switch-walk test clean format grade grade-prep grade-all handout handouts-build \
	grade-submission check-labs
all: $(BUILD)/cokernel.iso $(BUILD)/guest.elf $(BUILD)/switch.elf $(BUILD)/esp.img \
	$(BUILD)/linux-initramfs.cpio.gz $(KIT_FILES) $(EXAMPLE_ELFS)

# deps installs what everything needs; deps-iso, deps-efi, deps-linux and
# deps-fuzz only what one target does (scripts/deps.sh says which is which).
deps:
	$(Q)scripts/deps.sh test
deps-%:
	$(Q)scripts/deps.sh $*

# ---------------------------------------------------------------- tests ----
# Host-side unit tests of mm/, the ELF loader and the command line, built for
# this machine with AddressSanitizer and UndefinedBehaviorSanitizer.
UNIT_SRC := $(wildcard tests/unit/*.c) mm/pool.c mm/pagearray.c mm/pagetable.c mm/guestmem.c mm/vtlb.c mm/bootpt.c loader/elf.c \
	loader/cmdline.c loader/errors.c loader/ring.c loader/console.c loader/blk.c loader/wait.c loader/rng.c loader/net.c loader/hypercall.c loader/log.c loader/insn.c \
	loader/trap.c loader/pagefault.c loader/vintr.c loader/report.c loader/elfcore.c loader/elfsym.c switch/passage.c \
	loader/arp.c loader/mb2/virtq.c lib/fmt.c
# CPU_FAKE: loader/cpu.h's registers come from the fake CPU of tests/unit/fake_host.c.
UNIT_CFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Ilib -DCPU_FAKE $(WARN)

$(BUILD)/tests/unit: $(UNIT_SRC) loader/monitor.c \
		$(wildcard tests/unit/*.h mm/*.h loader/*.h proto/*.h switch/*.h) loader/mb2/virtq.h
	$(call say,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(UNIT_CFLAGS) $(UNIT_SRC) -o $@

check: $(BUILD)/tests/unit $(BUILD)/guest.elf
	$(Q)set -o pipefail; $(BUILD)/tests/unit | tee $(BUILD)/tests/unit.log
	$(Q)$(MAKE) --no-print-directory check-labs

# libFuzzer over the ring and hypercall validation (clang). FUZZ_SECONDS bounds
# the run; a crash leaves its input in build/fuzz/ and fails the target.
FUZZ_SECONDS ?= 30
FUZZ_SRC := tests/fuzz/ring_fuzz.c loader/ring.c loader/console.c loader/blk.c loader/wait.c loader/rng.c loader/net.c loader/hypercall.c loader/log.c loader/trap.c \
	loader/vintr.c loader/pagefault.c mm/vtlb.c mm/bootpt.c switch/passage.c \
	loader/insn.c loader/errors.c mm/pool.c mm/pagearray.c mm/guestmem.c mm/pagetable.c \
	loader/arp.c loader/mb2/virtq.c lib/fmt.c
$(BUILD)/fuzz/ring_fuzz: $(FUZZ_SRC) $(wildcard loader/*.h mm/*.h proto/*.h)
	$(call say,CLANG,$@)
	$(Q)mkdir -p $(@D)/corpus && clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Ilib $(WARN) $(FUZZ_SRC) -o $@

fuzz:
	$(Q)scripts/deps.sh fuzz
	$(Q)$(MAKE) --no-print-directory $(BUILD)/fuzz/ring_fuzz
	$(Q)cd $(BUILD)/fuzz && ./ring_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
		-print_final_stats=1 corpus $(CURDIR)/tests/fuzz/seeds 2>&1 | grep -E 'Done|stat::number_of_executed|ERROR|SUMMARY|crash' ; \
		test $${PIPESTATUS[0]} -eq 0

# Benchmarks under -icount shift=0 on every host (scripts/bench.sh).
bench: deps all
	$(Q)scripts/bench.sh $(BUILD)/cokernel.iso

QEMU_TEST_ARGS ?=
qemu-test: deps all
	$(Q)scripts/qemu-test.sh $(QEMU_TEST_ARGS)

# Every test: the unit tests, then the QEMU scenarios; one summary line last.
test: deps
	$(Q)$(MAKE) --no-print-directory check all
	$(Q)scripts/qemu-test.sh --also $(BUILD)/tests/unit.log $(QEMU_TEST_ARGS)

# GUEST=NAME and ARGS="..." pick the command line; with neither, GRUB's menu.
# IMAGE=path.elf boots that guest image instead of the built-in one, on every
# host, without rebuilding the monitor (docs/KIT.md).
QEMU_ARGS = $(strip $(if $(GUEST),guest=$(GUEST)) $(ARGS))
QEMU_IMAGE = $(if $(IMAGE),--image $(IMAGE))
FIRMWARE ?= bios
qemu: deps-iso $(BUILD)/cokernel.iso
	$(Q)scripts/qemu-run.sh --$(FIRMWARE) --interactive $(QEMU_IMAGE) --args "$(QEMU_ARGS)" \
		$(BUILD)/cokernel.iso

# The UEFI application host, straight from the ESP under OVMF (no GRUB), with a
# scratch copy of the test disk; FIRMWARE=uefi on `make qemu` boots the ISO
# under OVMF instead (its GRUB menu also chainloads cokernel.efi). The ESP it
# boots is build/esp-run.img, a copy kept afterwards: a crashed guest's core
# (core=1) is in it (docs/CRASHDUMP.md).
qemu-efi: deps-efi $(BUILD)/esp.img $(BUILD)/disk.img
	$(Q)cp $(BUILD)/disk.img $(BUILD)/disk-scratch.img
	$(Q)scripts/qemu-run.sh --interactive --esp $(BUILD)/esp.img --esp-copy $(BUILD)/esp-run.img \
		$(QEMU_IMAGE) --disk $(BUILD)/disk-scratch.img --args "$(QEMU_ARGS)"

# The Linux host: Debian's kernel in QEMU (2 CPUs), cokernel.ko loaded, a
# busybox shell with /cokrun; `exit` powers the VM off.
qemu-linux: deps-linux $(BUILD)/linux-initramfs.cpio.gz
	$(Q)scripts/linux/run-vm.sh --interactive $(QEMU_IMAGE) $(BUILD)/linux-initramfs.cpio.gz \
		shell /dev/null

# gdb with three symbol tables: the monitor at its identity addresses, the
# guest (IMAGE's, if given) at its link addresses in the top 2 GiB, and the
# switch stub at the passage's address, loaded by scripts/gdb/passage.py as
# each run installs its passage (so `break enter` or `break gate_hc` works;
# docs/SWITCH-WALK.md). Written each time: IMAGE may differ from the last run.
$(BUILD)/gdbinit: Makefile FORCE
	$(Q)printf '%s\n' 'set architecture i386:x86-64' 'symbol-file $(BUILD)/cokernel.elf' \
		'add-symbol-file $(or $(IMAGE),$(BUILD)/guest.elf)' \
		'set $$cokernel_build = "$(CURDIR)/$(BUILD)"' \
		'python import sys; sys.path.insert(0, "$(CURDIR)/scripts/gdb"); import passage' \
		'target remote :1234' > $@
FORCE:

qemu-gdb: deps-gdb $(BUILD)/cokernel.iso $(BUILD)/guest.elf $(BUILD)/switch.elf $(BUILD)/gdbinit
	$(Q)scripts/qemu-run.sh --interactive --gdb $(QEMU_IMAGE) --args "$(QEMU_ARGS)" \
		$(BUILD)/cokernel.iso

# One YIELD round trip and one forwarded host interrupt, single-stepped by gdb
# over QEMU's gdbstub on the bare-metal monitor: one line per instruction with
# the CPU state it changed, in build/switch-walk.txt, then its checks.
switch-walk: deps-gdb $(BUILD)/cokernel.iso $(BUILD)/guest.elf $(BUILD)/switch.elf
	$(Q)scripts/switch-walk.sh $(BUILD)/cokernel.iso $(BUILD)/switch-walk.txt

# ----------------------------------------------------------------- labs ----
# The labs (docs/labs/README.md, docs/labs/INSTRUCTORS.md), in the order of
# labs/ORDER: `make grade LAB=NAME` runs labs/NAME/grade.sh (points, then "N
# passed, N failed") after installing and building only what the hosts its
# lab_begin line names need; `make handout LAB=NAME` writes the class
# repository up to that lab, with no lab's solution, to build/handout/NAME/;
# `make grade-submission LAB=NAME SUBMISSIONS="DIR..."` grades students' trees
# against a fresh handout's tests. grade-all and handouts-build do every lab (CI).
LABS := $(strip $(shell sed -e 's/\#.*//' labs/ORDER))
lab-name = $(if $(filter $(LAB),$(LABS)),,$(error LAB=NAME, one of: $(LABS)))
# The hosts a lab boots, from its grader's `lab_begin NAME HOST...` (none: all),
# and what they need: each host's package set (scripts/deps.sh) and artefacts.
lab-hosts = $(or $(shell sed -n 's/^lab_begin  *[a-z0-9_-]*//p' labs/$(LAB)/grade.sh),bios efi-esp linux)
lab-deps = $(sort $(foreach h,$(lab-hosts),$(if $(filter bios,$(h)),iso,$(if $(filter efi-esp,$(h)),efi,$(h)))))
LAB_HOST_bios := $(BUILD)/cokernel.iso $(BUILD)/guest.elf $(BUILD)/disk.img
LAB_HOST_efi-esp := $(BUILD)/esp.img $(BUILD)/guest.elf $(BUILD)/disk.img
LAB_HOST_linux := $(BUILD)/linux-initramfs.cpio.gz $(BUILD)/guest.elf $(BUILD)/disk.img
lab-targets = $(sort $(foreach h,$(lab-hosts),$(LAB_HOST_$(h))))

# What the lab's hosts need, installed and built, and nothing else.
grade-prep:
	$(lab-name)
	$(Q)scripts/deps.sh $(lab-deps)
	$(Q)$(MAKE) --no-print-directory $(lab-targets)

grade: grade-prep
	$(Q)labs/$(LAB)/grade.sh

grade-all: deps all
	$(Q)set -o pipefail; p=0 f=0 bad=""; for lab in $(LABS); do \
		labs/$$lab/grade.sh | tee $(BUILD)/grade-$$lab.out || bad="$$bad $$lab"; \
		read -r a _ b _ < <(tail -n 1 $(BUILD)/grade-$$lab.out); p=$$((p + a)) f=$$((f + b)); done; \
	echo "grade-all: labs failing:$${bad:- none}"; echo "$$p passed, $$f failed"; test -z "$$bad"

handout:
	$(lab-name)
	$(Q)scripts/handout.sh $(LAB)

# The class repository up to the last lab holds every lab's commit; the trees
# of those commits differ only in labs/HANDOUT (tests/labs/handout-test.sh
# checks it), so building the last one builds them all.
HANDOUT_ALL := $(BUILD)/handout/$(lastword $(LABS))
handouts-build:
	$(Q)scripts/handout.sh $(lastword $(LABS)) > /dev/null
	$(Q)for lab in $(LABS); do git -C $(HANDOUT_ALL) diff --quiet handout/$$lab HEAD -- . ':!labs/HANDOUT' || \
		{ echo "handouts-build: lab $$lab's commit differs from the last in more than labs/HANDOUT"; exit 1; }; done
	$(Q)$(MAKE) --no-print-directory -C $(HANDOUT_ALL) all > $(BUILD)/handout-build.log 2>&1 && \
		echo "handouts-build: every lab's handout builds ($(LABS); log $(BUILD)/handout-build.log)" || \
		{ echo "handouts-build: the handout FAILED to build:"; tail -n 20 $(BUILD)/handout-build.log; exit 1; }

# Students' trees graded against a fresh handout's tests (scripts/grade-submission.sh).
SUBMISSIONS ?=
grade-submission:
	$(lab-name)
	$(Q)scripts/grade-submission.sh $(LAB) $(SUBMISSIONS)

# The handout and grading machinery's own tests (no QEMU; a few seconds).
check-labs:
	$(Q)tests/labs/handout-test.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
