#!/usr/bin/env bash
# Sets up, builds, and runs mmsim: the tour, or the scenario given, each
# command of the file shown with the result it printed under it.
#   scripts/run.sh                 the tour, docs/tour.mms (what `mmsim run` runs without a file)
#   scripts/run.sh FILE.mms        a scenario
#   scripts/run.sh --raw [FILE]    mmsim's own output only
set -euo pipefail
cd "$(dirname "$0")/.."
raw=
if [[ ${1:-} == --raw ]]; then
	raw=1
	shift
fi
file=${1:-docs/tour.mms}
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build mmsim-cli >/dev/null
[[ -z $raw ]] || exec build/mmsim run "$file"
[[ -r $file ]] || { echo "run.sh: cannot read $file" >&2; exit 2; }
# The results first (a usage error stops here, with mmsim's message and
# status), then the file line by line, each result under its command.
out=$(build/mmsim run "$file")
echo "$file:"
awk -v out="$out" '
BEGIN {
	n = split(out, lines, "\n")
	for (i = 1; i <= n; i++) {
		k = index(lines[i], ": ")
		if (k)
			res[substr(lines[i], 1, k - 1)] = substr(lines[i], k + 2)
	}
}
{
	printf "%4d  %s\n", NR, $0
	if (NR in res) {
		r = res[NR]
		# stats is one long line of key=value: a few per row.
		if (r ~ /^stats = /) {
			m = split(substr(r, 9), kv, " ")
			printf "   -> stats =\n"
			for (j = 1; j <= m; j += 6) {
				row = ""
				for (q = j; q < j + 6 && q <= m; q++)
					row = row " " kv[q]
				printf "        %s\n", row
			}
		} else {
			printf "   -> %s\n", r
		}
	}
}' "$file"
