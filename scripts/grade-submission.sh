#!/usr/bin/env bash
# The instructor's grader (docs/labs/INSTRUCTORS.md): grades students' trees
# against pristine tests, whatever each student committed. A fresh handout of
# the lab from this tree (scripts/handout.sh), built once; for each submission
# a copy of it into which only the student's files are copied, the ones its
# labs/HANDOUT names for every lab up to this one; then `make grade` there.
# Tests, graders and scripts a student changed never travel. Each submission
# gets one line, and build/submissions/<lab>/grades.tsv one row: name, points,
# max, checks passed, failed, and the score line (the logs beside it).
#   SUBMISSION: a git repository (its committed HEAD, or REV with dir@REV) or a
#   plain directory (its files as they lie).
# usage: grade-submission.sh LAB SUBMISSION...
set -uo pipefail
cd "$(dirname "$0")/.."
lab="${1:?usage: grade-submission.sh LAB SUBMISSION...}"
shift
[ $# -gt 0 ] || { echo "usage: grade-submission.sh LAB SUBMISSION... (a student's tree or git repository)" >&2; exit 2; }
base="${GRADE_SUBMISSION_DIR:-build/submissions/$lab}"
pristine="$base/.pristine"
mkdir -p "$base"

# The handout, and what the lab's hosts need built in it (make grade-prep).
scripts/handout.sh "$lab" "$pristine" > "$base/handout.log" 2>&1 ||
	{ echo "grade-submission: the handout failed:"; tail -n 5 "$base/handout.log"; exit 2; }
make --no-print-directory -C "$pristine" grade-prep LAB="$lab" > "$base/prep.log" 2>&1 ||
	{ echo "grade-submission: the handout does not build:"; tail -n 10 "$base/prep.log"; exit 2; }

# The student's files: every lab's up to this one, as the fresh handout names them.
mapfile -t student_files < <(awk -v lab="$lab" '
	/^#/ { next }
	{ name = $1; sub(/:$/, "", name); for (i = 2; i <= NF; i++) if (!seen[$i]++) print $i }
	name == lab { exit }' "$pristine/labs/HANDOUT" | sort -u)

printf '%s\t%s\t%s\t%s\t%s\t%s\n' name points max passed failed score > "$base/grades.tsv"
status=0
for sub in "$@"; do
	src="${sub%@*}" rev=HEAD
	name=$(basename "$(cd "$src" 2>/dev/null && pwd || echo "$src")")
	[[ "$sub" == *@* ]] && rev="${sub##*@}" && name+="@$(tr -c 'A-Za-z0-9._^~-' _ <<< "$rev" | sed 's/_$//')"
	dir="$base/$name"
	rm -rf "$dir"
	cp -a "$pristine" "$dir"
	note=""
	for f in "${student_files[@]}"; do
		if git -C "$src" rev-parse -q --verify "$rev^{commit}" > /dev/null 2>&1 &&
			[ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$src" && pwd -P)" ]; then
			git -C "$src" show "$rev:$f" > "$dir/$f" 2>/dev/null ||
				{ git -C "$dir" checkout -q -- "$f"; note+=" $f(missing: the handout's kept)"; }
		elif [ -f "$src/$f" ]; then
			cp "$src/$f" "$dir/$f"
		else
			note+=" $f(missing: the handout's kept)"
		fi
	done
	make --no-print-directory -C "$dir" grade LAB="$lab" > "$base/$name.log" 2>&1
	score=$(grep -aE '^[0-9]+/[0-9]+ points' "$base/$name.log" | tail -n 1)
	counts=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$base/$name.log" | tail -n 1)
	[[ "$counts" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] || { counts="0 passed, 1 failed"; score="0/0 points (the tree did not build or grade: $base/$name.log)"; }
	read -r passed _ failed _ <<< "$counts"
	points="${score%%/*}" max="${score#*/}" max="${max%% *}"
	[ "$failed" = 0 ] || status=1
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$points" "$max" "$passed" "$failed" "$score" >> "$base/grades.tsv"
	echo "grade-submission: $name: $score; $counts${note:+; $note} ($base/$name.log)"
done
echo "grade-submission: $# submission(s) of lab $lab graded: $base/grades.tsv"
exit $status
