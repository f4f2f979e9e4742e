# The graders' library (docs/labs/README.md): each labs/<lab>/grade.sh sources
# it, boots scenarios, and awards points for what the logs show. Every check
# prints one line, "ok   [p/p] what" or "FAIL [0/p] what"; lab_end prints
# "<got>/<max> points", then "<N> passed, <N> failed", and its exit status is 0
# only when every check passed. A grader never stops at a failed check: a
# student sees every check's verdict at once.
#
#   lab_begin <lab> [host...]      (hosts: bios efi-esp linux; none named: all)
#   lab_boot <host> <tag> <timeout> "<monitor cmdline>" [qemu-run.sh args...]
#   lab_linux <tag> <timeout> "<shell line>" ["<shell line>" ...]
#   lab_check <points> "<what>" <command...>
#   lab_expect <points> "<what>" "<ERE>"
#   lab_expect_after <points> "<what>" "<gate ERE>" "<ERE>"
#   lab_monitor_faults <at least> "<of what>"
#   lab_protect <file>...
#   lab_end
#
# After lab_boot or lab_linux, LAB_LOG is the boot's serial log and LAB_STATUS
# the monitor's status (lab_boot: the guest's exit code 0-99, 100 crashed, 101
# refused, 102 monitor exception; "timeout" when QEMU ran out of time;
# "qemu-N" when QEMU itself failed with status N) or, for lab_linux, the VM's
# QEMU status (each line's own exit status is in the log as "lab: status N").
# LAB_DIR is the lab's work directory, build/grade/<lab>/. A boot that did not
# end well (a crash, a monitor exception, the monitor's timeout=, QEMU's
# timeout) is followed by the monitor's own report from its log, indented:
# the line naming the crashing function and the counters the hints rely on.

# The tree's root: graders run from there (make grade), but be sure.
LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$LAB_ROOT" || exit 2

LAB_NAME="" LAB_DIR="" LAB_LOG="" LAB_STATUS=""
LAB_GOT=0 LAB_MAX=0 LAB_PASSED=0 LAB_FAILED=0 LAB_T0=$SECONDS LAB_TAMPERED=""

# lab_begin <lab> [host...]: the banner and a fresh work directory. The hosts
# the lab's scenarios boot are for the Makefile (`make grade` builds and
# installs only what they need; it reads this line of the grader). In a handout
# tree (labs/HANDOUT lists the labs handed out so far) a lab not yet handed out
# is refused: it scores nothing until its branch is merged.
lab_begin() {
	LAB_NAME="$1"
	LAB_DIR="build/grade/$LAB_NAME"
	rm -rf "$LAB_DIR"
	mkdir -p "$LAB_DIR"
	LAB_GOT=0 LAB_MAX=0 LAB_PASSED=0 LAB_FAILED=0 LAB_T0=$SECONDS LAB_TAMPERED=""
	echo "== lab $LAB_NAME: grading (logs in $LAB_DIR/) =="
	if [ -f labs/HANDOUT ] && ! grep -q "^$LAB_NAME:" labs/HANDOUT; then
		echo "lab $LAB_NAME is not handed out in this tree yet (handed out:" \
			"$(sed -n 's/^\([a-z0-9_-]*\):.*/\1/p' labs/HANDOUT | tr '\n' ' '| sed 's/ $//'));" \
			"merge its branch first: git fetch origin && git merge origin/$LAB_NAME"
		echo "0/0 points (lab $LAB_NAME: not handed out)"
		echo "0 passed, 1 failed"
		exit 1
	fi
}

# The monitor's status from QEMU's exit status: isa-debug-exit makes it
# (status << 1) | 1; qemu-run.sh and run-vm.sh give 124 on a timeout.
lab_status_of() {
	local s="$1"
	if [ "$s" = 124 ]; then
		echo timeout
	elif [ $((s & 1)) = 1 ]; then
		echo $((s >> 1))
	else
		echo "qemu-$s"
	fi
}

# Every run of a boot ends itself: the monitor's timeout= (a run still going
# then is stopped with its report and counters, status 104), half of QEMU's
# limit shared among the runs, so that a hung lab shows what the monitor saw
# rather than QEMU's bare timeout. A run that names its own timeout= keeps it.
# lab_run_timeouts <qemu timeout> "<cmdline>": the command line with them.
lab_run_timeouts() {
	local line="$2" out="" part n secs
	n=$(($(grep -o ' -- ' <<< "$line" | wc -l) + 1))
	secs=$(($1 / 2 / n))
	[ "$secs" -ge 3 ] || secs=3
	while :; do
		part="${line%% -- *}"
		[[ "$part" == *timeout=* ]] || part+=" timeout=$secs"
		out+="${out:+ -- }$part"
		[[ "$line" == *" -- "* ]] || break
		line="${line#* -- }"
	done
	printf '%s' "$out"
}

# lab_report <status>: after a boot, the monitor's report of every run of
# $LAB_LOG that did not end by the guest's own exit (crashed, a monitor
# exception, stopped at timeout=): its outcome, the guest function it names,
# and its counters; when QEMU itself stopped (status timeout or qemu-N), the
# log's last lines too. Indented, under the boot's line.
lab_report() {
	[ -f "$LAB_LOG" ] || return 0
	awk '
	function flush() { if (bad) for (i = 1; i <= n; i++) print buf[i]; n = 0; bad = 0 }
	/monitor: cokernel ABI/ { flush() }
	{ line = $0; sub(/^.*monitor: /, "monitor: ", line) }
	/monitor: (guest crashed|guest stopped|BUG: exception|guest executed)/ { bad = 1 }
	/monitor: (guest crashed|guest stopped|BUG: exception|guest executed)|monitor:   (rip |rip is |the frame would go)|monitor: [0-9]+ world switches|monitor: shadow page tables/ {
		buf[++n] = line
	}
	END { flush() }' "$LAB_LOG" | cut -c1-500 | sed 's/^/       | /'
	case "$1" in
	timeout | qemu-* | error)
		echo "       | (QEMU stopped before the monitor reported; the log's last lines:)"
		tail -n 5 "$LAB_LOG" | cut -c1-200 | sed 's/^/       | /'
		;;
	esac
	return 0
}

# lab_calls_none OBJECT FILE SYMBOL...: fails, saying which, if the student's
# FILE (built as OBJECT) calls any of the kit's SYMBOLs that the lab asks them to
# write themselves (vm's page tables, cow's copy). A grader that finds so sets
# LAB_NOBOOT to why: lab_boot and lab_linux then boot nothing, so every check
# of theirs fails and the log says why (labs/vm, labs/cow).
LAB_NOBOOT=""
lab_calls_none() {
	local obj="$1" file="$2" used
	shift 2
	used=$(nm -u "$obj" | awk '{ print $2 }' | grep -xF "${@/#/-e}" | tr '\n' ' ')
	[ -z "$used" ] || { echo "$file calls ${used% }"; return 1; }
}

# What lab_boot and lab_linux do instead of booting once LAB_NOBOOT is set.
lab_not_booted() {
	[ -n "$LAB_NOBOOT" ] || return 1
	LAB_LOG="$LAB_DIR/not-booted.log" LAB_STATUS=not-booted
	: > "$LAB_LOG"
	echo "     not booted: $LAB_NOBOOT"
}

# lab_boot <host> <tag> <timeout> "<cmdline>" [qemu-run.sh args...]
#   host bios: build/cokernel.iso under SeaBIOS, GRUB's multiboot2 entry (the
#     test disk is GRUB's module, a RAM disk: writes end with the boot).
#   host efi-esp: build/esp.img under OVMF, the UEFI application host; the
#     disk is a fresh copy of build/disk.img at $LAB_DIR/<tag>.disk unless the
#     extra arguments name one (--disk FILE, written in place: pass the same
#     FILE to a second boot to see what the first one wrote).
# " -- " in the command line runs several guests in one boot (the monitor
# says "run N ended with status S" after each).
lab_boot() {
	local host="$1" tag="$2" tmo="$3" args="$4" run=() t0 s
	shift 4
	lab_not_booted && return 0
	LAB_LOG="$LAB_DIR/$tag.log"
	case "$host" in
	bios) run=(--bios) ;;
	efi-esp)
		run=(--esp build/esp.img)
		if [[ " $* " != *" --disk "* ]]; then
			cp build/disk.img "$LAB_DIR/$tag.disk"
			run+=(--disk "$LAB_DIR/$tag.disk")
		fi
		;;
	*) echo "lab_boot: unknown host '$host' (bios or efi-esp)" >&2; LAB_STATUS=error; return 0 ;;
	esac
	args=$(lab_run_timeouts "$tmo" "$args")
	t0=$SECONDS
	scripts/qemu-run.sh "${run[@]}" --timeout "$tmo" --args "$args" --log "$LAB_LOG" \
		"$@" build/cokernel.iso > "$LAB_DIR/$tag.qemu" 2>&1
	s=$?
	LAB_STATUS=$(lab_status_of "$s")
	echo "     boot $host '$args': status $LAB_STATUS in $((SECONDS - t0)) s ($LAB_LOG)"
	lab_report "$LAB_STATUS"
	return 0
}

# lab_linux <tag> <timeout> "<shell line>"...: one boot of the Linux-host VM
# (scripts/linux/run-vm.sh, scenario "lab"), cokernel.ko loaded, /disk.img a
# fresh test disk; the lines run in order in busybox sh, each followed by
# "lab: status N" in the log, then the scenario's usual epilogue (a second
# guest, the pages held, rmmod, a clean dmesg). The lines travel on the
# kernel's command line (base64), so together they stay under ~1 KiB.
lab_linux() {
	local tag="$1" tmo="$2" script t0 s
	shift 2
	lab_not_booted && return 0
	LAB_LOG="$LAB_DIR/$tag.log"
	script=$(printf '%s\n' "$@" | base64 -w0)
	if [ ${#script} -gt 1400 ]; then
		echo "lab_linux: the lines are too long for the kernel's command line" >&2
		LAB_STATUS=error
		return 0
	fi
	t0=$SECONDS
	scripts/linux/run-vm.sh --timeout "$tmo" --append "ck.lab=$script" \
		build/linux-initramfs.cpio.gz lab "$LAB_LOG" > "$LAB_DIR/$tag.qemu" 2>&1
	s=$?
	LAB_STATUS=$s
	[ "$s" = 124 ] && LAB_STATUS=timeout
	echo "     boot linux ($# line(s)): status $LAB_STATUS in $((SECONDS - t0)) s ($LAB_LOG)"
	lab_report "$LAB_STATUS"
	return 0
}

# One verdict line, and the totals.
lab_verdict() {
	local ok="$1" points="$2" what="$3"
	LAB_MAX=$((LAB_MAX + points))
	if [ "$ok" = 1 ]; then
		LAB_GOT=$((LAB_GOT + points))
		LAB_PASSED=$((LAB_PASSED + 1))
		printf 'ok   [%d/%d] %s\n' "$points" "$points" "$what"
	else
		LAB_FAILED=$((LAB_FAILED + 1))
		printf 'FAIL [0/%d] %s\n' "$points" "$what"
	fi
}

# lab_check <points> "<what>" <command...>: the command's exit status decides;
# what it printed is shown (indented, 8 lines at most) when it fails.
lab_check() {
	local points="$1" what="$2" out
	shift 2
	if out=$("$@" 2>&1); then
		lab_verdict 1 "$points" "$what"
	else
		lab_verdict 0 "$points" "$what"
		[ -n "$out" ] && printf '%s\n' "$out" | head -n 8 | sed 's/^/       | /'
	fi
	return 0
}

# lab_expect <points> "<what>" "<ERE>": a line of $LAB_LOG matches the ERE.
lab_expect() {
	local points="$1" what="$2" ere="$3"
	if [ -n "$LAB_LOG" ] && grep -aEq -- "$ere" "$LAB_LOG" 2>/dev/null; then
		lab_verdict 1 "$points" "$what"
	else
		lab_verdict 0 "$points" "$what"
		echo "       | no line matches /$ere/ in ${LAB_LOG:-(no log)}"
	fi
	return 0
}

# lab_expect_after <points> "<what>" "<gate ERE>" "<ERE>": lab_expect's check,
# passed only when a line matches the gate's ERE too. For a check that a
# solution doing nothing would pass (a refusal, no leak, a process killed): it
# counts once the work it guards is seen done (labs/cow, labs/lazy).
lab_both_lines() {
	grep -aEq -- "$1" "$LAB_LOG" 2>/dev/null || { echo "and only with /$1/, which did not pass"; return 1; }
	grep -aEq -- "$2" "$LAB_LOG" 2>/dev/null || { echo "no line matches /$2/ in $LAB_LOG"; return 1; }
}
lab_expect_after() {
	local points="$1" what="$2"
	shift 2
	lab_check "$points" "$what" lab_both_lines "$@"
}

# lab_monitor_faults <at least> "<of what>": a check command. The page faults
# the monitor gave the guest, by its own report at the end of $LAB_LOG (which
# no guest code can print for it), are at least that many.
lab_monitor_faults() {
	local faults
	faults=$(tr -d '\r' < "$LAB_LOG" |
		sed -n 's/^monitor: shadow page tables: .*, \([0-9]*\) page faults for the guest.*/\1/p')
	[ -n "$faults" ] || { echo "no monitor report of its page faults"; return 1; }
	[ "$faults" -ge "$1" ] ||
		{ echo "the monitor gave the guest $faults page faults, fewer than $2"; return 1; }
}

# lab_protect <file>...: the integrity check, in a handout tree (labs/HANDOUT,
# or a handout/* tag: scripts/handout.sh made it): the files that judge the
# student's work (the lab's test program given here; the grader, this library,
# labs/ORDER and the scripts that boot QEMU always) must be those of the lab's
# handout commit, tag handout/<lab>, whatever the student committed since. The
# check is worth no points, but when it fails the grade is 0 (lab_end says
# why); `git checkout handout/<lab> -- FILE` restores a file. In the solved
# tree it checks nothing. (A student can edit this file too: an instructor
# grades with scripts/grade-submission.sh, which copies only the student's
# files into a fresh handout.)
lab_protect() {
	local ref="refs/tags/handout/$LAB_NAME" files changed
	[ -f labs/HANDOUT ] || [ -n "$(git tag -l 'handout/*' 2>/dev/null)" ] || return 0
	files=(labs/lib.sh labs/ORDER "labs/$LAB_NAME/grade.sh" scripts/qemu-run.sh scripts/qemu-nmi.sh
		scripts/qemu-input.sh scripts/qemu-inject.sh
		scripts/linux/run-vm.sh "$@")
	if ! git rev-parse -q --verify "$ref^{commit}" > /dev/null 2>&1; then
		LAB_TAMPERED="no handout commit to check against (tag handout/$LAB_NAME; git fetch --tags origin)"
	elif ! changed=$(git diff --name-only "$ref" -- "${files[@]}" 2>&1); then
		LAB_TAMPERED="git diff failed: $changed"
	else
		changed=$(printf '%s' "$changed" | tr '\n' ' ' | sed 's/ $//')
		[ -n "$changed" ] && LAB_TAMPERED="changed since the handout: $changed"
	fi
	lab_check 0 "the grader and the lab's tests are as handed out (tag handout/$LAB_NAME)${LAB_TAMPERED:+: $LAB_TAMPERED}" \
		test -z "$LAB_TAMPERED"
}

# lab_end: the score, then the line CI and `make grade-all` read. A failed
# integrity check makes the score 0, and the score line says so.
lab_end() {
	if [ -n "$LAB_TAMPERED" ]; then
		echo "0/$LAB_MAX points (lab $LAB_NAME, $((SECONDS - LAB_T0)) s): integrity check failed," \
			"no points ($LAB_TAMPERED; the checks gave $LAB_GOT)"
	else
		echo "$LAB_GOT/$LAB_MAX points (lab $LAB_NAME, $((SECONDS - LAB_T0)) s)"
	fi
	echo "$LAB_PASSED passed, $LAB_FAILED failed"
	[ "$LAB_FAILED" = 0 ]
	exit $?
}
