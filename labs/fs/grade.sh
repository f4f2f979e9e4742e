#!/usr/bin/env bash
# Lab fs's grader (docs/labs/fs.md): the file system of labs/fs/guest/fs.c,
# written by one run of guest=lab-fs op=write and read back by a later one on
# the same disk, on the three hosts:
#   bare metal: two runs in one boot (" -- "): the RAM disk outlives a guest,
#     not the boot;
#   UEFI: two boots on one disk file, a 4 MiB one (another geometry than the
#     1 MiB test disk), which the grader then reads itself;
#   Linux: /cokrun twice on /disk.img in one VM boot.
source "$(dirname "$0")/../lib.sh"
lab_begin fs bios efi-esp linux
lab_protect labs/fs/guest/fs_test.c

# The log of run N of a boot with several (" -- "): from that run's
# "monitor: cokernel ABI" line to the next one's.
run_part() {
	awk -v n="$2" '/monitor: cokernel ABI/ { k++ } k == n' "$1" > "$3"
	LAB_LOG="$3"
}

# How many lines of log $1 match the ERE $2.
count() {
	grep -acE "$2" "$1"
}

# Both halves' checks, on the log of the op=write run ($1) and the op=read run ($2).
# $3: the host's name for the check lines; $4: the blocks the disk holds; $5:
# "fill" if op=read fills this disk (fewer data blocks than 32 files hold).
judge() {
	local w="$1" r="$2" host="$3" blocks="$4" fill="$5"
	LAB_LOG="$w"
	lab_expect 1 "$host: mount refuses a disk without a file system" "^fs: ok: mount before format"
	lab_check 1 "$host: mount checks the layout fields too (4 superblocks right but for one)" \
		test "$(count "$w" '^fs: ok: mount of a superblock with .*: -FS_ENOFS')" = 4
	lab_expect 2 "$host: format, then mount" "^fs: ok: mount after format"
	lab_expect 2 "$host: the superblock covers the disk: $blocks blocks" \
		"^fs: ok: superblock: $blocks blocks of 4096 bytes"
	lab_expect 1 "$host: the superblock's layout fields: 32 inodes, blocks 2, 3, 4, reserved 0" \
		"^fs: ok: superblock layout:"
	lab_expect 2 "$host: create and write three files" "^fs: wrote 3 files"
	lab_check 2 "$host: the refusals (exists, bad names, holes, too big, bad inode)" \
		test "$(grep -av '^fs: ok: inode ' "$w" |
			grep -acE '^fs: ok: .*: -FS_E(EXIST|NAME|NOENT|INVAL|FBIG)[[:space:]]*$')" = 7
	lab_check 1 "$host: inode numbers -1, 32, -1000000 (-FS_EINVAL) and a free one (-FS_ENOENT)" \
		test "$(count "$w" '^fs: ok: inode -?[0-9]+: fs_.*: -FS_E(INVAL|NOENT)[[:space:]]*$')" = 12
	lab_check 1 "$host: the bitmap after format and after the writes (the test's fsck)" \
		test "$(count "$w" '^fs: ok: bitmap (after format|after the writes):')" = 2
	lab_expect 1 "$host: sync flushes the device (a FLUSH on the ring)" \
		"^fs: ok: sync: 0, after a FLUSH"
	lab_expect 1 "$host: the first run ends well" "^SUCCESS"
	LAB_LOG="$r"
	lab_expect 2 "$host: mount what the first run wrote" "^fs: ok: mount \(what an earlier"
	lab_expect 1 "$host: list: the three files" "^fs: ok: 3 files found"
	lab_expect 2 "$host: hello.txt read back as written (and overwritten)" \
		"^fs: ok: hello.txt read back"
	lab_expect 1 "$host: append to a file" "^fs: ok: appended to hello.txt: now 54 bytes"
	lab_expect 2 "$host: big.bin, across block boundaries" "^fs: ok: big.bin read back: 20000 bytes"
	lab_expect 1 "$host: the empty file, block 0 untouched, sync" \
		"^fs: ok: block 0 \(the disk's label\) left alone"
	lab_expect 1 "$host: the bitmap after the append" "^fs: ok: bitmap after the append:"
	if [ "$fill" = fill ]; then
		# 4 metadata blocks, 6 of hello.txt and big.bin: the rest is free.
		lab_expect 2 "$host: fill the disk: $((blocks - 10)) blocks, then -FS_ENOSPC" \
			"^fs: ok: filled the disk: $((blocks - 10)) blocks in [0-9]+ files, then -FS_ENOSPC"
		lab_check 1 "$host: after -FS_ENOSPC: mounts, every file reads back, the bitmap is full" \
			test "$(count "$r" '^fs: ok: (after -FS_ENOSPC: mounts|bitmap of a full disk:)')" = 2
	fi
	lab_expect 1 "$host: the second run ends well" "^SUCCESS"
}

# Block 2 of disk $1, the bitmap, for a file system of $2 blocks: "ok N" if
# the bits of blocks 0-3 and of every block from $2 on are set (fs.h), N the
# bits set in all; "bad N" if one of those is clear.
bitmap_of() {
	dd if="$1" bs=4096 skip=2 count=1 2>/dev/null | od -An -v -tu1 |
		awk -v nblocks="$2" '{
			for (i = 1; i <= NF; i++) {
				v = $i
				for (b = 0; b < 8; b++) {
					set = v % 2; n += set; v = int(v / 2)
					if (!set && (k < 4 || k >= nblocks)) bad = 1
					k++
				}
			}
		} END { print (bad || k != 32768 ? "bad " : "ok ") n }'
}

# Bare metal: the RAM disk (the 1 MiB test disk, 256 blocks).
lab_boot bios fs-bios 60 "guest=lab-fs op=write -- guest=lab-fs op=read"
run_part "$LAB_LOG" 1 "$LAB_DIR/bios-write.log"
run_part "$LAB_DIR/fs-bios.log" 2 "$LAB_DIR/bios-read.log"
judge "$LAB_DIR/bios-write.log" "$LAB_DIR/bios-read.log" bios 256 fill

# UEFI: a disk file of 4 MiB that begins with the test disk (the host finds
# its disk by the marker in sector 0), two boots.
disk="$LAB_DIR/efi.disk"
cp build/disk.img "$disk" && truncate -s 4M "$disk"
lab_boot efi-esp fs-efi-write 60 "guest=lab-fs op=write" --disk "$disk"
lab_boot efi-esp fs-efi-read 60 "guest=lab-fs op=read" --disk "$disk"
judge "$LAB_DIR/fs-efi-write.log" "$LAB_DIR/fs-efi-read.log" efi-esp 1024
# The file on the host: the superblock at byte 4096 (all of struct fs_super),
# the bitmap at 8192, and the appended line.
lab_check 2 "efi-esp: the disk file holds the superblock (CKFS0001, 1024 blocks, 32 inodes, 2, 3, 4, 0)" \
	test "$(dd if="$disk" bs=4096 skip=1 count=1 2>/dev/null | head -c 32 | od -An -tx1 | tr -d ' \n')" \
	= 434b465330303031000400002000000002000000030000000400000000000000
# "CKFS0001", then little endian: nblocks 1024, ninodes 32, bitmap_block 2,
# inode_block 3, data_block 4, reserved 0
lab_check 2 "efi-esp: the disk file's bitmap: blocks 0-3 and 1024-32767 set, and the 6 of the files" \
	test "$(bitmap_of "$disk" 1024)" = "ok $((4 + 32768 - 1024 + 6))"
lab_check 1 "efi-esp: the disk file on the host holds the appended line" \
	grep -aq "appended by the second boot" "$disk"

# Linux: the runner twice on one disk file, then the file itself.
lab_linux fs-linux 120 "/cokrun --disk /disk.img guest=lab-fs op=write" \
	"/cokrun --disk /disk.img guest=lab-fs op=read" \
	"dd if=/disk.img bs=4096 skip=1 count=1 2>/dev/null | head -c 8; echo ' <- block 1 of /disk.img'"
awk '/^lab: run .*op=write/ { k = 1 } /^lab: run .*op=read/ { k = 2 } /^lab: run dd/ { k = 3 } k == 1' \
	"$LAB_LOG" > "$LAB_DIR/linux-write.log"
awk '/^lab: run .*op=write/ { k = 1 } /^lab: run .*op=read/ { k = 2 } /^lab: run dd/ { k = 3 } k == 2' \
	"$LAB_LOG" > "$LAB_DIR/linux-read.log"
judge "$LAB_DIR/linux-write.log" "$LAB_DIR/linux-read.log" linux 256 fill
LAB_LOG="$LAB_DIR/fs-linux.log"
lab_expect 1 "linux: /disk.img holds the file system after the runner ended" "^CKFS0001 <- block 1"
lab_end
