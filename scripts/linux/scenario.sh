#!/bin/sh
# The Linux-host scenarios, run inside the VM by /init (busybox sh). Several
# may share one boot: each case loads cokernel.ko, does its part, and then
# always the same epilogue, whose lines scripts/qemu-test.sh checks in that
# case's part of the log: the pages the module still holds, rmmod, and the
# kernel log since the case before free of BUG, WARNING, Oops, general
# protection faults, lockups and stalls.
# usage: scenario.sh NAME[,NAME...]
held=/sys/module/cokernel/parameters/pages_held

# The harness's verdict token (ck.verdict=, scripts/qemu-test.sh): every line
# of this script carries it, "linux[TOKEN]: ...", and the harness believes no
# "linux: " line that lacks it; a guest, whose text its runner prints here
# too, never sees the kernel's command line. Without one (make qemu-linux),
# plain "linux: ".
V=$(sed -n 's/.*ck\.verdict=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
export CK_SAY="linux${V:+[$V]}:" # the test tools' prefix too (tests/linux/say.h)
say() { echo "$CK_SAY $*"; }

status() { # the runner's exit status, in the line the harness looks for
	say "cokrun exit status $1"
}

# kB of free memory: the pool must come back whatever ended the runner.
memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

# NMIs counted by CPU 0 (the one QEMU's `nmi` reaches under Linux: the others
# keep LINT1 masked) in /proc/interrupts.
nmis() { sed -n 's/^ *NMI: *\([0-9]*\) .*/\1/p' /proc/interrupts; }

# The forbidden instructions of guest=privileged, one guest run each.
PRIVILEGED_OPS="cli sti hlt wrmsr rdmsr cr0 cr3 cr8 lgdt lidt ltr in out swapgs invlpg dr7 sysenter
int3 int80 wrfsbase wrpkru selector"

# Milliseconds since boot, and CPU 0's local timer interrupts (LOC).
now_ms() { read -r u _ < /proc/uptime; echo $(( ${u%.*} * 1000 + 1${u#*.}0 - 1000 )); }
loc0() { sed -n 's/^ *LOC: *\([0-9]*\) .*/\1/p' /proc/interrupts; }

# Count loop rounds on CPU 0 for $1 seconds (the shell's own arithmetic, no
# fork), and print the count.
spin_count() {
	taskset -c 0 sh -c 'n=0; end=$(( $(cut -d. -f1 /proc/uptime) + '"$1"' ));
		while :; do n=$((n + 1)); read -r u _ < /proc/uptime;
		[ "${u%.*}" -ge $end ] && break; done; echo $n'
}

# The faults of guest=simd-fault, one guest run each.
SIMD_FAULT_OPS="xm mf mxcsr xsetbv"

# guest=pthostile's ops, one guest run each (guest/progs/pthostile.c: those
# that end the guest last).
PTHOSTILE_OPS="tables traps user million kstack kstackud pfnest"

# Start a runner that keeps the guest busy, and stop it with SIGNAL mid-run.
stop_mid_run() {
	sig="$1" want="$2"
	before=$(memfree)
	/cokrun --pool 64M guest=spin > /tmp/spin.log 2>&1 &
	pid=$!
	sleep 2
	during=$(cat $held)
	say "pages held while the guest runs: $during"
	[ "$during" -gt 16384 ] && say "the 64 MiB pool is held while the guest runs: ok"
	kill -"$sig" "$pid"
	wait "$pid"
	st=$?
	say "runner stopped by SIG$sig, exit status $st (expected $want)"
	grep -a "spin: running\|cokrun:" /tmp/spin.log # it started, and how it ended
	after=$(memfree)
	# MemFree moves with the kernel's own allocations; a lost 64 MiB pool would not.
	if [ $((before - after)) -lt 8192 ]; then
		say "MemFree back to its baseline (within 8 MiB): ok"
	else
		say "MemFree is $((before - after)) kB below its baseline"
	fi
}

uptime() { cut -d' ' -f1 /proc/uptime; }

# A guest pool of gigabytes, mapped whole by cokrun; selftest touches its
# last page, reads the whole p2m and a sample of pages (guest/progs/selftest.c).
big_pool() {
	size="$1" kib="$2"
	before=$(memfree)
	/cokrun --pool "$size" guest=selftest > /tmp/big.log 2>&1
	st=$?
	grep -a "monitor: pool\|pool is\|last byte\|checks, \|refused" /tmp/big.log
	say "selftest with pool=$size: exit status $st"
	grep -aq "guest: selftest: pool is $kib KiB" /tmp/big.log &&
		say "the guest saw all $kib KiB of pool=$size"
	# Within 128 MiB: freed pages may wait on the per-CPU lists, which MemFree
	# (NR_FREE_PAGES, mm/page_alloc.c) does not count; a lost pool is gigabytes.
	delta=$((before - $(memfree)))
	say "MemFree after pool=$size: $delta kB below before"
	# (measured: 33 MiB once for a 2 GiB pool); pages_held is the exact count.
	[ $delta -lt 131072 ] && say "pool=$size given back (MemFree within 128 MiB): ok"
}

run_case() {
	name="$1"
	cp /tmp/disk.pristine /disk.img # blk writes the disk: each case gets the test disk as made
	insmod /cokernel.ko || say "insmod failed"
	case "$name" in
	hello) /cokrun guest=hello; status $? ;;
	selftest) /cokrun guest=selftest; status $? ;;
	fault) /cokrun guest=fault; status $? ;;
	coredump) # the core of a crashed guest, to the build machine for gdb
		# (qemu-test.sh decodes it): the serial log is the VM's only way out
		/cokrun --core /tmp/core guest=crash; status $?
		if [ -s /tmp/core ]; then
			say "core of $(wc -c < /tmp/core) bytes, gzip and base64 follow"
			say "core begins"
			gzip -c /tmp/core | base64
			say "core ends"
			rm -f /tmp/core
		fi
		;;
	blk)
		/cokrun --disk /disk.img guest=blk; status $?
		say "disk check: $(/mkdisk --check-writes /disk.img)"
		;;
	badring) /cokrun --disk /disk.img guest=badring disk=ro scatter=1; status $? ;;
	image) # guest images built outside guest/ (examples/, through the kit)
		/cokrun --image /hello.elf hello-arg; say "hello.elf exit status $?"
		/cokrun --disk /disk.img image=/blkcat.elf; status $?
		;;
	image-bad)
		/cokrun --image /nosuch.elf; say "a missing image: status $?"
		dd if=/dev/zero of=/tmp/big.elf bs=1M count=17 2>/dev/null
		/cokrun --image /tmp/big.elf; say "an image of 17 MiB: status $?"
		rm -f /tmp/big.elf
		;;
	kill) stop_mid_run KILL 137 ;;
	sigint) stop_mid_run INT 130 ;;
	two)
		/cokrun guest=selftest > /tmp/a.log 2>&1 &
		a=$!
		/cokrun --disk /disk.img guest=blk > /tmp/b.log 2>&1 &
		b=$!
		wait $a; sa=$?
		wait $b; sb=$?
		say "first guest (selftest) exit status $sa: $(grep -a 'checks, ' /tmp/a.log)"
		say "second guest (blk) exit status $sb: $(grep -a 'requests completed by one POST' /tmp/b.log)"
		;;
	errors) /ioctl_errors; status $? ;;
	concurrency) /concurrency; status $? ;;
	copyfail) /copyfail /disk.img; status $? ;;
	bigpool) # a VM with memory for it (qemu-test.sh boots this one with mem=)
		say "$(grep MemTotal /proc/meminfo)"
		big_pool 2G 2097152
		big_pool 3584M 3670016
		;;
	echo) # console input from cokrun's stdin, through HC_WAIT and the ring
		(echo "hello, guest"; sleep 1; echo quit) | /cokrun guest=echo; status $?
		;;
	echo-spin) # the same while the guest computes: the runner gives input at each RUN
		(echo "hello, guest"; sleep 1; echo quit) | /cokrun guest=echo idle=spin; status $?
		;;
	hardened) # booted with pti=on on a CPU with SMEP and SMAP
		say "$(grep -o 'Kernel/User page tables isolation: enabled' /tmp/boot.dmesg)"
		for f in smep smap pcid; do
			grep -qw "$f" /proc/cpuinfo && say "the CPU has $f"
		done
		/cokrun guest=selftest; say "selftest exit status $?"
		/cokrun --disk /disk.img guest=blk; status $?
		;;
	# The ring-1 guest's faults; cpumax-: the same in a VM on another CPU model.
	ud2-first | cpumax-ud2-first) /cokrun guest=ud2-first; status $? ;;
	doublefault | cpumax-doublefault) /cokrun guest=doublefault; status $? ;;
	privileged | cpumax-privileged)
		for op in $PRIVILEGED_OPS; do
			/cokrun guest=privileged op=$op; say "privileged op=$op exit status $?"
		done
		;;
	syscall | cpumax-syscall) /cokrun guest=privileged op=syscall; status $? ;;
	trapflag | cpumax-trapflag) /cokrun guest=trapflag; status $? ;;
	cpumax-selftest) /cokrun guest=selftest; status $? ;;
	preempt) # a guest that computes without hypercalls shares CPU 0 and its time
		alone=$(spin_count 2)
		loc=$(loc0) t0=$(now_ms)
		taskset -c 0 /cokrun guest=preempt > /tmp/p.log 2>&1 &
		g=$!
		beside=$(spin_count 2)
		wait $g
		st=$?
		ticks=$(( $(loc0) - loc )) ms=$(( $(now_ms) - t0 ))
		cat /tmp/p.log
		status $st
		say "preempt: a shell loop on CPU 0 counted $alone alone, $beside beside the guest"
		[ "$beside" -gt $((alone / 5)) ] && say "preempt: the loop kept its share of CPU 0: ok"
		hz=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p')
		hz=${hz:-250}
		want=$((ms * hz / 1000))
		say "preempt: CPU 0's timer ticked $ticks times in $ms ms (HZ=$hz: $want)"
		d=$((ticks - want)); [ $d -lt 0 ] && d=$((-d))
		[ $((d * 10)) -le "$want" ] && say "preempt: the host's ticks kept time: ok"
		# A guest that never makes a hypercall, and SIGKILL for its runner.
		taskset -c 0 /cokrun guest=preempt seconds=0 > /tmp/p0.log 2>&1 &
		g=$!
		sleep 1
		t0=$(now_ms)
		kill -KILL $g
		wait $g
		st=$?
		ms=$(( $(now_ms) - t0 ))
		say "preempt: the runner of a guest computing forever died ${ms} ms after SIGKILL (status $st)"
		[ $ms -lt 1000 ] && [ $st = 137 ] && say "preempt: SIGKILL within a second: ok"
		;;
	storm) # a storm of timer interrupts on the CPU of a computing guest
		taskset -c 0 /tick_storm 3 > /tmp/storm.log 2>&1 &
		s=$!
		taskset -c 0 /cokrun guest=preempt seconds=3; status $?
		wait $s
		cat /tmp/storm.log
		;;
	vtimer) /cokrun guest=vtimer; status $? ;;
	masked) /cokrun guest=masked; status $? ;;
	sched) /cokrun guest=sched; status $? ;;
	ringev) /cokrun guest=ringev; status $? ;;
	net) # the guest on a TAP interface: pinged, 10,000 UDP datagrams echoed, a flood
		lsmod | grep -q '^tun ' || insmod /tun.ko || say "insmod tun.ko failed"
		/cokrun --tap ck0 guest=net ip=10.0.3.2 seconds=30 > /tmp/net.log 2>&1 &
		pid=$!
		for i in $(seq 50); do [ -e /sys/class/net/ck0 ] && break; sleep 0.1; done
		ip addr add 10.0.3.1/24 dev ck0 && ip link set ck0 up || say "ck0 not configured"
		ping -c 20 -i 0.05 -W 2 10.0.3.2 > /tmp/ping.log 2>&1
		say "ping: $(grep -o '[0-9]* packets transmitted, [0-9]* packets received' /tmp/ping.log)"
		/udpecho 10.0.3.2 10000 16; say "udpecho exit status $?"
		# A flood while the guest takes no frames: the TAP's queue (its
		# txqueuelen) bounds what waits and counts what it drops; the guest goes on.
		before=$(memfree)
		/udpecho 10.0.3.2 pause; sleep 0.2
		/udpecho 10.0.3.2 flood 20000
		dropped=$(cat /sys/class/net/ck0/statistics/tx_dropped)
		say "after the flood: ck0 dropped $dropped frames for the guest"
		[ "$dropped" -gt 0 ] && say "the flood overflowed the TAP's queue, its drops counted: ok"
		d=$((before - $(memfree))); [ $d -lt 16384 ] && say "MemFree after the flood within 16 MiB of before: ok" || say "MemFree after the flood: $d kB below before"
		# Once the guest has taken what the queue kept, it answers again.
		for i in $(seq 20); do /udpecho 10.0.3.2 1 1 > /dev/null && break; done
		/udpecho 10.0.3.2 100 16; say "udpecho after the flood exit status $?"
		/udpecho 10.0.3.2 stop
		wait $pid; say "cokrun exit status $?"
		cat /tmp/net.log
		;;
	async-io) # HCPOST_ASYNC block reads, completed by cokrun's completion thread
		# from a disk that takes 2 ms a request: judged (docs/PERFORMANCE.md)
		/cokrun --disk /disk.img --disk-latency 2000 guest=async-io; status $? ;;
	async-io-sync) # the same disk, batches done on the guest's thread: the judge must fail it
		/cokrun --disk /disk.img --disk-latency 2000 --no-serve guest=async-io; status $? ;;
	async-io-fast) # the image's own speed: the figure only
		/cokrun --disk /disk.img guest=async-io ratio=0; status $? ;;
	async-io-slow) # a completion thread 200 ms slow: the POST behind the batch waits
		/cokrun --disk /disk.img --serve-delay 200 guest=async-io ratio=0; status $? ;;
	async-io-kill) # SIGKILL while the completion thread holds a batch
		before=$(memfree)
		/cokrun --disk /disk.img --pool 64M --serve-delay 5000 guest=async-io \
			> /tmp/aio.log 2>&1 &
		pid=$!
		sleep 2
		say "pages held with a batch in flight: $(cat $held)"
		kill -KILL "$pid"
		wait "$pid"
		say "runner stopped by SIGKILL with a batch in flight, exit status $?"
		grep -a "async-io" /tmp/aio.log
		[ $((before - $(memfree))) -lt 8192 ] && say "MemFree back to its baseline (within 8 MiB): ok"
		;;
	pthostile) # one run per op
		for op in $PTHOSTILE_OPS; do
			/cokrun guest=pthostile op=$op; say "pthostile op=$op exit status $?"
		done
		;;
	user | vm | lazy | cow | ad | bigpages | forge) # the guest as an OS kernel (ABI 5)
		/cokrun guest="$name"; status $? ;;
	ssnull) # a null SS in ring 1, one guest run per selector (guest/progs/ssnull.c)
		for op in 0 1 2 3; do
			/cokrun guest=ssnull op=$op; say "ssnull op=$op exit status $?"
		done
		;;
	fpu | cpumax-fpu) # the guest's and a host process's vector state, one CPU
		taskset -c 0 /fpu_loop 4 > /tmp/fpu.log 2>&1 &
		loop=$!
		taskset -c 0 /cokrun guest=fpu; status $?
		wait $loop
		cat /tmp/fpu.log
		;;
	simd-fault | cpumax-simd-fault)
		for op in $SIMD_FAULT_OPS; do
			/cokrun guest=simd-fault op=$op; say "simd-fault op=$op exit status $?"
		done
		;;
	nmi) # QEMU injects NMIs (qemu-test.sh --nmi) while the guest runs on CPU 0
		before=$(nmis)
		taskset -c 0 /cokrun guest=nmi; status $?
		say "CPU 0 took $(( $(nmis) - before )) NMIs while the guest ran"
		;;
	cr4-change) # CR4.TSD flips at every switch to and from tsd_flip, on the
		# guest's CPU, while the guest runs there
		taskset -c 0 /tsd_flip 3 > /tmp/tsd.log 2>&1 &
		tsd=$!
		taskset -c 0 /cokrun guest=nmi > /tmp/cr4.log 2>&1
		say "cr4-change: guest exit status $? ($(grep -a 'yields in' /tmp/cr4.log))"
		wait $tsd
		cat /tmp/tsd.log
		/tsd_flip plain
		;;
	refused)
		/cokrun --image /cokrun guest=hello; say "not an ELF guest: status $?"
		/cokrun --image /guest-v2.elf guest=hello; say "a guest of ABI version 2: status $?"
		/cokrun --pool 4G guest=hello; say "pool too large: status $?"
		/cokrun guest=hello pool=12Q; say "bad pool size: status $?"
		;;
	bench)
		/cokrun --disk /disk.img guest=bench; status $?
		/refs
		# The host's latency beside a guest that computes on the same CPU.
		taskset -c 0 /jitter 50 alone
		taskset -c 0 /cokrun guest=spin > /dev/null 2>&1 &
		g=$!
		taskset -c 0 /jitter 50 "beside a spinning guest"
		kill -KILL $g
		wait $g
		;;
	lab) # labs/lib.sh's lab_linux: the shell lines of ck.lab= (base64), in order
		sed -n 's/.*ck\.lab=\([A-Za-z0-9+/=]*\).*/\1/p' /proc/cmdline | base64 -d > /tmp/lab.sh
		while IFS= read -r line; do
			echo "lab: run $line"
			sh -c "$line" < /dev/null
			echo "lab: status $?"
		done < /tmp/lab.sh
		;;
	shell) # make qemu-linux: a shell with the module loaded; exit powers off
		say "cokernel.ko is loaded; try: /cokrun guest=selftest, /cokrun --disk /disk.img guest=blk,"
		say "/cokrun guest=echo (type; quit ends it), /cokrun guest=spin (Ctrl-C stops it)"
		[ -f /image.elf ] && say "your image is /image.elf: /cokrun --image /image.elf"
		setsid cttyhack sh
		;;
	*) say "unknown scenario '$name'" ;;
	esac

	# The host went on: it still runs a guest, holds no page, unloads the
	# module, and its log is clean.
	/cokrun guest=hello > /tmp/after.log 2>&1
	say "a second guest after the scenario: exit status $?"
	say "pages the monitor still holds: $(cat $held)"
	say "guests still open: $(cat /sys/module/cokernel/parameters/guests)"
	rmmod cokernel && say "rmmod: ok"
	# -c: each case reads (and clears) what the kernel said since the one before
	if dmesg -c | grep -E "BUG|WARNING|Oops|general protection|lockup|\bstalls?\b|Kernel panic" > /tmp/bad; then
		say "dmesg shows trouble:"
		cat /tmp/bad
	else
		say "dmesg: clean"
	fi
}

cp /disk.img /tmp/disk.pristine
for name in $(echo "$1" | tr , ' '); do
	say "case '$name' begins (uptime $(uptime))"
	run_case "$name"
	say "case '$name' over (uptime $(uptime))"
done
