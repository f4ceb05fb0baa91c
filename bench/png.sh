#!/usr/bin/env bash
# PNG codec benchmark: uberhost (png.load -> png.save) vs libvips (vips copy)
# vs ImageMagick (convert) copying the same 4096x4096 RGBA PNG, in one run.
# Prints the best wall time of N runs, the peak RSS (/usr/bin/time -f %M)
# and the output size of each, and the ratios against uberhost's level 1.
#
#   bench/png.sh [build-dir] [size] [runs]
#
# build-dir holds bin/uberhost and plugins/ (default: the first build*/ with
# a binary; use a Release build); size defaults to 4096, runs to 3. The
# texture is the one bench/mipmap.sh uses (gradients, blurred noise, a
# radial alpha; Paeth-filtered by ImageMagick). Installs libvips-tools,
# imagemagick and time with apt-get when missing and we are root. Not part
# of CI; docs/nodes/png.md has results.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
size=${2:-4096}
runs=${3:-3}
uh_bench_build png "${1:-}"
[[ -x /usr/bin/time ]] || install_pkg time
need vips || install_pkg libvips-tools
[[ -x /usr/bin/convert ]] || install_pkg imagemagick
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }

work=$(mktemp -d /tmp/uh-pngbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "making a ${size}x${size} RGBA texture..."
/usr/bin/convert -size ${size}x${size} gradient:#204080-#e0c040 \
  \( -size ${size}x${size} xc:gray50 -seed 1 +noise Random -blur 0x1 \) \
  -compose overlay -composite \
  \( -size ${size}x${size} radial-gradient:white-black \) \
  -alpha off -compose copy_opacity -composite PNG32:tex.png

for c in 1 2 3 6; do
  cat >c$c.json <<EOF
{"uberhost": 1, "nodes": {
  "l": {"type": "png.load", "params": {"path": "tex.png"}},
  "s": {"type": "png.save", "params": {"path": "uh$c.png", "compression": $c},
        "inputs": {"image": "l"}}}}
EOF
done

UH="$uh" RUNS="$runs" python3 - <<'PY'
import os, subprocess, time

uh, runs = os.environ["UH"], int(os.environ["RUNS"])
cases = [
    ("uberhost compression 1 (ISA-L)", [uh, "run", "c1.json"], "uh1.png"),
    ("uberhost compression 2 (ISA-L)", [uh, "run", "c2.json"], "uh2.png"),
    ("uberhost compression 3 (ISA-L)", [uh, "run", "c3.json"], "uh3.png"),
    ("uberhost compression 6 (zlib, default)", [uh, "run", "c6.json"], "uh6.png"),
    ("vips copy (default, level 6)", ["vips", "copy", "tex.png", "v6.png"], "v6.png"),
    ("vips copy [compression=1]", ["vips", "copy", "tex.png", "v1.png[compression=1]"],
     "v1.png"),
    ("convert (default)", ["/usr/bin/convert", "tex.png", "PNG32:im.png"], "im.png"),
    ("convert -quality 15 (zlib 1, adaptive)", ["/usr/bin/convert", "tex.png", "-quality",
                                                "15", "PNG32:im1.png"], "im1.png"),
]
res = []
for name, cmd, out in cases:
    best, rss = None, 0
    for _ in range(runs):
        if os.path.exists(out):
            os.remove(out)
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "rss.txt"] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        if p.returncode != 0 or not os.path.exists(out):
            raise SystemExit("%s failed: %s" % (name, p.stderr.decode()[-300:]))
        best = dt if best is None else min(best, dt)
        rss = max(rss, int(open("rss.txt").read().split()[-1]))
    res.append((name, best, rss / 1024.0, os.path.getsize(out) / 1e6))
base = res[0]
print("load average: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
print("| copy of tex.png | best wall (s) | peak RSS (MiB) | output (MB) | time / uberhost 1 |")
print("|---|---:|---:|---:|---:|")
for name, t, m, size in res:
    print("| %s | %.2f | %.1f | %.1f | %.1fx |" % (name, t, m, size, t / base[1]))
PY
