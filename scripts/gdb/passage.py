# gdb: the world-switch stub's symbols at the address the monitor put the
# passage at (docs/SWITCH-WALK.md). The stub is assembled flat into
# build/switch.bin and copied into page 0 of the passage, whose address the
# host picks at run time; build/switch.elf is the same source assembled as an
# ELF object with its labels and line numbers, linked at 0 (the Makefile checks
# its bytes equal switch.bin's). A breakpoint on passage_guest_start, which
# every run calls once its passage is installed, reads ps->hva and loads
# switch.elf there, so `break enter` or `break gate_hc` typed before the first
# run (pending) resolves as soon as the passage exists. The breakpoint does not
# stop: a session goes on as if it were not there.
#
# Loaded by build/gdbinit (make qemu-gdb) and by scripts/switch-walk.py, with
# the build directory in the convenience variable $cokernel_build (default
# "build").
import gdb

# passage_guest_start(struct passage *ps, ...): the SysV ABI's first argument
# is in RDI at the function's first instruction.
PASSAGE_HOOK = "passage_guest_start"


def build_dir():
	try:
		return gdb.parse_and_eval("$cokernel_build").string()
	except (gdb.error, AttributeError):
		return "build"


class PassageSymbols(gdb.Breakpoint):
	"""Loads build/switch.elf at each run's passage; never stops."""

	def __init__(self):
		super().__init__("*" + PASSAGE_HOOK, internal=True)
		self.hva = None
		self.listeners = []

	def stop(self):
		hva = int(gdb.parse_and_eval("((struct passage *)$rdi)->hva"))
		if hva != self.hva:
			elf = build_dir() + "/switch.elf"
			if self.hva is not None:
				gdb.execute("remove-symbol-file -a 0x%x" % self.hva, to_string=True)
			# .text is at 0 in switch.elf: -o moves every section by hva.
			gdb.execute("add-symbol-file %s -o 0x%x" % (elf, hva), to_string=True)
			gdb.write("cokernel: passage at 0x%x: %s loaded there\n" % (hva, elf))
			self.hva = hva
		for f in self.listeners:
			f(hva)
		return False


gdb.execute("set breakpoint pending on")
passage_symbols = PassageSymbols()
