#!/usr/bin/env bash
# The course machinery's own tests (make check-labs, run by make check; no
# QEMU, a few seconds): the handout sequence made from this tree (no lab's
# solution in it, one commit per lab of labs/ORDER, reproducible, a student's
# work merges with the next lab, a lab not handed out refused), the grading a
# student cannot bypass (on a small tree of two made-up labs: an edited and
# committed test grades 0, grade-submission grades against pristine tests),
# and the graders' reports (lab_report, lab_run_timeouts). One line per check,
# then "N passed, N failed"; the exit status is 0 only when all passed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# check "what" "expected" "got"
# (a grader's time, ", N s)", is left out of the comparison)
check() {
	set -- "$1" "$(sed -E 's/, [0-9]+ s\)/, N s)/g' <<< "$2")" "$(sed -E 's/, [0-9]+ s\)/, N s)/g' <<< "$3")"
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected '$2', got '$3'"; fi; }
gitq() { git -c user.name=student -c user.email=student@example.invalid "$@"; }
cd "$root"
if [ -f labs/HANDOUT ]; then
	echo "check-labs: a handout tree holds no solutions to make handouts from: nothing to test"
	echo "0 passed, 0 failed"
	exit 0
fi

# ---- the handout sequence, from this tree ----
mapfile -t order < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' labs/ORDER | grep -v '^$')
last="${order[-1]}" prev="${order[-2]}"
for d in labs/*/grade.sh; do
	l="${d#labs/}" l="${l%/grade.sh}"
	[[ " ${order[*]} " == *" $l "* ]] || bad "labs/ORDER names every lab with a grader: $l is missing"
done
scripts/handout.sh "$last" "$tmp/all" > "$tmp/all.out" 2>&1 || { bad "handout.sh $last: $(tail -n 3 "$tmp/all.out")"; }
H="$tmp/all"
check "the class repository's HEAD is branch $last" "$last" "$(git -C "$H" symbolic-ref --short HEAD 2>&1)"
parent="" diffs=""
for l in "${order[@]}"; do
	c=$(git -C "$H" rev-parse -q --verify "refs/tags/handout/$l^{commit}") || { bad "tag handout/$l exists"; continue; }
	[ "$(git -C "$H" rev-parse "refs/heads/$l")" = "$c" ] || bad "branch $l is at tag handout/$l"
	got=$(git -C "$H" rev-parse -q --verify "$c^" || echo none)
	[ "$got" = "${parent:-none}" ] || bad "handout/$l's parent is the lab before's commit"
	[ -n "$parent" ] && diffs+=$(git -C "$H" diff --name-only "$parent" "$c")" "
	grep -q "^$l:" <(git -C "$H" show "$c:labs/HANDOUT") || bad "handout/$l's labs/HANDOUT lists $l"
	parent=$c
done
check "one commit per lab of labs/ORDER, each on the one before" "${#order[@]}" "$(git -C "$H" rev-list --count HEAD)"
check "consecutive handout commits differ only in labs/HANDOUT" "" "$(tr ' ' '\n' <<< "$diffs" | grep -v '^labs/HANDOUT$' | grep -v '^$' | sort -u | tr '\n' ' ')"
check "no LAB() marker is left in the handout" "" \
	"$(cd "$H" && grep -rlIE '^[[:space:]]*(//|;|#) LAB\([a-z0-9_-]+\) (BEGIN|STARTER|END)' --exclude-dir=.git . | tr '\n' ' ')"

# No solution line: every line of a solution block that appears once in its
# solved file, and is no starter line uncommented, is gone from the handout.
leaks=""
while IFS= read -r f; do
	leak=$(awk -v out="$H/$f" '
		FNR == 1 { file++ }
		file == 1 {
			count[$0]++
			if ($0 ~ /^[ \t]*(\/\/|;|#) LAB\([a-z0-9_-]+\) BEGIN/) { state = "sol"; next }
			if ($0 ~ /^[ \t]*(\/\/|;|#) LAB\([a-z0-9_-]+\) STARTER/) { state = "starter"; next }
			if ($0 ~ /^[ \t]*(\/\/|;|#) LAB\([a-z0-9_-]+\) END/) { state = ""; next }
			if (state == "sol" && $0 ~ /[A-Za-z0-9]/) sol[$0] = 1
			if (state == "starter") { s = $0; sub(/(\/\/|;|#) ?/, "", s); starter[s] = 1 }
			next
		}
		($0 in sol) && count[$0] == 1 && !($0 in starter) { print FILENAME ": " $0; exit }
		' "$f" "$H/$f")
	[ -n "$leak" ] && leaks+="$leak; "
done < <(grep -rlIE '^[[:space:]]*(//|;|#) LAB\([a-z0-9_-]+\) BEGIN' --exclude-dir=build --exclude-dir=.git . | sed 's|^\./||')
check "no line of any lab's solution is in the handout" "" "$leaks"

scripts/handout.sh "$prev" "$tmp/prev" > /dev/null 2>&1
check "handouts are reproducible: handout/$prev is the same commit in both" \
	"$(git -C "$H" rev-parse handout/$prev)" "$(git -C "$tmp/prev" rev-parse handout/$prev 2>&1)"

# A student clones the class repository when lab $prev is out, solves it on
# its branch; the instructor pushes lab $last there; the student pulls it.
git clone -q --bare "$tmp/prev" "$tmp/class.git" 2> /dev/null
gitq clone -q "$tmp/class.git" "$tmp/student" 2> /dev/null
sf=$(sed -n "s/^$prev: \([^ ]*\).*/\1/p" "$tmp/student/labs/HANDOUT")
echo "/* the student's own work */" >> "$tmp/student/$sf"
(cd "$tmp/student" && gitq commit -qam "my $prev lab")
out=$(cd "$tmp/student" && labs/$last/grade.sh 2>&1)
check "lab $last's grader, before lab $last is handed out: refused with 0 points and a failure" \
	"0/0 points (lab $last: not handed out)|0 passed, 1 failed|1" \
	"$(grep -E '^0/0 points' <<< "$out")|$(tail -n 1 <<< "$out")|$(cd "$tmp/student" && labs/$last/grade.sh > /dev/null 2>&1; echo $?)"
git -C "$H" push -q "$tmp/class.git" "$last" "handout/$last" 2> /dev/null
(cd "$tmp/student" && git fetch -q origin && gitq merge -q --no-edit "origin/$last" > "$tmp/pull.out" 2>&1)
check "git fetch and merge of lab $last onto the solved lab $prev: no conflict, the student's work kept, $last handed out" \
	"0|1|1" "$(git -C "$tmp/student" diff --name-only --diff-filter=U | wc -l)|$(grep -c "the student's own work" "$tmp/student/$sf")|$(grep -c "^$last:" "$tmp/student/labs/HANDOUT")"
check "after the pull, tag handout/$last is there to check the tests against" \
	"$(git -C "$H" rev-parse handout/$last)" "$(git -C "$tmp/student" rev-parse -q --verify handout/$last)"

# ---- grading a student cannot bypass: a tree of two made-up labs ----
T="$tmp/course"
mkdir -p "$T/labs/alpha" "$T/labs/beta" "$T/scripts"
cp labs/lib.sh "$T/labs/" && cp scripts/handout.sh scripts/grade-submission.sh "$T/scripts/"
printf '# the order\nalpha\nbeta\n' > "$T/labs/ORDER"
for l in alpha beta; do
	echo 42 > "$T/labs/$l/expect.txt"
	printf '# LAB(%s) BEGIN\n42\n# LAB(%s) STARTER\n# 0\n# LAB(%s) END\n' $l $l $l > "$T/labs/$l/answer.txt"
	cat > "$T/labs/$l/grade.sh" <<-EOG
	#!/usr/bin/env bash
	source "\$(dirname "\$0")/../lib.sh"
	lab_begin $l
	lab_protect labs/$l/expect.txt
	lab_check 3 "the answer is the expected one" grep -qxf labs/$l/expect.txt labs/$l/answer.txt
	lab_check 2 "the answer is one line" test "\$(grep -vc '^#' labs/$l/answer.txt)" = 1
	lab_end
	EOG
	chmod +x "$T/labs/$l/grade.sh"
done
printf 'grade-prep:\n\t@true\ngrade:\n\t@labs/$(LAB)/grade.sh\n' > "$T/Makefile"
printf 'build/\n' > "$T/.gitignore"
(cd "$T" && git init -q && git add -A && gitq commit -qm course)
last_line() { tail -n "${2:-1}" <<< "$1" | head -n 1; }
out=$(cd "$T" && labs/alpha/grade.sh)
check "the made-up lab's grader passes in its solved tree" "5/5 points" "$(grep -oE '^[0-9]+/[0-9]+ points' <<< "$out")"
(cd "$T" && scripts/handout.sh beta build/handout/beta > /dev/null)
gitq clone -q "$T/build/handout/beta" "$tmp/s1" 2> /dev/null
out=$(cd "$tmp/s1" && labs/alpha/grade.sh)
check "the handout as given: the checks fail, the integrity check passes" \
	"2/5 points|2 passed, 1 failed" "$(grep -oE '^[0-9]+/[0-9]+ points' <<< "$out")|$(last_line "$out")"
echo 0 > "$tmp/s1/labs/alpha/expect.txt"
(cd "$tmp/s1" && gitq commit -qam "make the test agree with me")
out=$(cd "$tmp/s1" && labs/alpha/grade.sh)
check "an edited and committed test: 0 points, the score line says the integrity check failed" \
	"0/5 points (lab alpha, 0 s): integrity check failed, no points (changed since the handout: labs/alpha/expect.txt; the checks gave 5)" \
	"$(grep -E '^[0-9]+/[0-9]+ points' <<< "$out")"
check "an edited and committed test: the grader fails (the integrity check counts as failed)" "2 passed, 1 failed" "$(last_line "$out")"
(cd "$tmp/s1" && gitq tag -d handout/alpha > /dev/null)
out=$(cd "$tmp/s1" && labs/alpha/grade.sh)
check "the handout's tag deleted: no points either" "0/5" "$(grep -oE '^[0-9]+/[0-9]+' <<< "$out")"
sed -i 's/^0$/42/' "$tmp/s1/labs/alpha/answer.txt"
gitq clone -q "$T/build/handout/beta" "$tmp/s2" 2> /dev/null
sed -i 's/^0$/42/' "$tmp/s2/labs/alpha/answer.txt"
(cd "$tmp/s2" && gitq commit -qam "solved")
echo "/* not committed */" >> "$tmp/s2/labs/alpha/answer.txt"
out=$(cd "$T" && GRADE_SUBMISSION_DIR="$tmp/graded" scripts/grade-submission.sh alpha "$tmp/s1" "$tmp/s2" "$tmp/s1@HEAD~1")
check "grade-submission: the tampered tree is graded on the pristine test (its committed answer 0 fails)" \
	"grade-submission: s1: 2/5 points (lab alpha, 0 s); 2 passed, 1 failed" "$(grep '^grade-submission: s1:' <<< "$out" | sed 's/ (\/.*//' | head -n 1)"
check "grade-submission: a solved tree gets full marks from its committed files (not the uncommitted line)" \
	"grade-submission: s2: 5/5 points (lab alpha, 0 s); 3 passed, 0 failed" "$(grep '^grade-submission: s2:' <<< "$out" | sed 's/ (\/.*//')"
check "grade-submission: grades.tsv has a row per submission" "4" "$(wc -l < "$tmp/graded/grades.tsv")"
cp -r "$tmp/s2" "$tmp/s3" && rm -rf "$tmp/s3/.git" && sed -i '/not committed/d' "$tmp/s3/labs/alpha/answer.txt"
sed -i 's/^42$/41/' "$tmp/s3/labs/alpha/expect.txt"
out=$(cd "$T" && GRADE_SUBMISSION_DIR="$tmp/graded" scripts/grade-submission.sh alpha "$tmp/s3")
check "grade-submission: a plain directory, its test edited: graded on the pristine test, full marks for 42" \
	"grade-submission: s3: 5/5 points (lab alpha, 0 s); 3 passed, 0 failed" "$(grep '^grade-submission: s3:' <<< "$out" | sed 's/ (\/.*//')"

# ---- the graders' reports ----
out=$(cd "$root" && bash -c 'source labs/lib.sh; lab_run_timeouts 40 "guest=a -- guest=b timeout=9 -- guest=c"')
check "lab_run_timeouts: half QEMU's limit shared among the runs, a run's own timeout= kept" \
	"guest=a timeout=6 -- guest=b timeout=9 -- guest=c timeout=6" "$out"
cat > "$tmp/crash.log" <<'EOL'
monitor: cokernel ABI v6 on the bare-metal (multiboot2) host; command line 'guest=a'
monitor: guest exited with code 0
monitor: 20 world switches; hypercalls: yield 1
monitor: cokernel ABI v6 on the bare-metal (multiboot2) host; command line 'guest=b'
monitor: guest crashed (exception before it registered any handler): vector 6 (#UD invalid opcode) error code 0x0
monitor:   rip ffffffff80009e34  cs 00f1  rflags 0000000000000282
monitor:   rsp ffff80000009cfb0  ss 00f9  cr2    0000000000000000
monitor:   rip is thread_create+0x4 in the guest's image
monitor: 21 world switches; hypercalls: yield 0
monitor: shadow page tables: 9 hidden fills
EOL
out=$(cd "$root" && LAB_LOG="$tmp/crash.log" bash -c 'source labs/lib.sh; LAB_LOG='"$tmp/crash.log"'; lab_report 100')
check "lab_report on a crash: the crashed run's outcome, rip, function and counters, not the good run's" \
	"       | monitor: guest crashed (exception before it registered any handler): vector 6 (#UD invalid opcode) error code 0x0|       | monitor:   rip ffffffff80009e34  cs 00f1  rflags 0000000000000282|       | monitor:   rip is thread_create+0x4 in the guest's image|       | monitor: 21 world switches; hypercalls: yield 0|       | monitor: shadow page tables: 9 hidden fills" \
	"$(tr '\n' '|' <<< "$out" | sed 's/|$//')"
printf 'monitor: cokernel ABI v6\nthreads: spinning\n' > "$tmp/hang.log"
out=$(cd "$root" && bash -c 'source labs/lib.sh; LAB_LOG='"$tmp/hang.log"'; lab_report timeout')
check "lab_report on QEMU's timeout: says so, and the log's last lines" "2|1" \
	"$(grep -c 'QEMU stopped before the monitor reported\|threads: spinning' <<< "$out")|$(grep -c 'spinning' <<< "$out")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
