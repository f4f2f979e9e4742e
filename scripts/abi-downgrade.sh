#!/usr/bin/env bash
# A copy of a guest ELF whose ABI note (proto/note.h: magic "LNRK", then the
# u32 version) says version 2, for the tests of a guest of an older ABI.
# usage: abi-downgrade.sh IN.elf OUT.elf
set -euo pipefail
v=$(sed -n 's/^#define HCABI_VERSION \([0-9]*\).*/\1/p' "$(dirname "$0")/../proto/hypercall.h")
at=$(grep -obUaP "LNRK\\x$(printf %02x "$v")\\x00\\x00\\x00" "$1" | head -n 1 | cut -d: -f1)
[ -n "$at" ] || { echo "abi-downgrade: no version-$v ABI note in $1" >&2; exit 1; }
cp "$1" "$2"
printf '\x02' | dd of="$2" bs=1 seek=$((at + 4)) conv=notrunc status=none
