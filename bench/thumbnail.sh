#!/usr/bin/env bash
# Thumbnail and big-resize benchmark: uberhost (graphs/thumbnail.json) vs
# libvips' vipsthumbnail / vips resize vs ImageMagick's convert, on the same
# JPEGs (and one PNG), in one run. Prints the best wall time of N runs and the peak RSS
# (/usr/bin/time -f %M) of each, and the ratios uberhost / best peer.
#
#   bench/thumbnail.sh [build-dir] [runs]
#
# build-dir holds bin/uberhost and plugins/ (default: build-thumb, else the
# first build*/ with a binary; use a Release build); runs defaults to 5 (3
# for the 20000x15000 inputs). Inputs are generated once with uberhost
# (procedural noise x checker, jpeg.save quality 85, 4:2:0) into
# $UH_BENCH_DIR (default /tmp/uh-thumbbench) and reused; delete it to
# regenerate. Installs libvips-tools, imagemagick and time with apt-get when
# missing and we are root. Not part of CI; docs/performance.md has results.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
runs=${2:-5}
uh_bench_build jpeg "${1:-}" build-thumb
[[ -x /usr/bin/time ]] || install_pkg time
need vipsthumbnail || install_pkg libvips-tools
[[ -x /usr/bin/convert ]] || install_pkg imagemagick
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }
need vipsthumbnail || { echo "needs vipsthumbnail (package libvips-tools)" >&2; exit 1; }
# ImageMagick's own binary, not a wrapper earlier on PATH.
convert=/usr/bin/convert
[[ -x $convert ]] || convert=$(command -v convert)

work=${UH_BENCH_DIR:-/tmp/uh-thumbbench}
mkdir -p "$work/out" "$work/impolicy"
cd "$work"
# Debian's ImageMagick policy refuses images over 16K pixels a side (and
# caps its memory at 256 MiB); give convert room for the 20000x15000 inputs
# through its own configure path, which takes precedence.
cat >impolicy/policy.xml <<'EOF'
<policymap>
  <policy domain="resource" name="memory" value="8GiB"/>
  <policy domain="resource" name="map" value="8GiB"/>
  <policy domain="resource" name="width" value="64KP"/>
  <policy domain="resource" name="height" value="64KP"/>
  <policy domain="resource" name="area" value="1GP"/>
  <policy domain="resource" name="disk" value="16GiB"/>
</policymap>
EOF
export MAGICK_CONFIGURE_PATH="$work/impolicy"

# The machine, for the record.
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tools: $(vips --version), $("$convert" -version | head -1 | cut -d' ' -f2-4), $("$uh" version | head -1)"

# gen W H FILE [progressive]: a photo-like JPEG (fBm simplex noise through a
# colour map, multiplied by a fine checker for edges), streamed by uberhost.
gen() {
  local w=$1 h=$2 f=$3 prog=${4:-false}
  [[ -s $f ]] && return 0
  echo "making $f (${w}x${h}, progressive $prog)..." >&2
  cat >gen.json <<EOF
{"uberhost": 1,
 "nodes": {
  "n": {"type": "noise", "params": {"width": $w, "height": $h, "kind": "simplex",
        "frequency": $((w / 130)), "fractal": "fbm", "octaves": 4}},
  "col": {"type": "colorize", "params": {"stops": [0, 0.1, 0.2, 0.6, 1, 0.5, 0.9, 0.5, 0.1, 1,
          1, 1, 0.95, 0.8, 1]}, "inputs": {"image": "n"}},
  "c": {"type": "checker", "params": {"width": $w, "height": $h, "channels": 3,
        "frequency": $((w / 40))}},
  "m": {"type": "mix", "params": {"mode": "multiply", "factor": 0.3},
        "inputs": {"a": "col", "b": "c"}},
  "save": {"type": "jpeg.save", "params": {"path": "$f.tmp", "quality": 85,
           "progressive": $prog}, "inputs": {"image": "m"}}}}
EOF
  "$uh" run gen.json
  mv "$f.tmp" "$f"
}
# The progressive 20000x15000 is the baseline one re-encoded (same pixels).
genprog() {
  local src=$1 f=$2
  [[ -s $f ]] && return 0
  echo "making $f (progressive copy of $src)..." >&2
  cat >prog.json <<EOF
{"uberhost": 1, "nodes": {
  "l": {"type": "jpeg.load", "params": {"path": "$src"}},
  "s": {"type": "jpeg.save", "params": {"path": "$f.tmp", "quality": 85, "progressive": true},
        "inputs": {"image": "l"}}}}
EOF
  "$uh" run prog.json
  mv "$f.tmp" "$f"
}
# genpng SRC FILE: the same pixels as a PNG (png.save's defaults: zlib
# level 6, adaptive filters), for the PNG-input thumbnail.
genpng() {
  local src=$1 f=$2
  [[ -s $f ]] && return 0
  echo "making $f (PNG copy of $src)..." >&2
  cat >topng.json <<EOF
{"uberhost": 1, "nodes": {
  "l": {"type": "jpeg.load", "params": {"path": "$src"}},
  "s": {"type": "png.save", "params": {"path": "$f.tmp"}, "inputs": {"image": "l"}}}}
EOF
  "$uh" run topng.json
  mv "$f.tmp" "$f"
}
gen 2000 1500 in-2000x1500.jpg
gen 8000 5000 in-8000x5000.jpg
genpng in-8000x5000.jpg in-8000x5000.png
gen 20000 15000 in-20000x15000.jpg
genprog in-20000x15000.jpg in-20000x15000-prog.jpg

cat >resize.json <<'EOF'
{"uberhost": 1,
 "params": {"input": {"node": "load", "param": "path", "default": "in.jpg"},
            "output": {"node": "save", "param": "path", "default": "out/r.jpg"}},
 "nodes": {
  "load": {"type": "load", "params": {"path": "in.jpg"}},
  "shrink": {"type": "resize", "params": {"scale": 0.1, "kernel": "lanczos3"},
             "inputs": {"image": "load"}},
  "save": {"type": "save", "params": {"path": "out/r.jpg", "quality": 85},
           "inputs": {"image": "shrink"}}}}
EOF

# The measuring: each command `runs` times under /usr/bin/time -f %M; the
# best wall time (perf_counter around the whole child) and the largest peak
# RSS of those runs. Output files go to out/ and are checked to exist.
UH="$uh" GRAPH="$here/graphs/thumbnail.json" CONVERT="$convert" RUNS="$runs" \
python3 - <<'PY'
import os, subprocess, sys, time

uh, graph, convert = os.environ["UH"], os.environ["GRAPH"], os.environ["CONVERT"]
runs = int(os.environ["RUNS"])


def measure(cmd, out, n):
    best, rss = None, 0
    for _ in range(n):
        if os.path.exists(out):
            os.remove(out)
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "rss.txt"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        if p.returncode != 0 or not os.path.exists(out):
            msg = [l for l in p.stderr.decode(errors="replace").splitlines()
                   if l.strip() and not l.startswith("Command exited")]
            return None, None, (msg[0] if msg else "exit %d" % p.returncode)[:90]
        best = dt if best is None else min(best, dt)
        rss = max(rss, int(open("rss.txt").read().split()[-1]))
    return best, rss / 1024.0, None


def thumb_cases(inp, n):
    o = "out/" + inp.rsplit(".", 1)[0]
    cases = [
        ("uberhost", [uh, "run", graph, "--set", "input=" + inp, "--set",
                      "output=%s-uh.jpg" % o], "%s-uh.jpg" % o),
        ("vipsthumbnail", ["vipsthumbnail", inp, "-s", "256", "-o",
                           "%s-vips.jpg[Q=85]" % o], "%s-vips.jpg" % o),
        ("convert -thumbnail", [convert, inp, "-thumbnail", "256x256", "-quality", "85",
                                "%s-im.jpg" % o], "%s-im.jpg" % o),
        ("convert jpeg:size", [convert, "-define", "jpeg:size=512x512", inp, "-thumbnail",
                               "256x256", "-quality", "85", "%s-im2.jpg" % o],
         "%s-im2.jpg" % o),
    ]
    # The shrink-on-load hint means nothing for a PNG.
    return cases if inp.endswith(".jpg") else cases[:3]


def resize_cases(inp):
    o = "out/" + inp.replace(".jpg", "")
    return [
        ("uberhost", [uh, "run", "resize.json", "--set", "input=" + inp, "--set",
                      "output=%s-r-uh.jpg" % o], "%s-r-uh.jpg" % o),
        ("vips resize", ["vips", "resize", inp, "%s-r-vips.jpg[Q=85]" % o, "0.1"],
         "%s-r-vips.jpg" % o),
        ("convert -resize", [convert, inp, "-resize", "10%", "-quality", "85",
                             "%s-r-im.jpg" % o], "%s-r-im.jpg" % o),
    ]


groups = [
    ("thumbnail 256, 2000x1500", thumb_cases("in-2000x1500.jpg", runs), runs),
    ("thumbnail 256, 8000x5000", thumb_cases("in-8000x5000.jpg", runs), runs),
    ("thumbnail 256, 8000x5000 PNG", thumb_cases("in-8000x5000.png", runs), runs),
    ("thumbnail 256, 20000x15000 baseline", thumb_cases("in-20000x15000.jpg", 3), min(runs, 3)),
    ("thumbnail 256, 20000x15000 progressive", thumb_cases("in-20000x15000-prog.jpg", 3),
     min(runs, 3)),
    ("resize 0.1, 20000x15000 baseline", resize_cases("in-20000x15000.jpg"), min(runs, 3)),
]

rows = []
print("| case | tool | best wall (s) | peak RSS (MB) | uberhost / this: time | RSS |")
print("|---|---|---:|---:|---:|---:|")
summary = []
for title, cases, n in groups:
    res = []
    for name, cmd, out in cases:
        t, m, err = measure(cmd, out, n)
        res.append((name, t, m, err))
    uh_t, uh_m = res[0][1], res[0][2]
    for name, t, m, err in res:
        if t is None:
            print("| %s | %s | failed: %s | | | |" % (title, name, err.replace("|", "/")))
            continue
        rt = "%.2f" % (uh_t / t) if uh_t and name != "uberhost" else ""
        rm = "%.2f" % (uh_m / m) if uh_m and name != "uberhost" else ""
        print("| %s | %s | %.3f | %.1f | %s | %s |" % (title, name, t, m, rt, rm))
    sys.stdout.flush()
    peers = [r for r in res[1:] if r[1] is not None]
    if uh_t and peers:
        bt = min(peers, key=lambda r: r[1])
        bm = min(peers, key=lambda r: r[2])
        summary.append("%s: uberhost/best peer time %.2f (best: %s), RSS %.2f (best: %s)"
                       % (title, uh_t / bt[1], bt[0], uh_m / bm[2], bm[0]))
        if title == "thumbnail 256, 8000x5000":
            v = [r for r in res if r[0] == "vipsthumbnail"][0]
            if v[1]:
                summary.append("  target vs vipsthumbnail: time %.2f (<= 1.0: %s), RSS %.2f "
                               "(<= 0.7: %s)" % (uh_t / v[1], "met" if uh_t <= v[1] else "MISSED",
                                                 uh_m / v[2],
                                                 "met" if uh_m <= 0.7 * v[2] else "MISSED"))
        if title.startswith("resize 0.1"):
            summary.append("  target: uberhost peak RSS %.1f MB (<= 64: %s)"
                           % (uh_m, "met" if uh_m <= 64 else "MISSED"))
    elif not uh_t:
        summary.append("%s: uberhost failed: %s" % (title, res[0][3]))
print()
for s in summary:
    print(s)
print("load average after: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
PY
