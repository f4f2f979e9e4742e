# Sourced by the injectors that run beside QEMU (qemu-nmi.sh, qemu-input.sh):
# their lines in the serial log and their wait for the guest's trigger text.
# The sourcing script sets log, tmo (seconds, 0: never give up), stopped (1
# once QEMU has exited: its TERM trap) and inject_name (its lines' prefix).

# One line of our own: on a fresh line if the guest is mid-line (both we
# and QEMU, or our socat, append to the log, so neither write clobbers the other).
note() {
	local nl=""
	[ -s "$log" ] && [ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" != '\n' ] && nl=$'\n'
	printf '%s%s: %s\n' "$nl" "$inject_name" "$*" >> "$log"
}

# Polls the log every 50 ms until it holds TRIGGER; exits the script with a
# "failed:" line if QEMU ends first (or ALIVE_PID, when given, is gone) or
# tmo seconds pass.
wait_for_trigger() {
	local trigger="$1" alive="${2:-}" deadline=$(( EPOCHSECONDS + tmo ))

	until grep -qF -- "$trigger" "$log" 2>/dev/null; do
		if [ "$stopped" = 1 ] || { [ -n "$alive" ] && ! kill -0 "$alive" 2>/dev/null; }; then
			note "failed: trigger not seen before QEMU exited"
			exit 1
		fi
		if [ "$tmo" -gt 0 ] && [ "$EPOCHSECONDS" -ge "$deadline" ]; then
			note "failed: trigger not seen within ${tmo} s"
			exit 1
		fi
		sleep 0.05
	done
}
