#!/usr/bin/env bash
# make bench: run the bench guest on every host that exists, under QEMU TCG
# with -icount shift=0 (one TSC tick per guest instruction), and report a table
# on the terminal and build/bench.json. Benchmarks are not tests: nothing here
# judges a number, but a run whose method check is not exact is reported so.
# usage: bench.sh ISO
set -uo pipefail
iso="${1:?usage: bench.sh ISO}"
build="$(dirname "$iso")"
json="$build/bench.json"
hosts=("bios:mb2 via BIOS GRUB" "uefi:mb2 via UEFI GRUB" "esp:UEFI app (ESP)"
	"linux:Linux module (cokrun)")

declare -A val
names=()
for h in "${hosts[@]}"; do
	fw="${h%%:*}"
	log="$build/bench-$fw.log"
	case "$fw" in
	esp) run=(--esp "$build/esp.img" --disk "$build/bench-disk.img")
	     cp "$build/disk.img" "$build/bench-disk.img" ;;
	*) run=("--$fw") ;;
	esac
	# The Linux host: Debian's kernel, the module, cokrun, then (same VM, same
	# run) the references: a getppid system call and a pipe ping-pong.
	if [ "$fw" = linux ]; then
		scripts/linux/run-vm.sh --icount --timeout 300 "$build/linux-initramfs.cpio.gz" bench "$log"
		status=$(( $? == 0 ? 1 : $? ))
	else
		scripts/qemu-run.sh "${run[@]}" --icount --timeout 300 --args "guest=bench" --log "$log" "$iso"
		status=$?
	fi
	if [ $status -ne 1 ]; then
		echo "bench: the $fw run ended with QEMU status $status; log: $log" >&2
		continue
	fi
	entry=$(sed -n 's/.*host up.*entered at TSC \([0-9]*\).*/\1/p' "$log" | head -1)
	first=$(sed -n 's/.*first switch into the guest at TSC \([0-9]*\).*/\1/p' "$log")
	if [ -n "$entry" ]; then # the Linux host has no such moment: the kernel boots first
		val["$fw,firmware_and_loader_to_monitor"]="$entry $entry $entry"
		val["$fw,monitor_setup_to_first_switch"]="$((first - entry)) $((first - entry)) $((first - entry))"
	fi
	# The size of the guest's extended state on this host (the monitor's line).
	bytes=$(sed -n "s/.*x87\/SSE\/AVX state: \([A-Z]*\), XSAVE components [0-9a-f]*, \([0-9]*\) bytes.*/\2/p" "$log" | head -n 1)
	[ -n "$bytes" ] && val["$fw,fpu_state_bytes"]="$bytes $bytes $bytes"
	while read -r _ name med min max _; do
		val["$fw,$name"]="$med $min $max"
		[[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
	done < <(grep -a '^BENCH ' "$log" | tr -d '\r')
	grep -a "method check\|dec/jnz" "$log" | sed 's/^guest: /  /'
done
names=(firmware_and_loader_to_monitor monitor_setup_to_first_switch fpu_state_bytes "${names[@]}")

printf '\n%-38s' "instructions (median [min-max])"
for h in "${hosts[@]}"; do printf ' %-26s' "${h#*:}"; done
printf '\n(rows linux_*: the references, measured in the Linux-host VM)' 
printf '\n'
{
	echo "{"
	echo "  \"method\": \"QEMU TCG -icount shift=0: one TSC tick per guest instruction\","
	echo "  \"results\": ["
	first_row=1
	for n in "${names[@]}"; do
		printf '%-38s' "$n" >&3
		for h in "${hosts[@]}"; do
			fw="${h%%:*}"
			read -r med min max <<< "${val[$fw,$n]:-- - -}"
			if [ "$med" = "-" ]; then
				printf ' %-26s' "-" >&3
				continue
			fi
			printf ' %-26s' "$med [$min-$max]" >&3
			[ $first_row = 1 ] || echo ","
			first_row=0
			printf '    {"host": "%s", "name": "%s", "median": %s, "min": %s, "max": %s}' \
				"$fw" "$n" "$med" "$min" "$max"
		done
		printf '\n' >&3
	done
	echo
	echo "  ]"
	echo "}"
} 3>&1 > "$json"
echo
echo "bench: written $json"
