#!/bin/sh
# The Linux-host scenarios, run inside the VM by /init (busybox sh). Each loads
# cokernel.ko, does its part, and then always the same epilogue, whose lines
# scripts/qemu-test.sh checks: the pages the module still holds, rmmod, and
# dmesg free of BUG, WARNING, Oops, general protection faults and lockups.
# usage: scenario.sh NAME
name="$1"
held=/sys/module/cokernel/parameters/pages_held

status() { # the runner's exit status, in the line the harness looks for
	echo "linux: cokrun exit status $1"
}

# kB of free memory: the pool must come back whatever ended the runner.
memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

# NMIs counted by CPU 0 (the one QEMU's `nmi` reaches under Linux: the others
# keep LINT1 masked) in /proc/interrupts.
nmis() { sed -n 's/^ *NMI: *\([0-9]*\) .*/\1/p' /proc/interrupts; }

# The forbidden instructions of guest=privileged, one guest run each.
PRIVILEGED_OPS="cli sti hlt wrmsr rdmsr cr0 cr3 cr8 lgdt lidt ltr in out swapgs invlpg dr7 sysenter
int3 int80 wrfsbase wrpkru selector"

# Start a runner that keeps the guest busy, and stop it with SIGNAL mid-run.
stop_mid_run() {
	sig="$1" want="$2"
	before=$(memfree)
	/cokrun --pool 64M guest=spin > /tmp/spin.log 2>&1 &
	pid=$!
	sleep 2
	during=$(cat $held)
	echo "linux: pages held while the guest runs: $during"
	[ "$during" -gt 16384 ] && echo "linux: the 64 MiB pool is held while the guest runs: ok"
	kill -"$sig" "$pid"
	wait "$pid"
	st=$?
	echo "linux: runner stopped by SIG$sig, exit status $st (expected $want)"
	grep -a "spin: running\|cokrun:" /tmp/spin.log # it started, and how it ended
	after=$(memfree)
	# MemFree moves with the kernel's own allocations; a lost 64 MiB pool would not.
	if [ $((before - after)) -lt 8192 ]; then
		echo "linux: MemFree back to its baseline (within 8 MiB): ok"
	else
		echo "linux: MemFree is $((before - after)) kB below its baseline"
	fi
}

insmod /cokernel.ko || echo "linux: insmod failed"
case "$name" in
hello) /cokrun guest=hello; status $? ;;
selftest) /cokrun guest=selftest; status $? ;;
fault) /cokrun guest=fault; status $? ;;
blk)
	/cokrun --disk /disk.img guest=blk; status $?
	echo "linux: disk check: $(/mkdisk --check-writes /disk.img)"
	;;
badring) /cokrun --disk /disk.img guest=badring disk=ro scatter=1; status $? ;;
kill) stop_mid_run KILL 137 ;;
sigint) stop_mid_run INT 130 ;;
two)
	/cokrun guest=selftest > /tmp/a.log 2>&1 &
	a=$!
	/cokrun --disk /disk.img guest=blk > /tmp/b.log 2>&1 &
	b=$!
	wait $a; sa=$?
	wait $b; sb=$?
	echo "linux: first guest (selftest) exit status $sa: $(grep -a 'checks, ' /tmp/a.log)"
	echo "linux: second guest (blk) exit status $sb: $(grep -a 'requests completed by one POST' /tmp/b.log)"
	;;
errors) /ioctl_errors; status $? ;;
echo) # console input from cokrun's stdin, through HC_WAIT and the ring
	(echo "hello, guest"; sleep 1; echo quit) | /cokrun guest=echo; status $?
	;;
hardened) # booted with pti=on on a CPU with SMEP and SMAP
	echo "linux: $(dmesg | grep -o 'Kernel/User page tables isolation: enabled')"
	for f in smep smap pcid; do
		grep -qw "$f" /proc/cpuinfo && echo "linux: the CPU has $f"
	done
	/cokrun guest=selftest; echo "linux: selftest exit status $?"
	/cokrun --disk /disk.img guest=blk; status $?
	;;
contain) # the ring-1 guest's faults: each one a guest ended with a report
	for g in ud2-first doublefault trapflag; do
		/cokrun guest=$g; echo "linux: contain: $g exit status $?"
	done
	for op in $PRIVILEGED_OPS syscall; do
		/cokrun guest=privileged op=$op; echo "linux: contain: privileged op=$op exit status $?"
	done
	/cokrun guest=selftest > /tmp/selftest.log 2>&1
	echo "linux: contain: selftest exit status $? ($(grep -a 'checks, ' /tmp/selftest.log))"
	;;
nmi) # QEMU injects NMIs (qemu-test.sh --nmi) while the guest runs on CPU 0
	before=$(nmis)
	taskset -c 0 /cokrun guest=nmi; status $?
	echo "linux: CPU 0 took $(( $(nmis) - before )) NMIs while the guest ran"
	# cr4-change: CR4.TSD flips at every switch to and from tsd_flip, on the
	# guest's CPU, while the guest runs there
	taskset -c 0 /tsd_flip 3 > /tmp/tsd.log 2>&1 &
	tsd=$!
	taskset -c 0 /cokrun guest=nmi > /tmp/cr4.log 2>&1
	echo "linux: cr4-change: guest exit status $? ($(grep -a 'yields in' /tmp/cr4.log))"
	wait $tsd
	cat /tmp/tsd.log
	/tsd_flip plain
	;;
refused)
	/cokrun --image /cokrun guest=hello; echo "linux: not an ELF guest: status $?"
	/cokrun --image /guest-v2.elf guest=hello; echo "linux: a guest of ABI version 2: status $?"
	/cokrun --pool 4G guest=hello; echo "linux: pool too large: status $?"
	/cokrun guest=hello pool=12Q; echo "linux: bad pool size: status $?"
	;;
bench)
	/cokrun --disk /disk.img guest=bench; status $?
	/refs
	;;
shell) # make qemu-linux: a shell with the module loaded; exit powers off
	echo "linux: cokernel.ko is loaded; try: /cokrun guest=selftest, /cokrun --disk /disk.img guest=blk,"
	echo "linux: /cokrun guest=echo (type; quit ends it), /cokrun guest=spin (Ctrl-C stops it)"
	setsid cttyhack sh
	;;
*) echo "linux: unknown scenario '$name'" ;;
esac

# The host went on: it still runs a guest, holds no page, unloads the
# module, and its log is clean.
/cokrun guest=hello > /tmp/after.log 2>&1
echo "linux: a second guest after the scenario: exit status $?"
echo "pages the monitor still holds: $(cat $held)"
echo "linux: guests still open: $(cat /sys/module/cokernel/parameters/guests)"
rmmod cokernel && echo "linux: rmmod: ok"
if dmesg | grep -E "BUG|WARNING|Oops|general protection|lockup|\bstalls?\b|Kernel panic" > /tmp/bad; then
	echo "linux: dmesg shows trouble:"
	cat /tmp/bad
else
	echo "linux: dmesg: clean"
fi
