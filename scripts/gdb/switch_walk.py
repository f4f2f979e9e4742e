# gdb (batch, over QEMU's gdbstub): single-step one whole YIELD round trip and
# one host interrupt forwarded from the guest world, and write one line per
# instruction with the CPU state it changed (docs/SWITCH-WALK.md). Run by
# scripts/switch-walk.sh on the bare-metal monitor with the command line
# "guest=hello -- guest=preempt seconds=1": run 1 yields, run 2 computes
# while the host's timer ticks.
#
# The state: gdb's registers from QEMU (rip, rsp, eflags, selectors) are not
# enough: GDTR, IDTR, TR and CPL are not among them, so each step asks QEMU's
# monitor instead (`monitor info registers`, one round trip of about 2 ms),
# which prints every one of them.
#
# Interrupts while stepping: QEMU's gdbstub steps with IRQs and timers masked
# by default (the qqemu.sstep flags: 1 step, 2 no IRQ, 4 no timers). The round
# trips are stepped that way, so no tick lands in the middle; to catch a tick
# in the guest, the guest is stepped with flags 1 (IRQs and timers on) until
# the CPU enters the monitor's interrupt stubs.
import re
import subprocess
import time

import gdb

SSTEP_QUIET = 0x7    # ENABLE | NOIRQ | NOTIMER: QEMU's default
SSTEP_IRQS = 0x1     # ENABLE: interrupts are delivered between two steps
HC_YIELD = 0         # proto/hypercall.h
MAX_STEPS = 4000     # a round trip is a few hundred instructions
MAX_WAIT_STEPS = 200000  # guest instructions stepped while waiting for a tick

SEGS = ("CS", "SS", "DS", "ES", "FS", "GS")
# The order in which a line names what changed.
FIELDS = ("CPL", "CR3", "CR4", "EFER", "GDTR", "IDTR", "TR") + SEGS + ("FS.base", "GS.base", "IF",
                                                                    "RSP")


def build_dir():
	try:
		return gdb.parse_and_eval("$cokernel_build").string()
	except (gdb.error, AttributeError):
		return "build"


def hmp_state():
	"""The CPU state QEMU's monitor prints, as {field: string}."""
	out = gdb.execute("monitor info registers", to_string=True)
	s = {}
	m = re.search(r"RIP=([0-9a-f]+) RFL=([0-9a-f]+) .*CPL=(\d)", out)
	s["pc"] = int(m.group(1), 16)
	s["IF"] = str((int(m.group(2), 16) >> 9) & 1)  # SDM Vol.1 3.4.3: RFLAGS.IF is bit 9
	s["CPL"] = m.group(3)
	s["RSP"] = "0x%x" % int(re.search(r"RSP=([0-9a-f]+)", out).group(1), 16)
	for seg in SEGS + ("TR",):
		m = re.search(r"^%s ?=([0-9a-f]{4}) ([0-9a-f]{16})" % seg, out, re.M)
		s[seg] = "0x%x" % int(m.group(1), 16)
		if seg == "TR":
			s["TR"] += " (base 0x%x)" % int(m.group(2), 16)
		if seg in ("FS", "GS"):
			s[seg + ".base"] = "0x%x" % int(m.group(2), 16)
	for t in ("GDT", "IDT"):
		m = re.search(r"^%s= +([0-9a-f]{16}) ([0-9a-f]{8})" % t, out, re.M)
		s[t + "R"] = "0x%x/0x%x" % (int(m.group(1), 16), int(m.group(2), 16))
	for cr in ("CR3", "CR4", "EFER"):
		s[cr] = "0x%x" % int(re.search(r"%s=([0-9a-f]+)" % cr, out).group(1), 16)
	return s


class Symbols:
	"""Address -> name+offset from the three ELF files' text symbols."""

	def __init__(self):
		self.syms = []

	def add(self, elf, offset=0):
		out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True).stdout
		for line in out.splitlines():
			parts = line.split()
			if len(parts) == 3 and parts[1] in "tT":
				self.syms.append((int(parts[0], 16) + offset, parts[2]))
		self.syms.sort()

	def name(self, pc):
		lo, hi = 0, len(self.syms)
		while lo < hi:
			mid = (lo + hi) // 2
			if self.syms[mid][0] <= pc:
				lo = mid + 1
			else:
				hi = mid
		if lo == 0:
			return "?"
		addr, name = self.syms[lo - 1]
		return name if pc == addr else "%s+%d" % (name, pc - addr)

	def addr(self, name):
		for a, n in self.syms:
			if n == name:
				return a
		raise gdb.GdbError("no symbol " + name)


def disasm(pc):
	try:
		insn = gdb.selected_inferior().architecture().disassemble(pc)[0]["asm"]
	except gdb.MemoryError:
		return "(not readable)"
	insn = re.sub(r"\s+", " ", insn)
	return re.sub(r" *# 0x[0-9a-f]+.*$", "", insn)  # gdb's note of the RIP-relative target


def read_u64(addr):
	return int(gdb.parse_and_eval("*(unsigned long long *)0x%x" % addr))


class Walk:
	def __init__(self, out):
		self.out = out
		self.syms = Symbols()
		self.hva = None
		self.n = 0

	def write(self, text=""):
		self.out.write(text + "\n")

	def load_symbols(self, hva):
		b = build_dir()
		self.syms = Symbols()
		self.syms.add(b + "/cokernel.elf")
		self.syms.add(b + "/guest.elf")
		self.syms.add(b + "/switch.elf", hva)
		self.hva = hva

	@staticmethod
	def changes(a, b):
		return "  ".join("%s %s -> %s" % (f, a[f], b[f]) for f in FIELDS if a[f] != b[f])

	def line(self, pc, text, changes):
		self.n += 1
		self.write("%5d  %016x  %-26s %-44s %s" % (self.n, pc, self.syms.name(pc)[:26], text[:44],
							    changes))

	def state_line(self, title, s):
		self.write("%s: %s" % (title, "  ".join("%s=%s" % (f, s[f]) for f in FIELDS)))

	def step(self, s0):
		"""One instruction: returns the new state and writes its line. Now and
		then QEMU's gdbstub answers a step having run nothing (the PC and
		every field the same): that step is taken again, not shown."""
		text = disasm(s0["pc"])
		for _ in range(4):
			gdb.execute("stepi", to_string=True)
			s1 = hmp_state()
			if s1["pc"] != s0["pc"] or self.changes(s0, s1):
				break
		self.line(s0["pc"], text, self.changes(s0, s1))
		return s1

	def until(self, s, done, what):
		for _ in range(MAX_STEPS):
			s = self.step(s)
			if done(s):
				return s
		raise gdb.GdbError("switch-walk: %s not reached in %d steps" % (what, MAX_STEPS))

	def section(self, title, s):
		self.write()
		self.write("== " + title)
		self.state_line("state at the start", s)
		self.write("%5s  %-16s  %-26s %-44s %s" % ("#", "address", "symbol", "instruction",
							  "what it changed"))


def run_to(spec, cond=None):
	"""Continue to a one-shot breakpoint at spec (with a condition)."""
	bp = gdb.Breakpoint(spec, internal=True, temporary=True)
	if cond:
		bp.condition = cond
	gdb.execute("continue", to_string=True)
	return hmp_state()


def walk(out_path):
	with open(out_path, "w") as out:  # closed (flushed) however the walk ends
		walk_to(out)
	# Let both runs end normally: the monitor's own checks close the log.
	for bp in gdb.breakpoints():
		bp.delete()


def walk_to(out):
	from passage import passage_symbols

	t0 = time.time()
	w = Walk(out)
	passage_symbols.listeners.append(w.load_symbols)
	gdb.execute("set disassembly-flavor intel")
	gdb.execute("maintenance packet qqemu.sstep=0x%x" % SSTEP_QUIET, to_string=True)

	# 1. A YIELD: the first one through the hypercall gate tells where the
	# guest's INT 0x81 is (the frame's RIP follows it: CD 81 is 2 bytes);
	# the next iteration of hello's loop is stopped there and stepped until
	# the guest runs the instruction after it again.
	s = run_to("gate_hc", "$rax == %d" % HC_YIELD)
	after = read_u64(int(gdb.parse_and_eval("$rsp")))
	s = run_to("*0x%x" % (after - 2), "$rax == %d" % HC_YIELD)
	w.write("switch-walk: cokernel's world switch, one instruction a line (docs/SWITCH-WALK.md)")
	w.write("switch-walk: the passage is at 0x%x (build/switch.elf loaded there)" % w.hva)
	w.section("a YIELD round trip: guest (ring 1) -> monitor (ring 0) -> guest", s)
	s = w.until(s, lambda s: s["pc"] == after and s["CPL"] == "1", "the guest's next instruction")
	w.write("switch-walk: round trip done in %d instructions" % w.n)

	# 2. A host interrupt in the guest world: find a guest instruction that
	# run 2's computing loop executes (one that a tick interrupted), stop
	# there, then step with interrupts on until a tick enters an IRQ stub.
	run_to("*prog_preempt")
	stubs = w.syms.addr("irq_stubs")
	gate_irq = w.syms.addr("gate_irq")
	while True:
		s = run_to("*0x%x" % stubs)
		rip, cs = read_u64(int(s["RSP"], 16)), read_u64(int(s["RSP"], 16) + 8)
		if cs & 3 == 1 and w.syms.name(rip).startswith("prog_preempt"):
			break
	s = run_to("*0x%x" % rip)
	gdb.execute("maintenance packet qqemu.sstep=0x%x" % SSTEP_IRQS, to_string=True)
	waited, ran, last = 0, 0, None  # last: (before, text, after) of the last instruction run
	while waited < MAX_WAIT_STEPS:
		text, prev = disasm(s["pc"]), s
		gdb.execute("stepi", to_string=True)
		s = hmp_state()
		waited += 1
		if stubs <= s["pc"] < gate_irq:
			break
		if s["pc"] != prev["pc"]:  # else a step that ran nothing (QEMU saw an event)
			last, ran = (prev, text, s), ran + 1
	else:
		raise gdb.GdbError("switch-walk: no tick in %d guest instructions" % MAX_WAIT_STEPS)
	gdb.execute("maintenance packet qqemu.sstep=0x%x" % SSTEP_QUIET, to_string=True)
	vector = (s["pc"] - stubs) // 8 + 32
	frame_rip = read_u64(int(s["RSP"], 16))  # where the guest goes on afterwards
	w.n = 0
	w.section("a host interrupt forwarded: guest -> monitor's IRQ stub -> host's handler -> guest",
		  last[0] if last else prev)
	w.write("  (%d guest instructions stepped with interrupts on before the tick; the last one:)"
		% ran)
	if last:
		w.line(last[0]["pc"], last[1], w.changes(last[0], last[2]))
	# The step that took the tick ran no instruction when the frame's RIP is
	# where it started: the CPU delivered the interrupt first (SDM Vol.3 6.6).
	took = "<interrupt 0x%x%s>" % (vector, "" if frame_rip == prev["pc"] else " after it")
	w.line(frame_rip, took, w.changes(prev, s))
	s = w.until(s, lambda s: s["pc"] == frame_rip and s["CPL"] == "1",
		    "the interrupted guest instruction")
	w.write("switch-walk: forwarded interrupt done in %d instructions" % w.n)
	w.write("switch-walk: walk took %.1f s" % (time.time() - t0))
	passage_symbols.listeners.clear()
