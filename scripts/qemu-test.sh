#!/usr/bin/env bash
# The QEMU scenario matrix (README.md, docs/ARCHITECTURE.md): every host x every guest program,
# each under TCG with a timeout. A scenario passes when QEMU's exit status
# carries the expected monitor status (isa-debug-exit: (status << 1) | 1), the
# serial log holds every expected line, and the monitor holds no page at the
# end (nothing leaked). A failing scenario keeps its log
# under build/test-logs/. One line per scenario, then `N passed, N failed`; a
# Linux case shares its VM boot with others and shows its time inside the VM.
#
# usage: qemu-test.sh [--also UNIT_LOG] [--only PATTERN] [--jobs N]
#   --also: fold the counts of a unit-test log ("N passed, N failed") into the
#           last line, so `make test` ends with one total.
#   --jobs: scenarios run at once (default: the number of CPUs); the lines
#           still come out in the order the scenarios are declared.
set -uo pipefail
cd "$(dirname "$0")/.."

also="" only="" jobs=$(nproc 2>/dev/null || echo 2)
while [ $# -gt 0 ]; do
	case "$1" in
	--also) also="$2"; shift ;;
	--only) only="$2"; shift ;;
	--jobs) jobs="$2"; shift ;;
	*) echo "qemu-test: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

iso=build/cokernel.iso
logs=build/test-logs
mkdir -p "$logs"
passed=0 failed=0

# Every case here runs under QEMU's TCG, whose ring checks are not the CPU's
# (docs/ARCHITECTURE.md, "What QEMU's TCG does not enforce"): the *-ssnull
# cases expect TCG's null-SS behaviour: helper_load_seg loads a null SS at
# CPL 1 with flags 0 (DPL 0) in Debian 12's 7.2 and still in the 9.x source
# (target/i386/tcg/seg_helper.c). A QEMU outside 7-9 is named, so that a
# change in that behaviour reads as what it is.
qemu_version=$(qemu-system-x86_64 --version 2>/dev/null | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
case "$qemu_version" in
7.* | 8.* | 9.*) echo "qemu-test: QEMU $qemu_version under TCG: a null SS in ring 1 gives CPL 0 there, as the ssnull cases expect" ;;
*) echo "qemu-test: QEMU ${qemu_version:-of unknown version}: its null-SS behaviour was not read; if the ssnull cases fail with 'the CPU kept ring 1', TCG now follows the SDM" ;;
esac

# scenario NAME FIRMWARE TIMEOUT "ARGS" STATUS "EXPECTED LINE" ...
# STATUS is the monitor's: the guest's exit code, 100 crash, 101 refused.
# ARGS "--image=FILE REST" (bare metal): FILE is the guest image, REST the line.
# Starts the scenario in the background once a job slot is free; its verdict
# lands in build/test-logs/NAME.result.
order=()
# Wait until fewer than $jobs scenarios run.
wait_for_slot() {
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
}

# Declared cases (each a quoted "NAME ..." line) into the order of the report.
order_cases() {
	local c
	for c in "$@"; do
		eval "set -- $c"
		order+=("$1")
	done
}

# Every run on bare metal and UEFI ends itself: timeout= (the monitor stops a
# guest still running then, with a report and status 104) well inside the
# scenario's own limit, so a hung guest reads as what it is; a run that names
# its own keeps it.
RUN_TIMEOUT_S=40
with_timeout() {
	local line="$1" out="" part
	while :; do
		part="${line%% -- *}"
		[[ "$part" == *timeout=* ]] || part+=" timeout=$RUN_TIMEOUT_S"
		out+="${out:+ -- }$part"
		[[ "$line" == *" -- "* ]] || break
		line="${line#* -- }"
	done
	printf '%s' "$out"
}

# The verdict token (docs/ARCHITECTURE.md, "The test harness's verdict"): a
# secret of each boot, given to every run as verdict=TOKEN, which the monitor
# hides from the guest and repeats in the line that ends each run. A run's
# status is read only from that line, and the last one must agree with QEMU's
# exit status: no text a guest logs, and no isa-debug-exit write from a guest
# that ends the boot early, passes for the monitor's verdict.
with_verdict() {
	local line="$1" tok="$2" out="" part
	while :; do
		part="${line%% -- *}"
		out+="${out:+ -- }$part verdict=$tok"
		[[ "$line" == *" -- "* ]] || break
		line="${line#* -- }"
	done
	printf '%s' "$out"
}
new_token() { od -An -N8 -tx8 /dev/urandom | tr -d ' \n'; }

# run_status QEMU-STATUS LOG TOKEN RUN LAST: the status to judge run RUN of a
# boot by, into status (QEMU's encoding: monitor status * 2 + 1), and into why
# what contradicts it. LAST: 1 if RUN is the boot's last run.
run_status() {
	local q="$1" log="$2" tok="$3" n="$4" last="$5" s
	status=$q
	[ "$q" -eq 124 ] || [ "$q" -eq 137 ] && return 0 # timed out: verdict says so
	grep -aq "monitor: cokernel ABI v[0-9]* on the .*verdict=$tok" "$log" 2>/dev/null ||
		return 0 # the monitor never started (a host's own refusal): QEMU's status
	s=$(sed -n "s/^.*monitor: run $n ended with status \([0-9]*\); the [a-z]* one (verdict $tok)\r\?\$/\1/p" "$log" | tail -n 1)
	if [ -z "$s" ]; then
		why+=("no line of the monitor, with this boot's verdict token, ends run $n (QEMU status $q): the run did not end through the monitor")
		return 0
	fi
	status=$((s * 2 + 1))
	if [ "$last" = 1 ] && [ "$q" -ne "$status" ]; then
		why+=("the monitor ended its last run with status $s, but QEMU exited with $q: the boot did not end through the host's isa-debug-exit write of it")
	fi
	return 0
}

scenario() {
	local name="$1"
	[ -n "$only" ] && [[ "$name" != $only ]] && return 0
	[ "$2" != linux ] && [[ "$name" != *-switch-walk ]] &&
		set -- "$1" "$2" "$3" "$(with_timeout "$4")" "${@:5}"
	if [ "$2" = linux ]; then # a case for the next linux_vm
		shift 4
		linux_case "$name" "$@"
		return 0
	fi
	if [ "$2" = "$batch_fw" ] && [[ "$name" != *-blk && "$name" != *-nmi && "$name" != *-bench ]] &&
		[[ "$name" != *-echo* && "$name" != *-typed ]] && # input typed into its own boot
		[[ "$name" != *-net ]] && # the build machine talks to it (scripts/net-peer.sh)
		[[ "$name" != *-debugexit ]] && # it ends its boot
		[[ "$name" != *-cpumax-* ]]; then
		batch_cases+=("$(printf '%q ' "$@")") # one boot for several: batch_end
		return 0
	fi
	wait_for_slot
	order+=("$name")
	run_scenario "$@" > "$logs/$name.result" &
}

# How to boot, into the array run: GRUB's multiboot2 entry on BIOS or UEFI,
# or the UEFI application host straight from the ESP or chainloaded by GRUB,
# with its own copy of the test disk at $2.
boot_args() {
	case "$1" in
	bios | uefi) run=("--$1") ;;
	esp) run=(--esp build/esp.img --disk "$2") ;;
	chain) run=(--chain --disk "$2") ;;
	esac
	[ "$1" = esp ] || [ "$1" = chain ] && cp build/disk.img "$2"
	return 0
}

run_scenario() {
	local name="$1" fw="$2" tmo="$3" args="$4" want="$5"
	shift 5
	local log="$logs/$name.log" disk="$logs/$name.disk" t0 t1 status why=() held run=()
	local want_status="" first tok nruns port
	boot_args "$fw" "$disk"
	# ARGS "--image=FILE REST": FILE is the guest image (qemu-run.sh --image)
	if [[ "$args" == --image=* ]]; then
		first="${args%% *}"
		run+=(--image "${first#--image=}")
		if [[ "$args" == *" "* ]]; then args="${args#* }"; else args=""; fi
	fi
	[[ "$name" == *-bench ]] && run+=(--icount) # the bench's method check needs it
	[[ "$name" == *-nmi ]] && run+=(--nmi "$NMI_COUNT") # the guest waits for them
	[[ "$name" == *-echo* ]] && run+=(--input "$ECHO_INPUT") # typed once it asks
	if [[ "$name" == *-typed ]]; then # typed at a guest that reads none, once it starts
		run+=(--input "$TYPED_INPUT")
		export QEMU_INPUT_TRIGGER="monitor: first switch into the guest"
	fi
	[[ "$name" == *-cpumax-* ]] && run+=(--cpu max,la57=off)
	[[ "$name" == *-netcheck ]] && run+=(--net) # a NIC for the host's self-test
	if [[ "$name" == *-net ]]; then # guest=net, and the build machine its peer
		port=$((20000 + RANDOM % 20000)) # two scenarios' ports hardly ever meet
		run+=(--net-fwd "$port" --peer "scripts/net-peer.sh $port")
	fi
	t0=$(date +%s.%N)
	if [[ "$name" == *-switch-walk ]]; then # gdb drives QEMU and checks its trace
		scripts/switch-walk.sh --quiet --timeout "$tmo" --args "$args" --log "$log" "$iso" \
			"$logs/$name.trace" >/dev/null
		status=$? want_status=0
	else
		tok=$(new_token)
		nruns=$(( $(grep -o ' -- ' <<< "$args" | wc -l) + 1 ))
		scripts/qemu-run.sh "${run[@]}" --timeout "$tmo" --args "$(with_verdict "$args" "$tok")" \
			--log "$log" "$iso"
		run_status $? "$log" "$tok" "$nruns" 1
	fi
	t1=$(date +%s.%N)
	verdict "$@"
	[ -f "$log" ] || rm -f "$logs/$name.trace" "$logs/$name.trace.gdb.log" # passed
}

# Several scenarios of one firmware in one boot (a UEFI boot costs more than
# most scenarios under TCG): between batch_begin FW and batch_end, scenario
# only declares; batch_end boots once with every command line, joined by
# " -- " (the monitor runs them in turn), and judges each scenario on its own
# runs' part of the log (each run starts with the monitor's "cokernel ABI"
# line, which names the boot's verdict token), with the status that the
# monitor's "run N ended with status S ... (verdict TOKEN)" gives (run_status;
# the last must agree with QEMU's), and the host's closing lines (pages held, its
# timer's check). Scenarios that need their own boot (a disk they write, NMIs,
# another CPU model, icount) are not batched.
batch_fw="" batch_tmo="" batch_cases=()
batch_begin() { batch_fw="$1" batch_tmo="$2" batch_cases=(); }
batch_end() {
	local c
	[ ${#batch_cases[@]} -gt 0 ] || { batch_fw=""; return 0; }
	wait_for_slot
	order_cases "${batch_cases[@]}"
	run_batch "$batch_fw" "$batch_tmo" "${batch_cases[@]}" &
	batch_fw="" batch_cases=()
}

run_batch() {
	local fw="$1" tmo="$2" c all="" runs=() first last n i k qstatus full seg
	local name args want log disk t0 t1 status why held want_status s keep=0 tok
	shift 2
	local cases=("$@")
	for c in "${cases[@]}"; do
		eval "set -- $c"
		all+="${all:+ -- }$4"
		n=$(( $(grep -o ' -- ' <<< "$4" | wc -l) + 1 ))
		runs+=("$n")
	done
	eval "set -- ${cases[0]}"
	full="$logs/batch-$1.log" seg="$logs/batch-$1.seg" disk="$logs/batch-$1.disk"
	local run=() esp=""
	boot_args "$fw" "$disk"
	# A core on the ESP (efi-*-coredump): the boot's copy of it is kept.
	[ "$fw" = esp ] && [[ "${cases[*]}" == *-coredump\ * ]] && esp="$logs/batch-$1.esp" &&
		run+=(--esp-copy "$esp")
	# A boot with a *-netcheck case has a NIC for it (the others do not mind).
	[[ "${cases[*]}" == *-netcheck\ * ]] && run+=(--net)
	t0=$(date +%s.%N)
	tok=$(new_token)
	scripts/qemu-run.sh "${run[@]}" --timeout "$tmo" --args "$(with_verdict "$all" "$tok")" \
		--log "$full" "$iso"
	qstatus=$?
	t1=$(date +%s.%N)
	mkdir -p "$seg"
	awk -v dir="$seg" -v tok="verdict=$tok" '/monitor: cokernel ABI v[0-9]+ on the/ && index($0, tok) { k++ }
		{ print > (dir "/" k + 0) }' "$full"
	first=1 i=0
	for c in "${cases[@]}"; do
		eval "set -- $c"
		name="$1" want="$5" why=() want_status="" disk=""
		shift 5
		last=$((first + runs[i] - 1))
		log="$logs/$name.log"
		: > "$log"
		for ((k = first; k <= last; k++)); do cat "$seg/$k" >> "$log" 2>/dev/null; done
		grep -aE "monitor: (the host|efi:|pages the monitor still holds|host still up)|^host: net:" "$full" >> "$log"
		run_status "$qstatus" "$full" "$tok" "$last" $((i + 1 == ${#cases[@]}))
		if [[ "$name" == *-coredump ]] && [ -n "$esp" ]; then # its run's core, read with mtools
			rm -f "$logs/$name.core"
			mcopy -n -i "$esp" "::/cokernel/core-$last.elf" "$logs/$name.core" 2>/dev/null
			core_gdb "$logs/$name.core" "$log"
		fi
		verdict "$@" > "$logs/$name.result"
		head -n 1 "$logs/$name.result" | grep -q '^FAIL' && keep=1
		first=$((last + 1)) i=$((i + 1))
	done
	rm -rf "$seg"
	eval "set -- ${cases[0]}"
	rm -f "$logs/batch-$1.disk" "$logs/batch-$1.esp"
	[ $keep = 1 ] || rm -f "$full" # else the whole boot's log stays beside the cases'
}

# The Linux host: Debian's kernel boots the initramfs, and scripts/linux/
# scenario.sh runs cases in turn, one VM boot for several (the boot costs more
# than most cases under TCG). linux_case declares a case; linux_vm boots one VM
# for the cases declared since the last one; each case is judged on its own
# part of the log (from "linux: case 'NAME' begins" to its "over"), and must end
# with the module unloaded, nothing held, and the kernel log clean.
linux_cases=()

# linux_case NAME STATUS "EXPECTED LINE"...: STATUS is cokrun's exit status
# ("-": none to check).
linux_case() {
	[ -n "$only" ] && [[ "$1" != $only ]] && return 0
	linux_cases+=("$(printf '%q ' "$@")")
}

# linux_vm TIMEOUT "VM-ARGS": in VM-ARGS, cpu=MODEL picks the VM's CPU, mem=SIZE
# its memory, nmi=COUNT has QEMU inject NMIs (scripts/qemu-nmi.sh), and the
# other words go to its kernel's command line.
linux_vm() {
	local tmo="$1" args="$2" c
	[ ${#linux_cases[@]} -eq 0 ] && return 0
	wait_for_slot
	order_cases "${linux_cases[@]}"
	run_linux_vm "$tmo" "$args" "${linux_cases[@]}" &
	linux_cases=()
}

run_linux_vm() {
	local tmo="$1" args="$2" vm=() append=() w c names="" vmlog status keep=0 cases tok
	shift 2
	tok=$(new_token)
	append+=("ck.verdict=$tok") # scripts/linux/scenario.sh's say
	cases=("$@") # each "set --" below replaces $@
	for w in $args; do
		case "$w" in
		cpu=*) vm+=(--cpu "${w#cpu=}") ;;
		mem=*) vm+=(--mem "${w#mem=}") ;;
		nmi=*) vm+=(--nmi "${w#nmi=}") ;; # scripts/qemu-nmi.sh, on the trigger
		*) append+=("$w") ;;
		esac
	done
	[ ${#append[@]} -gt 0 ] && vm+=(--append "${append[*]}")
	for c in "${cases[@]}"; do
		eval "set -- $c"
		names+="${names:+,}${1#linux-}"
	done
	vmlog="$logs/linux-vm-${names%%,*}.log"
	scripts/linux/run-vm.sh "${vm[@]}" --timeout "$tmo" build/linux-initramfs.cpio.gz "$names" "$vmlog"
	status=$?
	# Only the script's lines, which carry the token, read as "linux: ": any
	# other "linux: " (a guest's text, which the runner prints too) is marked.
	sed -i -e 's/linux: /linux (not the script'"'"'s): /g' -e "s/linux\[$tok\]: /linux: /g" "$vmlog"
	for c in "${cases[@]}"; do
		eval "set -- $c"
		linux_verdict "$vmlog" "$status" "$tmo" "$@" > "$logs/$1.result"
		head -n 1 "$logs/$1.result" | grep -q '^PASS' || keep=1
	done
	[ $keep = 1 ] || rm -f "$vmlog"
}

# A guest's ELF core, opened by gdb on this machine as a user would
# (docs/CRASHDUMP.md): gdb's lines go to LOG, each as "gdb: LINE".
core_gdb() {
	local core="$1" log="$2"
	if [ ! -s "$core" ]; then
		echo "gdb: no core to open" >> "$log"
		return 0
	fi
	gdb -nx -batch -ex bt -ex 'info registers rip' build/guest.elf "$core" 2>&1 |
		sed 's/^/gdb: /' >> "$log"
	# The core's RIP is the one in the monitor's report.
	local want got
	want=$(sed -n 's/^monitor:   rip \([0-9a-f]*\) .*/\1/p' "$log" | tail -n 1)
	got=$(sed -n 's/^gdb: rip *0x\([0-9a-f]*\) .*/\1/p' "$log" | tail -n 1)
	[ -n "$got" ] && [ "$got" = "$want" ] && echo "gdb: rip $got, as the monitor reported: ok" >> "$log"
	return 0
}

# linux_verdict VMLOG QEMU-STATUS TIMEOUT NAME STATUS "EXPECTED LINE"...
linux_verdict() {
	local vmlog="$1" vmstatus="$2" tmo="$3" name="$4" want="$5"
	shift 5
	local short="${name#linux-}" log="$logs/$name.log" disk="" status=0 want_status=0 why=() t0 t1
	sed -n "/^linux: case '$short' begins/,/^linux: case '$short' over/p" "$vmlog" > "$log"
	if grep -q "^linux: core begins" "$log"; then # base64 of a gzipped core (scenario.sh)
		sed -n '/^linux: core begins/,/^linux: core ends/p' "$log" | sed '1d;$d' | tr -d '\r' |
			base64 -d 2>/dev/null | gunzip > "$logs/$name.core" 2>/dev/null
		sed -i '/^linux: core begins/,/^linux: core ends/d' "$log"
		core_gdb "$logs/$name.core" "$log"
	fi
	t0=$(sed -n "s/^linux: case '$short' begins (uptime \([0-9.]*\)).*/\1/p" "$log")
	t1=$(sed -n "s/^linux: case '$short' over (uptime \([0-9.]*\)).*/\1/p" "$log")
	# A case that did not end shares the VM's fate (a timeout, a panic).
	[ -n "$t1" ] || status=$vmstatus
	t0=${t0:-0} t1=${t1:-$t0}
	[ -s "$log" ] || cp "$vmlog" "$log" 2>/dev/null # not even begun: all there is
	[ "$want" = - ] || set -- "$@" "linux: cokrun exit status $want"
	[ "$name" = linux-blk ] && set -- "$@" "linux: disk check: /disk.img: the guest's writes are in the file"
	set -- "$@" "linux: a second guest after the scenario: exit status 0" "linux: rmmod: ok" \
		"linux: dmesg: clean" "linux: case '$short' over"
	verdict "$@"
}

# Judge a scenario from its QEMU status ($status, against $want_status or the
# monitor status $want) and the lines its log must hold.
verdict() {
	# *-debugexit: a guest wrote QEMU's isa-debug-exit itself (ssnull op=exit:
	# TCG's ring 0); the harness must refuse that as a verdict, and only that.
	if [[ "$name" == *-debugexit ]]; then
		if [ ${#why[@]} -eq 1 ] && [[ "${why[0]}" == "no line of the monitor"* ]]; then
			why=() status=$((want * 2 + 1))
			echo "harness: refused the guest's isa-debug-exit write as a verdict: ok" >> "$log"
		else
			why+=("expected the harness to refuse the guest's isa-debug-exit write as a verdict")
		fi
	fi
	if [ $status -eq 124 ] || [ $status -eq 137 ]; then
		why+=("timed out after ${tmo}s")
	elif [ -n "${want_status:-}" ]; then
		[ $status -eq "$want_status" ] || why+=("expected QEMU status $want_status, got $status")
	elif [ $status -ne $((want * 2 + 1)) ]; then
		why+=("expected QEMU status $((want * 2 + 1)) (monitor status $want), got $status$(
			[ $((status & 1)) -eq 1 ] && echo " (monitor status $((status >> 1)))")")
	fi
	for line in "$@"; do
		grep -qF -- "$line" "$log" 2>/dev/null || why+=("missing line: '$line'")
	done
	# NMIs: the host must have taken exactly the ones QEMU injected.
	if [[ "$name" == *-nmi ]]; then
		local sent took
		sent=$(sed -n 's/.*qemu-nmi: injected \([0-9]*\) NMIs.*/\1/p' "$log" 2>/dev/null)
		took=$(sed -n 's/.*\(the host\|CPU 0\) took \([0-9]*\) NMIs.*/\2/p' "$log" 2>/dev/null | head -n 1)
		[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$took" ] ||
			why+=("expected the host to take every injected NMI: QEMU injected ${sent:-none}, the host took ${took:-none}")
	fi
	# A foreign image goes by its own name, never by a built-in program's.
	if [[ "$name" == *image* ]] && grep -aq "monitor: guest '" "$log" 2>/dev/null; then
		why+=("the monitor named a built-in program for an image: $(grep -a "monitor: guest '" "$log" | head -n 1)")
	fi
	held=$(sed -n 's/.*pages the monitor still holds: \([0-9]*\).*/\1/p' "$log" 2>/dev/null | tail -n 1)
	if [ "$held" != 0 ] && [[ "$name" != *-debugexit ]]; then # that one never closed
		why+=("expected the monitor to hold 0 pages at the end, got ${held:-no count}")
	fi
	# A blk run on a host that writes through must leave its writes in the file.
	if [[ "$name" == *-blk ]] && [ -f "$disk" ]; then
		build/tools/mkdisk --check-writes "$disk" >/dev/null || why+=("$(build/tools/mkdisk --check-writes "$disk")")
	fi
	if [ ${#why[@]} -eq 0 ]; then
		rm -f "$disk" "$logs/$name.core"
		printf 'PASS %-34s %5.1fs\n' "$name" "$(awk "BEGIN { print $t1 - $t0 }")"
		rm -f "$log"
	else
		printf 'FAIL %-34s %5.1fs  log kept: %s\n' "$name" "$(awk "BEGIN { print $t1 - $t0 }")" "$log"
		printf '       %s\n' "${why[@]}"
	fi
}

# A guest program's expectations sit beside it, at the end of
# guest/progs/PROG.c: " * status: N", " * args: WORDS", " * expect: LINE", and
# for a program that takes op=OP, " * expect op=OP: LINE". prog_expect PROG
# sets prog_status, prog_args, prog_lines (the plain lines) and prog_ops (the
# ops, in order).
prog_expect() {
	local f="guest/progs/$1.c"
	prog_name="$1"
	prog_status=$(sed -n 's/^ \* status: //p' "$f")
	prog_args=$(sed -n 's/^ \* args: //p' "$f")
	mapfile -t prog_lines < <(sed -n 's/^ \* expect: //p' "$f")
	prog_ops=$(sed -n 's/^ \* expect op=\([a-z0-9]*\): .*/\1/p' "$f" | awk '!seen[$0]++' | tr '\n' ' ')
}
# The lines a run of PROG with op=OP must print.
prog_op_line() {
	sed -n "s/^ \\* expect op=$2: //p" "guest/progs/$1.c"
}
# prog NAME FW TIMEOUT PROG [EXTRA LINE...]: a scenario that runs guest=PROG
# and checks what its file says, and the extra lines of this host.
prog() {
	local name="$1" fw="$2" tmo="$3"
	prog_expect "$4"
	shift 4
	scenario "$name" "$fw" "$tmo" "guest=$prog_name${prog_args:+ $prog_args}" "$prog_status" \
		"${prog_lines[@]}" "$@"
}
# prog_ops NAME FW TIMEOUT PROG [OP...]: one run per op (every op in the file
# when none is named), in one boot, each checked for its own line.
prog_ops() {
	local name="$1" fw="$2" tmo="$3" p="$4" op runs="" lines=() l
	shift 4
	prog_expect "$p"
	[ $# -gt 0 ] || set -- $prog_ops
	for op in "$@"; do
		runs+="${runs:+ -- }guest=$p op=$op"
		mapfile -t l < <(prog_op_line "$p" "$op")
		lines+=("${l[@]}")
		# On Linux each run has its own status line: a run the monitor
		# ends (its line is the monitor's report) exits with the program's.
		[ "$fw" = linux ] && [[ "${l[0]}" == monitor:* ]] &&
			lines+=("linux: $p op=$op exit status $prog_status")
	done
	[ "$fw" = linux ] && prog_status=- # checked run by run above
	scenario "$name" "$fw" "$tmo" "$runs" "$prog_status" "${lines[@]}"
}

# A crashed guest's core, opened by gdb on this machine (core_gdb): the
# faulting function, its callers, and the RIP of the monitor's report
# (docs/CRASHDUMP.md).
coredump_lines=("gdb: Core was generated by \`guest=crash'."
	"gdb: Program terminated with signal SIGSEGV, Segmentation fault."
	"gdb: #0  crash_store (p=" "in crash_walk (" "in prog_crash () at guest/progs/crash.c:"
	"<crash_store>" ", as the monitor reported: ok")

# The programs on one firmware.
programs() {
	local fw="$1" tmo="${2:--}" p="$1"
	[ "$fw" = esp ] || [ "$fw" = chain ] && p="efi-$fw" # the UEFI application host
	prog "$p-hello" "$fw" "$tmo" hello
	prog "$p-selftest" "$fw" "$tmo" selftest
	# The report names the function from the image's symbols where the
	# monitor keeps the image for the run (not the Linux module).
	local fn=()
	[ "$fw" = linux ] || fn=("monitor:   rip is guest_trap+0x")
	prog "$p-fault" "$fw" "$tmo" fault "${fn[@]}"
	prog "$p-blk" "$fw" "$tmo" blk
	prog "$p-badring" "$fw" "$tmo" badring
}

# Containment: a ring-1 guest's faults end in a report, the host goes on.
NMI_COUNT=150 # injected while guest=nmi runs (6 s), 20 ms apart (scripts/qemu-nmi.sh):
# QEMU merges two NMIs raised before its vCPU took the first, which a busy
# 2-core machine made happen at 10 ms (3 of 200 merged, guest or no guest)
contain() {
	local fw="$1" tmo="$2" p="$1" ops
	[ "$fw" = esp ] && p=efi-esp
	prog_expect privileged
	ops=${prog_ops//syscall/} # syscall has a scenario of its own
	prog "$p-ud2-first" "$fw" "$tmo" ud2-first
	prog "$p-doublefault" "$fw" "$tmo" doublefault
	prog_ops "$p-privileged" "$fw" "$tmo" privileged $ops
	prog_ops "$p-syscall" "$fw" "$tmo" privileged syscall
	prog "$p-trapflag" "$fw" "$tmo" trapflag
	prog "$p-nmi" "$fw" "$tmo" nmi "qemu-nmi: injected $NMI_COUNT NMIs"
	fpu "$fw" "$tmo" "$p"
	# A guest that computes 5 s without a hypercall: the host's timer
	# interrupts reach the host through the monitor's gates and keep time.
	local timer="monitor: the host's 100 Hz timer ticked"
	[ "$fw" = esp ] && timer="monitor: efi: the 10 ms firmware timer event fired"
	prog "$p-preempt" "$fw" "$tmo" preempt "$timer" "while the guests ran: ok"
	vintr "$fw" "$tmo" "$p"
	oskernel "$fw" "$tmo" "$p"
}

# The guest as an operating-system kernel (ABI 5): its own page tables, user
# processes, system calls, faults it handles itself.
oskernel() {
	local fw="$1" tmo="$2" p="$3"
	prog "$p-user" "$fw" "$tmo" user
	# A null SS in ring 1: QEMU's TCG then runs the guest in ring 0 (its
	# helper_load_seg takes CPL from the null descriptor's DPL); the monitor
	# must end it by name and stay up (guest/progs/ssnull.c).
	prog_ops "$p-ssnull" "$fw" "$tmo" ssnull
	# A guest that logs the monitor's lines (a run's start, its end with
	# status 0, the host's close) and exits 3: judged 3 all the same.
	prog "$p-forge" "$fw" "$tmo" forge
	[ "$fw" = linux ] || scenario "$p-ssnull-debugexit" "$fw" "$tmo" "guest=ssnull op=exit" 0 \
		"guest: ssnull: mov ss, 1 in ring 1, then 0 to isa-debug-exit" \
		"harness: refused the guest's isa-debug-exit write as a verdict: ok"
	prog "$p-vm" "$fw" "$tmo" vm
	prog "$p-ad" "$fw" "$tmo" ad
	prog "$p-bigpages" "$fw" "$tmo" bigpages
	prog "$p-lazy" "$fw" "$tmo" lazy
	prog "$p-cow" "$fw" "$tmo" cow
	prog_ops "$p-pthostile" "$fw" "$tmo" pthostile
}

# Virtual interrupts: the guest's own timer, upcalls, masking, and a scheduler.
vintr() {
	local fw="$1" tmo="$2" p="$3"
	prog "$p-vtimer" "$fw" "$tmo" vtimer
	prog "$p-masked" "$fw" "$tmo" masked
	prog "$p-sched" "$fw" "$tmo" sched
	prog "$p-ringev" "$fw" "$tmo" ringev # HCPOST_ASYNC, completions as HCEV_RING
	# HCPOST_ASYNC block reads, completed on the guest's own CPU here
	prog "$p-async-io" "$fw" "$tmo" async-io \
		"guest: async-io: the monitor completed the batch on the guest's CPU (no overlap to gain): figure only"
}

# The guest's own x87/SSE/AVX state, and its floating-point faults. #XM and a
# bad MXCSR are not raised by QEMU's TCG: the guest then says what the CPU did.
fpu() {
	local fw="$1" tmo="$2" p="$3"
	prog "$p-fpu" "$fw" "$tmo" fpu
	prog_ops "$p-simd-fault" "$fw" "$tmo" simd-fault
}

# The host's own network driver, before the guests run (netcheck=1: bare
# metal's virtio-net, the UEFI host's SNP): with a NIC it asks QEMU's user-mode
# gateway by ARP, refuses bad frames by name, drops and counts a frame too long
# for the buffer given, and answers 300 exchanges in a row (both rings wrap,
# every buffer is reused); with none it says there is no network; either way
# the boot goes on. QEMU's user-mode network (libslirp) pads its ARP replies
# to 64 bytes: the length a driver reports is checked against that. Its
# lines are the boot's, not a run's: a batch gives them to each of its cases,
# and a batch with a *-netcheck case boots with the NIC (run_batch).
netcheck() {
	local p="$1" fw="$2" nic="$3" drv=virtio-net fwnet=()
	# OVMF's network stack holds SNP and polls it: the host's exclusive open
	# must leave no driver bound (loader/efi/snp.c), and the stack bind again
	# once the guests are done.
	[ "$fw" = esp ] && drv="UEFI SNP" fwnet=("before our exclusive open, 0 after (stopped)"
		"host: net: SNP given back to the firmware: 1 driver(s) bound again")
	prog_expect hello
	if [ "$nic" = nic ]; then
		scenario "$p-netcheck" "$fw" 90 "guest=hello netcheck=1" "$prog_status" \
			"${prog_lines[@]}" "host: net: $drv MAC 52:54:00:12:34:56, MTU 1500" \
			"host: net: ARP reply from 10.0.2.2 (MAC 52:55:0a:00:02:02): ok, 64 bytes" \
			"host: net: a 13-byte frame: HCERR_INVAL, a 1515-byte frame: HCERR_2BIG: ok" \
			"host: net: a frame for a 41-byte buffer: dropped and counted (recv said 0): ok" \
			"host: net: 300 of 300 ARP exchanges in a row answered in" "host: net: counters: sent " \
			"${fwnet[@]}"
	else
		scenario "$p-netcheck-none" "$fw" 90 "guest=hello netcheck=1" "$prog_status" \
			"${prog_lines[@]}" "host: net: no virtio-net device: no network"
	fi
}

# Bare metal: the programs and the containment cases in one boot too (a boot
# through SeaBIOS and GRUB costs about what a short scenario does).
batch_begin bios 120
programs bios 30
contain bios 30
netcheck bios bios none
batch_end
# Console input typed into the serial port (scripts/qemu-input.sh, through
# the socket the harness holds): echo sleeps in HC_WAIT until its upcall
# takes HCEV_INPUT; with idle=spin it computes meanwhile, without a single
# hypercall, which only COM1 served by interrupt can end (no HC_WAIT: "wait 0").
ECHO_INPUT='hello, guest\nquit\n'
scenario bios-echo bios 30 "guest=echo" 0 "guest: echo: type a line" "hello, guest" \
	"qemu-input: sent 18 bytes in 2 lines" "guest: echo: quit after" "SUCCESS" \
	"monitor: guest exited with code 0" "monitor: COM1 by interrupt:" " 18 bytes in (0 dropped"
# Keys typed at guests that read no input while their timer upcalls run: each
# HCEV_INPUT must be cleared with the rest, or the upcall comes straight back
# (vtimer's handler once cleared only HCEV_TIMER, and looped).
TYPED_INPUT='typed at a guest that reads none\nagain\nand again\n'
prog bios-vtimer-typed bios 30 vtimer "qemu-input: sent 49 bytes in 3 lines"
prog bios-sched-typed bios 30 sched "qemu-input: sent 49 bytes in 3 lines"
# guest=net on the card the host drives (bare metal: virtio-net; UEFI: the
# firmware's SNP), its peer the build machine through QEMU's user-mode
# network's forwarded ports (scripts/net-peer.sh): the refusals, 10,000
# datagrams echoed byte-exact, a flood while it takes no frames, 100 after.
# guest=net's refusals of malformed frames and buffers, named, on every host.
NET_REFUSALS=("guest: net: a zero-length frame: -HCERR_INVAL"
	"guest: net: a frame shorter than its header: -HCERR_INVAL"
	"guest: net: a frame longer than the MTU allows: -HCERR_2BIG"
	"guest: net: a frame outside the pool: -HCERR_FAULT"
	"guest: net: a receive buffer too small for a frame: -HCERR_INVAL"
	"guest: net: a receive buffer outside the pool: -HCERR_FAULT")
net_case() {
	scenario "$1-net" "$2" 300 "guest=net ip=10.0.2.15 seconds=30" 0 \
		"host: net: $3 is the guests' network device" \
		"${NET_REFUSALS[@]}" \
		"net-peer: udpecho: 10000 datagrams of 1 to 1472 bytes, 16 in flight at most: 10000 echoed byte-exact, 0 wrong, 0 lost, 0 duplicated" \
		"net-peer: udpecho exit status 0" "guest: net: computing for 1 s without taking frames" \
		"net-peer: udpecho after the flood exit status 0" "qemu-peer: CMD exit status 0" \
		"guest: net: stopped:" "HCEV_NET announced them: ok" "SUCCESS"
}
net_case bios bios virtio-net
# guest=net where the host has no network device: a named refusal.
scenario bios-net-none bios 30 "guest=net" 0 \
	"guest: net: no network device on this host (-HCERR_NODEV)" "SUCCESS"
scenario bios-echo-spin bios 30 "guest=echo idle=spin" 0 "computing while it waits" \
	"hello, guest" "qemu-input: sent 18 bytes in 2 lines" "guest: echo: quit after" \
	"rounds computed while waiting" "SUCCESS" " wait 0, " " 18 bytes in (0 dropped"
# QEMU's most capable CPU (without LA57, which the monitor refuses) under the
# bare-metal host: the same containment with FSGSBASE, PKU, UMIP, SMEP, SMAP
# and AVX present.
prog_ops bios-cpumax-privileged bios 30 privileged
prog bios-cpumax-selftest bios 30 selftest
# SMEP (a ring-1 fetch from a user page is a #PF) and UMIP (sgdt from ring 3
# is a #GP) there, for pthostile's cases that depend on the CPU (the
# million translations do not).
prog_ops bios-cpumax-pthostile bios 30 pthostile tables traps user kstack kstackud pfnest
# A storm: the host's timer at 10 kHz while the guest computes 3 s. The guest
# must get on and the host answer; that the tick count keeps time within 10%
# is not asked here: at 10 kHz a busy machine makes QEMU's PIC merge ticks.
scenario bios-storm bios 30 "guest=preempt seconds=3 timer_hz=10000" 0 "rounds computed" \
	"SUCCESS" "monitor: the host's 10000 Hz timer ticked" "interrupts to the host"
fpu bios 30 bios-cpumax
# The p2m really is used: a pool scattered on purpose, in reverse machine order.
scenario bios-selftest-scatter bios 30 "guest=selftest scatter=1 pool=8M" 0 \
	"scattered on purpose" "guest: selftest: pool is 8192 KiB" \
	"ok   scattered pool: guest order differs from machine order" \
	"guest: selftest: this line crosses from machine page" "checks, 0 failed" "SUCCESS"
# A guest that computes forever, stopped by the monitor's timeout= with a
# report; the host goes on.
scenario bios-timeout bios 30 "guest=preempt seconds=0 timeout=2" 104 \
	"monitor: guest stopped: still running after timeout=2 s" "monitor: host still up"
# The benchmark still runs and its method holds (no number is judged here).
scenario bios-bench bios 60 "guest=bench" 0 \
	"loop measures 2001 instructions (expected 2001): exact" "BENCH yield_round_trip" "SUCCESS"
# The world switch single-stepped by gdb over QEMU's gdbstub (scripts/switch-walk.sh,
# docs/SWITCH-WALK.md): a YIELD round trip and a forwarded timer tick, one line
# per instruction; the trace must show both CR3 loads, both privilege changes,
# the IRQ stub taken and the host's handler run, and both runs end normally.
scenario bios-switch-walk bios 60 "guest=hello -- guest=preempt seconds=1" 0 \
	"switch-walk: ok: yield: INT 0x81 enters gate_hc in ring 0 (CPL 1 -> 0)" \
	"switch-walk: ok: yield: to_host loads the host's CR3 over the guest's" \
	"switch-walk: ok: yield: enter loads the guest's CR3 back over the host's" \
	"switch-walk: ok: yield: the IRETQ at enter.window_end returns to ring 1 (CPL 0 -> 1), last" \
	"switch-walk: ok: interrupt: vector 0x20 enters the monitor's IRQ stubs in ring 0 (CPL 1 -> 0)" \
	"switch-walk: ok: interrupt: to_host loads the host's CR3 over the guest's" \
	"switch-walk: ok: interrupt: enter loads the guest's CR3 back over the host's" \
	"switch-walk: ok: interrupt: back on the host's IDT, INT 0x20 re-raises it into the host's handler" \
	"switch-walk: ok: interrupt: the IRETQ at enter.window_end returns to ring 1 (CPL 0 -> 1), last" \
	"guest: hello: 1000 yields done" "rounds computed" \
	"monitor: host still up; ending with status 0"
# Bad input: clear messages, nothing runs, the host goes on (to the next run
# of the same boot).
batch_begin bios 60
scenario bios-pool-too-big bios 30 "guest=hello pool=4G" 101 \
	"monitor: refused: pool=4096M: the host could give only"
scenario bios-pool-too-small bios 30 "guest=hello pool=512K" 101 \
	"monitor: refused: pool=512K: the pool must be a multiple of 4K between 1M and 64G"
scenario bios-pool-bad bios 30 "guest=hello pool=12Q" 101 \
	"monitor: refused: pool=12Q: expected a size such as 32M"
scenario bios-guest-bad bios 30 "guest=No!" 101 \
	"monitor: refused: guest=No!: a program name is 1 to 31 characters"
scenario bios-disk-bad bios 30 "guest=blk disk=maybe" 101 \
	"monitor: refused: disk=maybe: expected ro or rw"
scenario bios-guest-unknown bios 30 "guest=nosuch" 2 \
	"ABORT: unknown program 'nosuch' (known: hello selftest fault blk badring echo net bench spin"
netcheck bios bios nic
batch_end
# Guest images built outside guest/ (examples/, through the kit only), run
# instead of the built-in guest; on bare metal a Multiboot2 module named
# "guest" (qemu-run.sh --image), on UEFI the file image=PATH names on the ESP,
# on Linux cokrun --image. Bad images are refused by name.
scenario bios-image bios 30 "--image=build/examples/hello.elf hello-arg pool=8M" 0 \
	"monitor: image: module guest (" "monitor: image 'module guest' entry" \
	"hello: a kit guest on the bare-metal host, pool 8192 KiB" "hello: argv[1] = 'hello-arg'" \
	"hello: 100 yields done, goodbye" "monitor: guest exited with code 0"
scenario bios-image-blkcat bios 30 "--image=build/examples/blkcat.elf" 0 \
	"monitor: image: module guest (" "blkcat: 2048 sectors of 512 bytes" \
	"blkcat: 0000: 43 4b 44 49 53 4b 30 31 00 08 00 00 00 00 00 00  CKDISK01" \
	"blkcat: wrote sector 2047 and read it back: the same 512 bytes"
# A kit guest with a function in assembly (cokernel.mk's NASM rule).
scenario bios-image-asm bios 30 "--image=build/examples/asmyield.elf" 0 \
	"asmyield: 100 of 100 yields from assembly came back 0"
scenario bios-image-notelf bios 30 "--image=build/disk.img" 101 \
	"monitor: refused: guest image (1048576 bytes, module guest): not an ELF file"
# hello.elf with its ABI note saying version 2 (proto/note.h: "LNRK", then the version)
scripts/abi-downgrade.sh build/examples/hello.elf "$logs/hello-v2.elf"
scenario bios-image-abi bios 30 "--image=$logs/hello-v2.elf" 101 \
	"monitor: refused: guest image built for ABI version 2, this monitor speaks version 6: module guest"

batch_begin uefi 120
programs uefi 90
batch_end
# The UEFI application host: the firmware is the host OS.
batch_begin esp 150
contain esp 90
scenario efi-esp-timeout esp 90 "guest=preempt seconds=0 timeout=2" 104 \
	"monitor: guest stopped: still running after timeout=2 s"
# core=1: the core goes to the ESP (\cokernel\core-RUN.elf), read back with mtools.
prog_expect crash
scenario efi-esp-coredump esp 90 "guest=crash core=1" "$prog_status" "${prog_lines[@]}" \
	"monitor:   rip is crash_store+0x0 in the guest's image" \
	"monitor: efi: core written to \\cokernel\\core-" "${coredump_lines[@]}"
netcheck efi-esp esp none
batch_end
# The storm on the UEFI host: timer_hz= sets the firmware's own timer
# interrupt (EFI_TIMER_ARCH_PROTOCOL) to 10 kHz while the guest computes 3 s.
scenario efi-esp-storm esp 90 "guest=preempt seconds=3 timer_hz=10000" 0 "rounds computed" \
	"SUCCESS" "monitor: efi: the firmware's timer at 10000 Hz for timer_hz=10000" \
	"interrupts to the host" "while the guests ran: not judged in a storm" \
	"monitor: efi: after the run, Stall(200 ms) took" "ms by the TSC: ok"
# Console input on the UEFI host: OVMF's terminal on the serial port feeds
# ConIn, which the monitor polls at HC_WAIT (no idle=spin here: no interrupt).
scenario efi-esp-echo esp 90 "guest=echo" 0 "guest: echo: type a line" "hello, guest" \
	"qemu-input: sent 18 bytes in 2 lines" "guest: echo: quit after" "SUCCESS" \
	"monitor: guest exited with code 0"
net_case efi-esp esp "UEFI SNP"
scenario efi-esp-net-none esp 90 "guest=net" 0 \
	"guest: net: no network device on this host (-HCERR_NODEV)" "SUCCESS"
fpu esp 90 efi-esp-cpumax # the x87/SSE/AVX scenarios on QEMU's most capable CPU too
# The UEFI host's image=PATH, on its own volume (scripts/mkesp.sh puts the
# examples in \examples\), in the ESP's batch: each run names its own image.
efi_images() {
	scenario efi-esp-image esp 90 'image=\examples\hello.elf hello-arg' 0 \
		'monitor: image: \examples\hello.elf (' "monitor: image '\\examples\\hello.elf' entry" \
		"hello: a kit guest on the UEFI host" "hello: argv[2] = 'hello-arg'" \
		"hello: 100 yields done, goodbye" "monitor: guest exited with code 0"
	scenario efi-esp-image-blkcat esp 90 'image=/examples/blkcat.elf' 0 \
		"monitor: image: /examples/blkcat.elf (" "blkcat: 2048 sectors of 512 bytes" \
		"blkcat: 0000: 43 4b 44 49 53 4b 30 31 00 08 00 00 00 00 00 00  CKDISK01" \
		"blkcat: wrote sector 2047 and read it back: the same 512 bytes"
	scenario efi-esp-image-missing esp 90 'image=\examples\nosuch.elf' 101 \
		"monitor: refused: image=\examples\nosuch.elf: no such file on the application's volume"
	scenario efi-esp-image-notelf esp 90 'image=\EFI\BOOT\BOOTX64.EFI' 101 \
		'\EFI\BOOT\BOOTX64.EFI): not an ELF file'
}
for fw in esp chain; do
	batch_begin "$fw" 120
	programs "$fw" 90
	[ "$fw" = esp ] && netcheck efi-esp esp nic
	[ "$fw" = esp ] && efi_images # last: blkcat writes the disk's last sector
	batch_end
	scenario "efi-$fw-firmware-after-switches" "$fw" 90 "guest=hello" 0 \
		"hypercalls: yield 1000," \
		"monitor: efi: after the run, Stall(200 ms) took" "ms by the TSC: ok" \
		"monitor: efi: a 10 ms firmware timer event fired" "times in it: ok"
done
scenario efi-esp-pool-too-big esp 90 "guest=hello pool=4G" 101 \
	"monitor: refused: pool=4096M: the host could give only" \
	"monitor: efi: the last firmware call that failed: AllocatePages returned EFI_OUT_OF_RESOURCES"

# The Linux host: the module and cokrun in Debian's kernel, 2 CPUs, four boots.
# The programs and the bad input, in one boot.
programs linux
prog linux-coredump linux - crash "cokrun: core written to /tmp/core" "${coredump_lines[@]}"
scenario linux-two linux - "" - \
	"linux: first guest (selftest) exit status 0: guest: selftest: 76 checks, 0 failed" \
	"linux: second guest (blk) exit status 0: guest: blk: 64 requests completed by one POST"
scenario linux-errors linux - "" 0 "passed, 0 failed"
scenario linux-echo linux - "" 0 "guest: echo: type a line" "hello, guest" "SUCCESS" \
	"monitor: guest exited with code 0"
scenario linux-echo-spin linux - "" 0 "computing while it waits" "hello, guest" \
	"guest: echo: quit after" "rounds computed while waiting" "SUCCESS" \
	"monitor: guest exited with code 0"
# The guest on a TAP interface (cokrun --tap): its refusals of malformed
# frames, 20 pings, 10,000 UDP datagrams echoed byte-exact, a flood while it
# takes no frames (the TAP's queue bounds and counts it), then 100 more.
scenario linux-net linux - "" - \
	"${NET_REFUSALS[@]}" \
	"linux: ping: 20 packets transmitted, 20 packets received" \
	"linux: udpecho: 10000 datagrams of 1 to 1472 bytes, 16 in flight at most: 10000 echoed byte-exact, 0 wrong, 0 lost, 0 duplicated" \
	"linux: udpecho exit status 0" "guest: net: computing for 1 s without taking frames" \
	"linux: the flood overflowed the TAP's queue, its drops counted: ok" \
	"linux: MemFree after the flood within 16 MiB of before: ok" \
	"linux: udpecho after the flood exit status 0" "linux: cokrun exit status 0" \
	"guest: net: stopped:" "batches found frames after a wait that timed out"
scenario linux-image linux - "" 0 \
	"monitor: image: /hello.elf (" "monitor: image '/hello.elf' entry" \
	"hello: a kit guest on the Linux host" "hello: argv[1] = 'hello-arg'" \
	"hello: 100 yields done, goodbye" "linux: hello.elf exit status 0" \
	"monitor: image: /blkcat.elf (" \
	"blkcat: 0000: 43 4b 44 49 53 4b 30 31 00 08 00 00 00 00 00 00  CKDISK01" \
	"blkcat: wrote sector 2047 and read it back: the same 512 bytes"
scenario linux-image-bad linux - "" - \
	"cokrun: /nosuch.elf: No such file or directory" "linux: a missing image: status 102" \
	"cokrun: setup refused (Argument list too long): the image (16 MiB at most)" \
	"linux: an image of 17 MiB: status 101"
scenario linux-refused linux - "" - \
	"monitor: refused: guest image (" \
	"cokrun: setup refused (Exec format error): the image is not a cokernel guest ELF of this ABI" \
	"linux: not an ELF guest: status 101" \
	"monitor: refused: guest image built for ABI version 2, this monitor speaks version 6" \
	"linux: a guest of ABI version 2: status 101" \
	"monitor: refused: pool=4096M: the host could give only" "linux: pool too large: status 101" \
	"monitor: refused: pool=12Q: expected a size such as 32M" "linux: bad pool size: status 101"
# The ring-1 guest's faults: each a guest ended with a report, the host going on.
linux_contain() {
	local p="$1" l ops
	prog_expect privileged
	ops=${prog_ops//syscall/}
	prog "linux-${p}ud2-first" linux - ud2-first
	prog "linux-${p}doublefault" linux - doublefault
	prog_ops "linux-${p}privileged" linux - privileged $ops
	mapfile -t l < <(prog_op_line privileged syscall)
	prog "linux-${p}syscall" linux - privileged "${l[@]}"
	prog "linux-${p}trapflag" linux - trapflag
	prog "linux-${p}fpu" linux - fpu "linux: fpu: every register and every series intact: ok"
	prog_ops "linux-${p}simd-fault" linux - simd-fault
}
linux_contain ""
linux_vm 150 ""
# Runners that end badly, or share a file with other threads, or whose copies fail.
scenario linux-kill linux - "" - \
	"guest: spin: running until the host stops me" \
	"linux: the 64 MiB pool is held while the guest runs: ok" \
	"linux: runner stopped by SIGKILL, exit status 137 (expected 137)" \
	"linux: MemFree back to its baseline (within 8 MiB): ok" "linux: guests still open: 0"
scenario linux-sigint linux - "" - \
	"guest: spin: running until the host stops me" "cokrun: Interrupt: the guest is stopped" \
	"linux: the 64 MiB pool is held while the guest runs: ok" \
	"linux: runner stopped by SIGINT, exit status 130 (expected 130)" \
	"linux: MemFree back to its baseline (within 8 MiB): ok"
scenario linux-concurrency linux - "" 0 "ok   every thread stops when told: 6 threads" \
	"ok   every thread made progress" "ok   the guest still runs to a clean end afterwards" \
	"passed, 0 failed"
scenario linux-copyfail linux - "" 0 \
	"ok   SETUP with its struct buffer read-only: EFAULT and nothing changed" \
	"ok   RUN with its request-array buffer read-only: EFAULT and nothing changed" \
	"ok   RUN with its input buffer PROT_NONE: EFAULT and nothing changed" \
	"ok   the disk file is the test disk with exactly blk's writes in it" \
	"ok   echo wrote its input back exactly once" "passed, 0 failed"
linux_vm 150 ""
# The host kernel's realities: KPTI forced on, under SMEP and SMAP (TCG has no
# PCID, so the PCID bits of CR3 cannot be exercised here).
scenario linux-hardened linux - "" 0 \
	"linux: Kernel/User page tables isolation: enabled" "linux: the CPU has smep" \
	"linux: the CPU has smap" \
	"linux: selftest exit status 0" "guest: blk: 64 requests completed by one POST"
# A storm of high-resolution timer interrupts on the CPU of a computing guest.
scenario linux-storm linux - "" 0 "guest: preempt: computing for 3 s without a hypercall" \
	"rounds computed" "linux: storm: the host kept answering (over 1000 a second): ok"
# Virtual interrupts, in the same VM: under KPTI, SMEP and SMAP too.
prog linux-vtimer linux - vtimer
prog linux-masked linux - masked
prog linux-sched linux - sched
prog linux-ringev linux - ringev
# HCPOST_ASYNC block reads completed by cokrun's thread while the guest computes;
# a slow thread (the POST behind the batch waits for it); SIGKILL with one in flight.
# Judged where the disk takes time (0.5 ms a request); without a completion
# thread (--no-serve) the same judge fails it; at the image's own speed the
# figure only (docs/PERFORMANCE.md, "async-io").
prog linux-async-io linux - async-io \
	"guest: async-io: the host's thread completed the batch while the guest computed, sooner: ok"
scenario linux-async-io-sync linux - "" 1 \
	"ABORT: async-io: the host's thread: computing meanwhile was not under 85% of waiting"
prog linux-async-io-fast linux - async-io "guest: async-io: ratio=0: not judged"
scenario linux-async-io-slow linux - "" 0 "${prog_lines[@]}" \
	"guest: async-io: HC_POST while a batch is in flight: returned after it, counting it (34)" \
	"guest: async-io: a descriptor rewritten after its POST: served as posted" \
	"guest: async-io: ratio=0: not judged"
scenario linux-async-io-kill linux - "" - \
	"linux: runner stopped by SIGKILL with a batch in flight, exit status 137" \
	"guest: async-io: HC_POST with flag 2 while a batch is in flight: -HCERR_INVAL" \
	"linux: MemFree back to its baseline (within 8 MiB): ok" "linux: guests still open: 0"
oskernel linux - linux
linux_vm 150 "cpu=qemu64,+smep,+smap pti=on"
# Pools as large as the ABI lets a VM with 5 GiB give: 2 GiB (where the p2m's
# one table ended) and 3.5 GiB, the guest touching its last page.
scenario linux-bigpool linux - "" - \
	"linux: selftest with pool=2G: exit status 0" "linux: the guest saw all 2097152 KiB of pool=2G" \
	"linux: pool=2G given back (MemFree within 128 MiB): ok" \
	"linux: selftest with pool=3584M: exit status 0" \
	"linux: the guest saw all 3670016 KiB of pool=3584M" \
	"linux: pool=3584M given back (MemFree within 128 MiB): ok"
linux_vm 300 "mem=5G"
# The same containment on QEMU's most capable CPU (without LA57, which the
# monitor refuses): Linux then turns on FSGSBASE, PKU, UMIP, SMEP and SMAP, and
# the guest world must take wrfsbase and wrpkru away from ring 1 itself.
linux_contain cpumax-
prog linux-cpumax-selftest linux - selftest
linux_vm 150 "cpu=max,la57=off"
# NMIs injected while the guest runs on CPU 0; a CR4 bit flipping under it.
# loglevel=0: the kernel's console lines about each unknown NMI, printed from
# NMI context, would make it miss some of the injected ones even with no guest.
prog linux-nmi linux - nmi "qemu-nmi: injected $NMI_COUNT NMIs"
# A guest that computes without hypercalls: a process on the same CPU keeps its
# share, the host's timer keeps time, SIGKILL stops the runner of one that
# computes forever within a second, and no lockup or stall is reported.
prog linux-preempt linux - preempt \
	"linux: preempt: the loop kept its share of CPU 0: ok" \
	"linux: preempt: the host's ticks kept time: ok" "linux: preempt: SIGKILL within a second: ok"
scenario linux-cr4-change linux - "" - "linux: cr4-change: guest exit status 0" \
	"rdtsc in the PR_TSC_SIGSEGV task still faults: ok" \
	"linux: cr4-change: rdtsc works in a task without it: ok"
linux_vm 150 "loglevel=0 nmi=$NMI_COUNT"

wait
for name in "${order[@]}"; do
	cat "$logs/$name.result"
	if head -n 1 "$logs/$name.result" | grep -q '^PASS'; then
		passed=$((passed + 1))
		rm -f "$logs/$name.result"
	else
		failed=$((failed + 1))
	fi
done
total_p=$passed total_f=$failed
if [ -n "$also" ]; then
	unit=$(tail -n 1 "$also" 2>/dev/null)
	up=$(echo "$unit" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	uf=$(echo "$unit" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	if [ -z "$up" ]; then
		echo "FAIL unit tests: no summary line in $also"
		uf=1 up=0
	fi
	echo "unit tests: $up passed, $uf failed; QEMU scenarios: $passed passed, $failed failed"
	total_p=$((passed + up)) total_f=$((failed + uf))
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
