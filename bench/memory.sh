#!/bin/sh
# Memory coming back: runs several graphs one after another in ONE uberhost
# process (`uberhost run a.json b.json ... --repeat N --stats=json`) and
# prints the process RSS after every run beside the idle baseline (RSS before
# the first run), the run's own peak, and the process's peak RSS so far.
# Then the same work with libvips (apt-get installs libvips-tools when vips
# is missing and we are root): in one process through pyvips when it is
# importable, else one `vips` process per operation (peak RSS of each), which
# shows the per-operation cost but not what a long-running process keeps.
#
# Usage: bench/memory.sh [BUILD_DIR] [REPEAT]
#   BUILD_DIR  default: build (needs bin/uberhost and plugins/)
#   REPEAT     runs of each graph, default 5
# Environment: SIZE (default 4000: the source images are SIZE x SIZE*3/4),
#   KEEP=1 keeps the work directory.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
repeat=${2:-5}
size=${SIZE:-4000}
case $build in /*) ;; *) build=$here/$build ;; esac
bin=$build/bin/uberhost
[ -x "$bin" ] || { echo "memory.sh: no $bin (build first)" >&2; exit 1; }
export UBERHOST_PLUGIN_PATH=$build/plugins
command -v python3 >/dev/null || { echo "memory.sh: needs python3" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/uh-membench.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
cd "$work"
h=$((size * 3 / 4))

# Inputs: a SIZE x H noise PNG and a JPEG of it.
cat > make.json <<EOF
{"uberhost":1,"nodes":{
 "n":{"type":"noise","params":{"width":$size,"height":$h,"channels":3,"octaves":2}},
 "p":{"type":"png.save","params":{"path":"in.png","compression":1},"inputs":{"image":"n"}},
 "j":{"type":"jpeg.save","params":{"path":"in.jpg","quality":90},"inputs":{"image":"n"}}}}
EOF
"$bin" run make.json

# The graphs: a JPEG thumbnail, a PNG resize, a whole-image rotate and a mip
# chain.
cat > thumb.json <<'EOF'
{"uberhost":1,"nodes":{
 "l":{"type":"jpeg.load","params":{"path":"in.jpg"}},
 "t":{"type":"thumbnail","params":{"width":256},"inputs":{"image":"l"}},
 "s":{"type":"jpeg.save","params":{"path":"out/thumb.jpg"},"inputs":{"image":"t"}}}}
EOF
cat > resize.json <<'EOF'
{"uberhost":1,"nodes":{
 "l":{"type":"png.load","params":{"path":"in.png"}},
 "r":{"type":"resize","params":{"scale":0.5},"inputs":{"image":"l"}},
 "s":{"type":"png.save","params":{"path":"out/half.png","compression":1},"inputs":{"image":"r"}}}}
EOF
cat > rotate.json <<'EOF'
{"uberhost":1,"nodes":{
 "l":{"type":"jpeg.load","params":{"path":"in.jpg"}},
 "r":{"type":"rotate","params":{"angle":90},"inputs":{"image":"l"}},
 "s":{"type":"jpeg.save","params":{"path":"out/rot.jpg"},"inputs":{"image":"r"}}}}
EOF
cat > mip.json <<'EOF'
{"uberhost":1,"nodes":{
 "l":{"type":"png.load","params":{"path":"in.png"}},
 "m":{"type":"mipmap","inputs":{"image":"l"}},
 "s":{"type":"mip.save_png","params":{"dir":"out/mip","compression":1},"inputs":{"levels":"m"}}}}
EOF
graphs="thumb.json resize.json rotate.json mip.json"

echo "uberhost: $graphs, $repeat times each, in one process (${size}x$h inputs)"
"$bin" run $graphs --repeat "$repeat" --stats=json --threads 2 > stats.jsonl
python3 - stats.jsonl <<'EOF'
import json, sys
mib = lambda b: b / 1048576.0
print("%-12s %4s %5s %11s %11s %11s %11s" % ("graph", "run", "exit", "run peak", "RSS after",
                                            "idle", "RSS peak"))
worst = 0
for line in open(sys.argv[1]):
    s = json.loads(line)
    above = s["rss"] - s["rss_idle"]
    worst = max(worst, above)
    print("%-12s %4d %5d %8.1f MiB %8.1f MiB %8.1f MiB %8.1f MiB" % (
        s["graph"], s["run"], s["exit"], mib(s["peak"]), mib(s["rss"]), mib(s["rss_idle"]),
        mib(s["rss_peak"])))
print("most RSS above idle after a run: %.2f MiB" % mib(worst))
EOF

if ! command -v vips >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get install -y -q libvips-tools >/dev/null 2>&1 || true
    fi
fi
if command -v vips >/dev/null 2>&1; then
    if python3 -c 'import pyvips' 2>/dev/null; then
        echo
        echo "libvips (pyvips), the same four operations, $repeat times each, in one process:"
        python3 - "$repeat" <<'EOF'
import os, resource, sys
import pyvips
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
mib = lambda b: b / 1048576.0
os.makedirs("out/vmip", exist_ok=True)
idle = rss()
ops = {
    "thumb": lambda: pyvips.Image.thumbnail("in.jpg", 256).write_to_file("out/vthumb.jpg"),
    "resize": lambda: pyvips.Image.new_from_file("in.png", access="sequential")
        .resize(0.5).write_to_file("out/vhalf.png", compression=1),
    "rotate": lambda: pyvips.Image.new_from_file("in.jpg").rot90().write_to_file("out/vrot.jpg"),
    "mip": lambda: [pyvips.Image.new_from_file("in.png").shrink(1 << i, 1 << i)
                    .write_to_file("out/vmip/level_%d.png" % i, compression=1) for i in range(8)],
}
print("%-12s %4s %11s %11s %11s" % ("op", "run", "RSS after", "idle", "RSS peak"))
for name, op in ops.items():
    for i in range(int(sys.argv[1])):
        op()
        print("%-12s %4d %8.1f MiB %8.1f MiB %8.1f MiB" % (name, i + 1, mib(rss()), mib(idle),
              mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
EOF
    else
        echo
        echo "libvips: pyvips is not installed, so vips cannot run the loop in one process;"
        echo "each vips command below is its own process (peak RSS of each):"
        for cmd in "thumbnail in.jpg out/vthumb.jpg 256" \
                   "resize in.png out/vhalf.png 0.5" \
                   "rot in.jpg out/vrot.jpg d90"; do
            # shellcheck disable=SC2086
            /usr/bin/time -f "  vips $cmd: %M KiB peak RSS, %e s" vips $cmd 2>&1 |
                tail -1 || true
        done
    fi
else
    echo "libvips: vips not found (apt-get install libvips-tools), comparison skipped"
fi
