#!/usr/bin/env bash
# report-browser.sh MMSIM - `mmsim report`'s page in a real browser
# (headless Chromium; scripts/setup.sh installs Debian's `chromium`):
#  - the DOM Chromium parsed: six charts, each an <svg> with both axes
#    (1-2-5 ticks, gridlines, titles with units), the events marked, a
#    legend, and series paths with data; the nodes that held no page left
#    out by name; the run's machine and options; the CSV links;
#  - the page as laid out, from a page that loads it in a frame and
#    measures it with the browser's own geometry: every series path has
#    length, no label runs past its chart, no two x tick labels overlap,
#    the charts fill the page's width at two window sizes (wider window,
#    wider charts), and the CSV link decodes to the plotted samples.
# Without Chromium the test is skipped (exit 77, CTest's SKIP_RETURN_CODE).
set -euo pipefail
MMSIM=$1
CHROMIUM=${CHROMIUM:-chromium}
if ! command -v "$CHROMIUM" >/dev/null; then
	echo "skip: no $CHROMIUM to render the page (scripts/setup.sh installs Debian's chromium)"
	exit 77
fi
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
count() { { grep -o -- "$1" || true; } <<<"$2" | wc -l; } # pattern text

# The browser, headless: --no-sandbox as root, its own profile so runs in
# parallel do not share one, a timeout as it can hang at start.
browse() { # window-width url...
	local w=$1
	shift
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$d/profile" --allow-file-access-from-files \
		--window-size="$w,1000" --virtual-time-budget=5000 --dump-dom "$@" 2>>"$d/chromium.err" ||
		{ tail -20 "$d/chromium.err"; fail "chromium exited $? on $*"; }
}

# 64 pages written on CPU 0 of eight nodes, then read four times from
# CPU 1 with a NUMA scan every 64 accesses: nodes 0 and 1 hold pages,
# nodes 2 to 7 never do.
{
	for i in $(seq 0 63); do printf ' S %x,8\n' $((0x10000000 + i * 4096)); done
	for r in 1 2 3 4; do
		for i in $(seq 0 63); do printf ' L %x,8\n' $((0x10000000 + i * 4096 + 8)); done
	done
} >"$d/move.trace"
"$MMSIM" report -o "$d/r.html" --nodes 8 --cpus 8 --sample 32 --move-at 64 --numa-scan 64 \
	"$d/move.trace" >/dev/null || fail "report"

# ---- the document Chromium built from the page ----
browse 1200 "file://$d/r.html" >"$d/dom.html"
grep -q '<h1>mmsim report</h1>' "$d/dom.html" || { head -c 2000 "$d/dom.html"; fail "no page in the DOM"; }
# One record per chart: what follows each <svg, up to its </svg>.
awk 'BEGIN { RS = "<svg" } NR > 1 { sub(/<\/svg>.*/, ""); gsub(/\n/, " "); print }' \
	"$d/dom.html" >"$d/charts"
[ "$(wc -l <"$d/charts")" = 6 ] || fail "$(wc -l <"$d/charts") charts, want 6"
n=0
while IFS= read -r c; do
	n=$((n + 1))
	id=$(sed -n 's/^ class="chart" id="\([a-z]*\)-svg".*/\1/p' <<<"$c")
	[ -n "$id" ] || fail "chart $n: no class=\"chart\" id"
	for want in 'class="axis x"' 'class="axis y"' 'class="legend"' 'class="events"' \
		'accesses replayed</text>' 'viewBox="0 0 ' 'width="100%"'; do
		grep -qF "$want" <<<"$c" || fail "chart $id: no $want"
	done
	ticks=$(count '<g class="tick">' "$c")
	grid=$(count '<line class="grid"' "$c")
	[ "$ticks" -ge 6 ] && [ "$grid" = "$ticks" ] || fail "chart $id: $ticks ticks, $grid gridlines"
	# Tick labels step by 1, 2 or 5 times a power of ten from 0.
	{ grep -o 'text-anchor="end">[0-9.]*</text>' || true; } <<<"$c" | sed 's/.*">\(.*\)<.*/\1/' >"$d/yt"
	awk 'NR == 1 && $1 != 0 { exit 1 } NR == 2 { s = $1 }
	     NR > 1 { if ($1 - p - s > 1e-9 || p + s - $1 > 1e-9) exit 1 } { p = $1 }
	     END { m = s; while (m >= 10) m /= 10; while (m < 1) m *= 10
		   if (m != 1 && m != 2 && m != 5) exit 1 }' "$d/yt" ||
		fail "chart $id: y ticks $(tr '\n' ' ' <"$d/yt")"
	ytitle=$({ grep -o 'rotate(-90)" text-anchor="middle">[^<]*' || true; } <<<"$c" | sed 's/.*>//')
	case $id in
	pages) unit='resident pages (4 KiB)' ;;
	time) unit='ms simulated' ;;
	*) unit='' ;;
	esac
	[ -n "$ytitle" ] && [[ $ytitle == "$unit"* ]] || fail "chart $id: y axis title '$ytitle'"
	grep -o '<path [^>]*>' <<<"$c" >"$d/paths" || fail "chart $id: no series path"
	while IFS= read -r p; do
		dd=$({ grep -o ' d="M[0-9.]*,[0-9.]*[0-9.,L]*"' || true; } <<<"$p")
		pts=$(count 'L[0-9.]*,[0-9.]*' "$dd")
		[ "$pts" -ge 10 ] || fail "chart $id: a path of $pts segments: $p"
	done <"$d/paths"
	grep -q '<line class="move" ' <<<"$c" && grep -q 'CPU 0 → 1</text>' <<<"$c" ||
		fail "chart $id: the move is not marked"
	[ "$(count '<line class="scan" ' "$c")" = 5 ] ||
		fail "chart $id: want 4 NUMA scans marked (and the legend's)"
done <"$d/charts"
# Eight nodes, two of them used: their series alone, the others named.
pages=$(sed -n 1p "$d/charts")
[ "$(grep -o '<path data-name="node [0-9]"' <<<"$pages" | tr '\n' ' ')" = \
	'<path data-name="node 0" <path data-name="node 1" ' ] || fail "pages: not nodes 0 and 1 alone"
grep -q '>node 1 (60)</text>' <<<"$pages" || fail "pages: legend of node 1"
grep -q 'Zero throughout, not drawn: node 2, node 3, node 4, node 5, node 6, node 7.' "$d/dom.html" ||
	fail "pages: the empty nodes are not named"
grep -q '8 nodes, 8 CPUs' "$d/dom.html" && grep -q 'moves to CPU 1 after 64 accesses' "$d/dom.html" &&
	grep -q 'every 64 accesses (4 run)' "$d/dom.html" && grep -q '<code>mmsim report -o ' "$d/dom.html" ||
	fail "the run's machine and options are not on the page"
grep -q '<a download="r.csv" href="data:text/csv' "$d/dom.html" || fail "no CSV link"

# ---- the page as laid out: measured by a page that loads it ----
cat >"$d/measure.html" <<'EOF'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>body{margin:0}iframe{border:0;width:100%;height:9000px}</style></head>
<body><iframe id="f" src="r.html"></iframe>
<script>
window.addEventListener('load', function () {
	var out = [];
	try {
		var doc = document.getElementById('f').contentDocument;
		var body = doc.querySelector('body');
		var charts = doc.querySelectorAll('svg.chart');
		out.push('charts ' + charts.length + ' content ' + Math.round(body.clientWidth -
			parseFloat(getComputedStyle(body).paddingLeft) -
			parseFloat(getComputedStyle(body).paddingRight)));
		charts.forEach(function (svg) {
			var vb = svg.viewBox.baseVal, drawn = 0, clipped = 0, overlap = 0, prev = null;
			svg.querySelectorAll('g.series path').forEach(function (p) {
				var b = p.getBBox();
				if (p.getTotalLength() > 0 && (b.width > 0 || b.height > 0))
					drawn++;
			});
			svg.querySelectorAll('text').forEach(function (t) {
				var b = t.getBBox();
				/* rotated: its box is before the rotation */
				if (t.getAttribute('transform'))
					return;
				if (b.x < 0 || b.y < 0 || b.x + b.width > vb.width || b.y + b.height > vb.height)
					clipped++;
			});
			svg.querySelectorAll('g.axis.x g.tick text').forEach(function (t) {
				var b = t.getBBox();
				if (prev && prev.x + prev.width > b.x)
					overlap++;
				prev = b;
			});
			out.push('chart ' + svg.id + ' width ' + Math.round(svg.getBoundingClientRect().width) +
				 ' paths ' + svg.querySelectorAll('g.series path').length + ' drawn ' + drawn +
				 ' clipped ' + clipped + ' overlap ' + overlap);
		});
		var a = doc.querySelector('a[download="r.csv"]');
		var csv = decodeURIComponent(a.href.slice(a.href.indexOf(',') + 1)).trim().split('\n');
		out.push('csv rows ' + csv.length + ' cols ' + csv[0].split(',').length + ' last ' +
			 csv[csv.length - 1].split(',')[0] + ' head ' + csv[0].split(',').slice(0, 3).join('+'));
	} catch (e) {
		out.push('error ' + e);
	}
	var pre = document.createElement('pre');
	pre.id = 'result';
	pre.textContent = out.join('\n');
	document.body.appendChild(pre);
});
</script></body></html>
EOF
prev=0
for w in 700 1400; do
	browse "$w" "file://$d/measure.html" >"$d/m$w.html"
	sed -n '/<pre id="result">/,/<\/pre>/p' "$d/m$w.html" | sed 's/<[^>]*>//g' >"$d/m$w"
	echo "# window $w px:"; sed 's/^/#   /' "$d/m$w"
	! grep -q '^error' "$d/m$w" || fail "measuring at $w px: $(grep '^error' "$d/m$w")"
	read -r _ nc _ content < <(grep '^charts' "$d/m$w") || fail "measuring at $w px: no result"
	[ "$nc" = 6 ] || fail "$w px: $nc charts laid out"
	while read -r _ id _ width _ paths _ drawn _ clipped _ overlap; do
		[ "$paths" -ge 1 ] && [ "$drawn" = "$paths" ] || fail "$w px: $id: $drawn of $paths paths drawn"
		[ "$clipped" = 0 ] || fail "$w px: $id: $clipped labels past the chart's edge"
		[ "$overlap" = 0 ] || fail "$w px: $id: $overlap x tick labels overlap"
		# The chart fills the column, whatever the window.
		[ $((width - content)) -le 1 ] && [ $((content - width)) -le 1 ] ||
			fail "$w px: $id is $width px wide in a $content px column"
		[ "$width" -gt "$prev" ] || fail "$w px: $id is $width px, not wider than at the smaller window"
	done < <(grep '^chart ' "$d/m$w")
	prev=$(grep -m1 '^chart ' "$d/m$w" | awk '{ print $4 }')
	grep -q '^csv rows 12 cols 20 last 320 head accesses+node0_pages+node1_pages$' "$d/m$w" ||
		fail "$w px: the CSV link: $(grep '^csv' "$d/m$w")"
done
echo "ok: 6 charts rendered by $("$CHROMIUM" --version 2>/dev/null | head -1)"
