#!/usr/bin/env bash
# Lab pfa's grader (docs/labs/pfa.md): guest=lab-pfa drives the allocator of
# labs/pfa/guest/pfa.c with pools of 8 and 16 MiB on bare metal (two runs, one
# boot) and 12 MiB on the UEFI host. The counts it prints must be the ones
# the pool size implies, which this grader works out on its own from the
# guest image: the free range starts after the image's last segment, the
# monitor's 12 pages (boot info 1, stack 8, ring 3: proto/layout.h) and the
# boot page tables (proto/bootinfo.h: a PML4; for the direct map a PDPT, a PD
# per GiB and a PT for a tail under 2 MiB; for the image a PDPT, a PD and a
# PT per 2 MiB it touches), and the allocator's bitmap takes one page per
# 32768 pages of the range.
source "$(dirname "$0")/../lib.sh"
lab_begin pfa bios efi-esp
lab_protect labs/pfa/guest/pfa_test.c

# The gpa of the end of the image's last PT_LOAD (ELF gABI, program header:
# p_vaddr + p_memsz), page rounded, + 12 pages; and the 2 MiB regions its
# segments touch (for the boot tables).
image_end=0 regions=""
while read -r type _ va _ _ memsz _; do
	[ "$type" = LOAD ] || continue
	e=$((va + memsz - 0xffffffff80000000)) # GUEST_KERNEL_BASE: gpa 0 of the image
	[ $e -gt $image_end ] && image_end=$e
	for ((r = (va - 0xffffffff80000000) >> 21; r <= (e - 1) >> 21; r++)); do
		[[ " $regions " == *" $r "* ]] || regions+=" $r"
	done
done < <(readelf -lW build/guest.elf)
RESERVED_END=$(((image_end + 4095) / 4096 * 4096 + 12 * 4096))
IMAGE_TABLES=$((2 + $(wc -w <<< "$regions")))

# The pages pfa_alloc can hand out for a pool of $1 MiB.
expected_free() {
	local bytes=$(($1 * 1024 * 1024)) tables range
	tables=$((1 + 1 + (bytes + (1 << 30) - 1) / (1 << 30) + (bytes % (1 << 21) ? 1 : 0) + IMAGE_TABLES))
	range=$(((bytes - RESERVED_END) / 4096 - tables))
	echo $((range - (range + 32767) / 32768))
}

# The log of run N of a boot with several (" -- "): from that run's
# "monitor: cokernel ABI" line to the next one's.
run_part() {
	awk -v n="$2" '/monitor: cokernel ABI/ { k++ } k == n' "$1" > "$3"
	LAB_LOG="$3"
}

# Every check on one run's log: $1 the host's name, $2 the pool in MiB,
# $3 "all" for every check, or "counts" for the counts alone.
judge() {
	local host="$1" mib="$2" n
	n=$(expected_free "$mib")
	lab_expect 2 "$host pool=${mib}M: pfa_init: $n pages free (the range less the bitmap)" \
		"^pfa: after init: $n pages free[[:space:]]*$"
	lab_expect 2 "$host pool=${mib}M: $n allocations, distinct, in the range, zeroed, then NULL" \
		"^pfa: ok: first round: $n pages allocated"
	lab_expect 2 "$host pool=${mib}M: freeing them all brings the count back (no leak)" \
		"^pfa: ok: freed them all.*: $n[[:space:]]*$"
	[ "$3" = all ] || { lab_expect 1 "$host pool=${mib}M: the run ends well" "^SUCCESS"; return 0; }
	lab_expect 2 "$host pool=${mib}M: every other page freed: exactly those come back, zeroed" \
		"^pfa: ok: reuse: every other page freed; exactly those came back, zeroed, then NULL: $(((n + 1) / 2))[[:space:]]*$"
	lab_expect 2 "$host pool=${mib}M: pages are zeroed again when reused" \
		"^pfa: ok: second round, every page used before: $n pages"
	lab_expect 1 "$host pool=${mib}M: a misaligned free: PFA_EALIGN" \
		"^pfa: ok: a free in the middle of an allocated page refused: PFA_EALIGN"
	local outside='^pfa: ok: a free of (the image.s first page|the page after the pool|NULL) refused'
	lab_check 2 "$host pool=${mib}M: frees outside the range (image, past the pool, NULL): PFA_ERANGE" \
		test "$(grep -acE "$outside: PFA_ERANGE" "$LAB_LOG")" = 3
	lab_expect 1 "$host pool=${mib}M: a free of the allocator's own bitmap: PFA_ERANGE" \
		"^pfa: ok: a free of the allocator's own bitmap refused: PFA_ERANGE"
	lab_expect 1 "$host pool=${mib}M: a free of a free page of the range: PFA_EDOUBLE" \
		"^pfa: ok: a free of a page of the range nobody holds refused: PFA_EDOUBLE"
	lab_expect 2 "$host pool=${mib}M: a double free (p, q, then p again): PFA_EDOUBLE" \
		"^pfa: ok: a double free, another page freed in between refused: PFA_EDOUBLE"
	lab_expect 1 "$host pool=${mib}M: leak check at the end" \
		"^pfa: ok: leak check: free pages at the end as at the start: $n[[:space:]]*$"
	lab_expect 1 "$host pool=${mib}M: the run ends well" "^SUCCESS"
}

echo "     the free range starts at gpa $(printf '%#x' "$RESERVED_END") plus the boot page tables (from build/guest.elf)"
lab_boot bios pfa-bios 60 "guest=lab-pfa pool=8M -- guest=lab-pfa pool=16M"
run_part "$LAB_DIR/pfa-bios.log" 1 "$LAB_DIR/bios-8M.log"
judge bios 8 all
run_part "$LAB_DIR/pfa-bios.log" 2 "$LAB_DIR/bios-16M.log"
judge bios 16 counts
lab_boot efi-esp pfa-efi 60 "guest=lab-pfa pool=12M"
judge efi-esp 12 counts
lab_end
