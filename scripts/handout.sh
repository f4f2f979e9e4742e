#!/usr/bin/env bash
# make handout LAB=<lab>: the student's tree for one lab (docs/labs/README.md).
# Copies the tree (the files git knows, tracked or new, not ignored) to
# build/handout/<lab>/ and strips the lab's reference solution out of every
# text file. Markers, each alone on its line behind the file's comment leader
# (// for C, ; for NASM, # for shell and make):
#
#   <leader> LAB(name) BEGIN
#   ...solution lines...            dropped for lab "name"
#   <leader> LAB(name) STARTER      (optional)
#   <leader> starter line           for lab "name": "<leader> " removed once
#   <leader> LAB(name) END
#
# For every other lab the solution stays and the marker and starter lines go,
# so a handout is the solved tree minus one lab. The copy becomes a git
# repository with one commit, so `git diff` shows the student's own work.
# usage: handout.sh LAB [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
lab="${1:?usage: handout.sh LAB [OUTDIR]}"
out="${2:-build/handout/$lab}"
if [ ! -f "labs/$lab/grade.sh" ]; then
	echo "handout: no lab '$lab' (labs/$lab/grade.sh); the labs: $(ls labs | grep -v '\.sh$' | tr '\n' ' ')" >&2
	exit 2
fi

rm -rf "$out"
mkdir -p "$out"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$out"

# strip LAB FILE NAME: print FILE's stripped text; fails on unbalanced markers
# (named NAME, the tree's own path, in the message).
strip() {
	awk -v lab="$1" -v file="$3" '
	function fail(why) { printf "handout: %s:%d: %s\n", file, NR, why > "/dev/stderr"; bad = 1; exit 1 }
	match($0, /^[ \t]*(\/\/|;|#) LAB\([a-z0-9_-]+\) (BEGIN|STARTER|END)[ \t]*$/) {
		line = $0
		sub(/^[ \t]*/, "", line)
		split(line, w, /[ \t]+/)
		leader = w[1]; name = w[2]; kind = w[3]
		sub(/^LAB\(/, "", name); sub(/\)$/, "", name)
		if (kind == "BEGIN") {
			if (state != "") fail("LAB(" name ") BEGIN inside LAB(" cur ")")
			state = "sol"; cur = name; lead = leader; start = NR
		} else if (kind == "STARTER") {
			if (state != "sol" || name != cur) fail("LAB(" name ") STARTER without its BEGIN")
			state = "starter"
		} else {
			if (state == "" || name != cur) fail("LAB(" name ") END without its BEGIN")
			state = ""
		}
		next
	}
	state == "sol" { if (cur != lab) print; next }
	state == "starter" {
		if (cur != lab) next
		# The starter line: its leader and one space go, the indentation stays.
		i = index($0, lead)
		if (i == 0 || substr($0, 1, i - 1) !~ /^[ \t]*$/) fail("a starter line must begin with " lead)
		rest = substr($0, i + length(lead))
		if (substr(rest, 1, 1) == " ") rest = substr(rest, 2)
		print (rest == "" ? "" : substr($0, 1, i - 1) rest)
		next
	}
	{ print }
	END { if (!bad && state != "") { NR = start; fail("LAB(" cur ") BEGIN without its END") } }
	' "$2"
}

found=0
while IFS= read -r f; do
	strip "$lab" "$out/$f" "$f" > "$out/$f.stripped"
	grep -Eq "^[[:space:]]*(//|;|#) LAB\($lab\) BEGIN" "$out/$f" && found=1
	chmod --reference="$out/$f" "$out/$f.stripped"
	mv "$out/$f.stripped" "$out/$f"
done < <(cd "$out" && grep -rlIE '^[[:space:]]*(//|;|#) LAB\([a-z0-9_-]+\) (BEGIN|STARTER|END)' . | sed 's|^\./||')
if [ "$found" = 0 ]; then
	echo "handout: no LAB($lab) markers anywhere: nothing to strip" >&2
	exit 1
fi

if command -v git > /dev/null; then
	(cd "$out" && git init -q && git add -A &&
		git -c user.name=handout -c user.email=handout@cokernel.invalid \
			commit -qm "The $lab lab's handout (make handout LAB=$lab)")
fi
echo "handout: $out (the tree without lab $lab's solution); next:"
echo "  cd $out && make && make grade LAB=$lab    # then read docs/labs/$lab.md"
