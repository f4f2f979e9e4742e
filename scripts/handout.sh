#!/usr/bin/env bash
# make handout LAB=<lab>: the class repository up to one lab (docs/labs/README.md,
# docs/labs/INSTRUCTORS.md). Copies the tree (the files git knows, tracked or
# new, not ignored) to build/handout/<lab>/ and strips the reference solution of
# EVERY lab of labs/ORDER out of every text file: a handout holds no lab's
# answer, neither the ones to come nor the ones the student already did (in a
# course those are the student's own work). Markers, each alone on its line
# behind the file's comment leader (// for C, ; for NASM, # for shell and make):
#
#   <leader> LAB(name) BEGIN
#   ...solution lines...            dropped
#   <leader> LAB(name) STARTER      (optional)
#   <leader> starter line           "<leader> " removed once
#   <leader> LAB(name) END
#
# The copy becomes a git repository with one commit per lab of labs/ORDER up to
# <lab>, each the child of the one before, on a branch named for its lab and
# tagged handout/<lab>. The trees differ only in labs/HANDOUT, the labs handed
# out so far with the files each one's work goes in: every lab's starter code
# is there from the first commit (it builds), a lab's grader refuses to grade
# until its line is (lab_begin). A student who solved lab x on branch x merges
# branch x+1 on top without a conflict. The commits' names and dates are fixed
# (the dates are the source tree's last commit's), so the same tree always
# gives the same commits: a later `make handout` extends an earlier one.
# usage: handout.sh LAB [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
lab="${1:?usage: handout.sh LAB [OUTDIR]}"
out="${2:-build/handout/$lab}"

mapfile -t order < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' labs/ORDER | grep -v '^$')
upto=()
for l in "${order[@]}"; do
	[ -f "labs/$l/grade.sh" ] || { echo "handout: labs/ORDER names '$l' but there is no labs/$l/grade.sh" >&2; exit 2; }
	[ ${#upto[@]} -gt 0 ] && [ "${upto[-1]}" = "$lab" ] && continue
	upto+=("$l")
done
if [ "${upto[-1]}" != "$lab" ]; then
	echo "handout: no lab '$lab' in labs/ORDER; the labs: ${order[*]}" >&2
	exit 2
fi

rm -rf "$out"
mkdir -p "$out"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf - | tar -xf - -C "$out"

# strip FILE NAME: print FILE's text without any lab's solution, each lab's
# starter uncommented; fails on unbalanced markers (named NAME, the tree's own
# path, in the message).
strip() {
	awk -v file="$2" '
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
	state == "sol" { next }
	state == "starter" {
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
	' "$1"
}

marker='^[[:space:]]*(//|;|#) LAB\([a-z0-9_-]+\) (BEGIN|STARTER|END)'
mapfile -t marked < <(cd "$out" && grep -rlIE "$marker" . | sed 's|^\./||' | sort)
# Each lab's files: those holding its solution (what grade-submission copies).
declare -A files
for f in "${marked[@]}"; do
	for l in $(grep -oE "^[[:space:]]*(//|;|#) LAB\([a-z0-9_-]+\) BEGIN" "$out/$f" |
		sed -E 's/.*LAB\(([a-z0-9_-]+)\).*/\1/' | sort -u); do
		if [[ " ${order[*]} " != *" $l "* ]]; then
			echo "handout: $f: LAB($l) markers, but labs/ORDER does not name '$l'" >&2
			exit 1
		fi
		files[$l]+=" $f"
	done
done
for l in "${order[@]}"; do
	[ -n "${files[$l]:-}" ] || { echo "handout: no LAB($l) markers anywhere: lab $l has no solution to strip" >&2; exit 1; }
done
for f in "${marked[@]}"; do
	strip "$out/$f" "$f" > "$out/$f.stripped"
	chmod --reference="$out/$f" "$out/$f.stripped"
	mv "$out/$f.stripped" "$out/$f"
done

# One commit per lab handed out; fixed names and dates make them reproducible.
date=$(git log -1 --format=%cI 2>/dev/null || echo 2026-01-01T00:00:00Z)
export GIT_AUTHOR_NAME=handout GIT_AUTHOR_EMAIL=handout@cokernel.invalid GIT_AUTHOR_DATE="$date"
export GIT_COMMITTER_NAME=handout GIT_COMMITTER_EMAIL=handout@cokernel.invalid GIT_COMMITTER_DATE="$date"
(
	cd "$out"
	git init -q
	git symbolic-ref HEAD "refs/heads/${upto[0]}"
	{
		echo "# The labs handed out in this tree, in order (make handout; docs/labs/INSTRUCTORS.md),"
		echo "# each with the files its work goes in: an instructor's grade-submission copies only these."
	} > labs/HANDOUT
	done_labs=""
	for l in "${upto[@]}"; do
		[ -z "$done_labs" ] || git checkout -q -b "$l"
		echo "$l:${files[$l]}" >> labs/HANDOUT
		done_labs+=" $l"
		git add -A
		git -c core.autocrlf=false commit -q -m "The $l lab's handout (make handout LAB=$l)" \
			-m "Labs handed out:$done_labs. Your work for lab $l goes in:${files[$l]}."
		git tag "handout/$l"
	done
)
echo "handout: $out, branches ${upto[*]} (no lab's solution; lab $lab's work goes in:${files[$lab]}); next:"
echo "  cd $out && make && make grade LAB=$lab    # then read docs/labs/$lab.md"
