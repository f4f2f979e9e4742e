# Checks a switch-walk trace (scripts/gdb/switch_walk.py, docs/SWITCH-WALK.md):
# that it shows what a world switch must do, in order, with the values
# agreeing. Section 1, the YIELD round trip: INT 0x81 takes the guest from
# ring 1 to ring 0 into gate_hc; to_host loads the host's CR3 over the guest's
# (the CR3 the section started with); enter loads that guest CR3 back over the
# same host CR3; the IRETQ at enter.window_end returns to ring 1, last. Section
# 2, a forwarded host interrupt: the interrupt takes the guest to ring 0 into
# the monitor's IRQ stubs; the same two CR3 loads; between them the host's own
# handler runs for the same vector (INT n from irq_raise_table, re-raised on
# the host's IDT, which to_host's LIDT loaded first); the IRETQ to ring 1 last.
# Prints "switch-walk: ok: ..." per check, "switch-walk: FAIL: ..." per failed
# one; exit status 1 if any failed.

# "NAME A -> B" in a line: sets FROM and TO, returns 1; 0 without one.
function change(line, name,    t, p) {
	FROM = TO = ""
	if (!match(line, name " 0x[0-9a-f/]+ -> 0x[0-9a-f/]+"))
		return 0
	t = substr(line, RSTART + length(name) + 1, RLENGTH - length(name) - 1)
	split(t, p, " -> ")
	FROM = p[1]
	TO = p[2]
	return 1
}

function verdict(ok, what) {
	printf "switch-walk: %s: %s\n", ok ? "ok" : "FAIL", what
	if (!ok)
		failed = 1
}

# The first line of section s from index i on (0: none) whose symbol matches
# sre and whose text holds the string str.
function find(s, i, sre, str) {
	for (; i <= n[s]; i++)
		if (sym[s, i] ~ sre && index(txt[s, i], str))
			return i
	return 0
}

# The two CR3 loads of section s after line `after`: sets OUT and IN (line
# numbers) and reports them.
function cr3_loads(s, after, what,    g, h) {
	g = start_cr3[s]
	FROM = TO = ""
	OUT = find(s, after + 1, "^to_host", "mov cr3,")
	verdict(OUT && change(txt[s, OUT], "CR3") && FROM == g,
		what ": to_host loads the host's CR3 over the guest's (" g " -> " TO ")")
	h = TO
	IN = find(s, OUT + 1, "^enter", "mov cr3,")
	verdict(OUT && IN && change(txt[s, IN], "CR3") && FROM == h && TO == g,
		what ": enter loads the guest's CR3 back over the host's (" h " -> " g ")")
}

# The last line of section s: the IRETQ at enter.window_end, to ring 1.
function back_to_ring1(s, what,    i) {
	i = n[s]
	verdict(i && sym[s, i] == "enter.window_end" && index(txt[s, i], " iretq") &&
		index(txt[s, i], "CPL 0 -> 1"),
		what ": the IRETQ at enter.window_end returns to ring 1 (CPL 0 -> 1), last")
}

/^== / { sec++; next }
/^state at the start:/ {
	if (match($0, /CR3=0x[0-9a-f]+/))
		start_cr3[sec] = substr($0, RSTART + 4, RLENGTH - 4)
	next
}
/^ *[0-9]+  [0-9a-f]+  / && sec {
	i = ++n[sec]
	sym[sec, i] = $3
	txt[sec, i] = $0
}
END {
	w = "yield"
	e = find(1, 1, "", " int 0x81")
	verdict(e && index(txt[1, e], "CPL 1 -> 0") && sym[1, e + 1] == "gate_hc",
		w ": INT 0x81 enters gate_hc in ring 0 (CPL 1 -> 0)")
	cr3_loads(1, e, w)
	back_to_ring1(1, w)

	w = "interrupt"
	e = find(2, 1, "", "<interrupt 0x")
	vec = ""
	if (e && match(txt[2, e], /<interrupt 0x[0-9a-f]+/))
		vec = substr(txt[2, e], RSTART + 11, RLENGTH - 11)
	verdict(e && index(txt[2, e], "CPL 1 -> 0") && sym[2, e + 1] ~ /^irq_stubs/,
		w ": vector " vec " enters the monitor's IRQ stubs in ring 0 (CPL 1 -> 0)")
	cr3_loads(2, e, w)
	l = find(2, OUT + 1, "^to_host", "lidt ")
	r = l ? find(2, l + 1, "^irq_raise_table", " int " vec) : 0
	verdict(vec != "" && r && r < IN && sym[2, r + 1] == "mb2_timer_stub",
		w ": back on the host's IDT, INT " vec " re-raises it into the host's handler (mb2_timer_stub)")
	back_to_ring1(2, w)
	exit failed
}
