#!/usr/bin/env bash
# Mip-chain benchmark: uberhost vs OpenImageIO's maketx vs ImageMagick
# (level by level) on the same 4096x4096 RGBA texture, in one run. Prints
# wall time and peak RSS (from /usr/bin/time -v) of each, and the ratios.
#
#   bench/mipmap.sh [build-dir] [size]
#
# build-dir holds bin/uberhost and plugins/ (default: the first build*/ with
# a binary); size defaults to 4096. Installs openimageio-tools and time
# with apt-get when they are missing and we are root. Not part of CI.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
size=${2:-4096}
uh_bench_build mipmap "${1:-}"
[[ -x /usr/bin/time ]] || install_pkg time
need maketx || install_pkg openimageio-tools
need convert || install_pkg imagemagick
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }

work=$(mktemp -d /tmp/uh-mipbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# The texture: noise over gradients with a varying alpha, 8-bit sRGB RGBA.
echo "making a ${size}x${size} RGBA texture..."
convert -size ${size}x${size} gradient:#204080-#e0c040 \
  \( -size ${size}x${size} xc:gray50 -seed 1 +noise Random -blur 0x1 \) \
  -compose overlay -composite \
  \( -size ${size}x${size} radial-gradient:white-black \) \
  -alpha off -compose copy_opacity -composite PNG32:tex.png
levels=$(python3 -c "import math; print(int(math.log2($size)) + 1)")

# run NAME CMD...: runs CMD under /usr/bin/time -v, records wall seconds,
# CPU seconds (user + sys) and peak RSS in MiB in T, C and M.
declare -A T C M P
run() {
  local name=$1; shift
  /usr/bin/time -v -o "$name.time" "$@" >"$name.log" 2>&1 || {
    echo "$name failed:"; cat "$name.log"; return 1; }
  T[$name]=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$name.time")
  M[$name]=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$name.time")
  C[$name]=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$name.time")
}

graph() { # graph FILTER OUT.json
  cat >"$2" <<EOF
{"uberhost": 1, "nodes": {
  "load": {"type": "png.load", "params": {"path": "tex.png"}},
  "mip": {"type": "mipmap", "params": {"filter": "$1"}, "inputs": {"image": "load"}},
  "ktx": {"type": "ktx2.save", "params": {"path": "out_$1.ktx2"}, "inputs": {"levels": "mip"}}}}
EOF
}
graph box box.json
graph lanczos3 lanczos3.json
# The streaming sink: rows in, per-level PNG rows out, no whole image held.
cat >stream.json <<EOF
{"uberhost": 1, "nodes": {
  "load": {"type": "png.load", "params": {"path": "tex.png"}},
  "mip": {"type": "mip.stream_png", "params": {"dir": "stream", "filter": "box", "write_base": false,
          "compression": 1}, "inputs": {"image": "load"}}}}
EOF
# The streaming KTX2 sink: rows in, every level's rows written at their
# offsets in one file; the whole chain of one file, like maketx's output.
sgraph() { # sgraph FILTER OUT.json
  cat >"$2" <<EOF
{"uberhost": 1, "nodes": {
  "load": {"type": "png.load", "params": {"path": "tex.png"}},
  "mip": {"type": "mip.stream_ktx2", "params": {"path": "s_$1.ktx2", "filter": "$1"},
          "inputs": {"image": "load"}}}}
EOF
}
sgraph box sbox.json
sgraph lanczos3 slanczos3.json
sgraph mitchell smitchell.json
sgraph triangle striangle.json
cat >sload.json <<EOF
{"uberhost": 1, "nodes": {
  "load": {"type": "png.load", "params": {"path": "tex.png"}},
  "mip": {"type": "mip.stream_ktx2", "params": {"path": "s_base.ktx2", "max_levels": 1},
          "inputs": {"image": "load"}}}}
EOF
cat >load.json <<EOF
{"uberhost": 1, "nodes": {
  "load": {"type": "png.load", "params": {"path": "tex.png"}},
  "ktx": {"type": "ktx2.save", "params": {"path": "base.ktx2"}, "inputs": {"levels": "mip"}},
  "mip": {"type": "mipmap", "params": {"max_levels": 1}, "inputs": {"image": "load"}}}}
EOF

threads=$(nproc)
echo "running ($threads cores)..."
run uh_load "$uh" run load.json --threads 1
run uh_box1 "$uh" run box.json --threads 1
run uh_box "$uh" run box.json --threads "$threads"
run uh_lz1 "$uh" run lanczos3.json --threads 1
run uh_lz "$uh" run lanczos3.json --threads "$threads"
run uh_stream "$uh" run stream.json --threads "$threads"
run uh_sload "$uh" run sload.json --threads 1
run uh_sbox1 "$uh" run sbox.json --threads 1
run uh_sbox "$uh" run sbox.json --threads "$threads"
run uh_slz1 "$uh" run slanczos3.json --threads 1
run uh_slz "$uh" run slanczos3.json --threads "$threads"
run uh_smi "$uh" run smitchell.json --threads "$threads"
run uh_str "$uh" run striangle.json --threads "$threads"
have_maketx=0
if need maketx; then
  have_maketx=1
  run mx_box1 maketx tex.png -o mx_box.tx --filter box -d uint8 --compression none --threads 1
  run mx_box maketx tex.png -o mx_box.tx --filter box -d uint8 --compression none --threads "$threads"
  run mx_lz maketx tex.png -o mx_lz.tx --filter lanczos3 -d uint8 --compression none --threads "$threads"
  run mx_mi maketx tex.png -o mx_mi.tx --filter mitchell -d uint8 --compression none --threads "$threads"
  run mx_tr maketx tex.png -o mx_tr.tx --filter triangle -d uint8 --compression none --threads "$threads"
fi
# ImageMagick, level by level from the base (its usual use), box filter.
cat >im.sh <<EOF
set -e
for k in \$(seq 1 $((levels - 1))); do
  s=\$(( $size >> k )); [ \$s -ge 1 ] || s=1
  convert tex.png -filter box -resize \${s}x\${s}! im_\$k.png
done
EOF
run im_box bash im.sh

mpix=$(python3 -c "print($size * $size / 1e6)")
row() { printf "%-44s %8.2f s wall %8.2f s cpu %9.1f MiB\n" "$1" "${T[$2]}" "${C[$2]}" "${M[$2]}"; }
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (wall times inflate on a busy machine; cpu does not)"
echo "== ${size}x${size} RGBA8 sRGB, full ${levels}-level chain, PNG in =="
row "uberhost png.load + ktx2 (no mips), 1 thr" uh_load
row "uberhost box -> KTX2, 1 thread" uh_box1
row "uberhost box -> KTX2, $threads threads" uh_box
row "uberhost lanczos3 -> KTX2, 1 thread" uh_lz1
row "uberhost lanczos3 -> KTX2, $threads threads" uh_lz
row "uberhost stream box -> PNG levels 1.., $threads thr" uh_stream
row "uberhost stream -> KTX2 level 0 only, 1 thr" uh_sload
row "uberhost stream box -> KTX2, 1 thread" uh_sbox1
row "uberhost stream box -> KTX2, $threads threads" uh_sbox
row "uberhost stream lanczos3 -> KTX2, 1 thread" uh_slz1
row "uberhost stream lanczos3 -> KTX2, $threads thr" uh_slz
row "uberhost stream mitchell -> KTX2, $threads thr" uh_smi
row "uberhost stream triangle -> KTX2, $threads thr" uh_str
if [[ $have_maketx -eq 1 ]]; then
  row "maketx box -> tiled TIFF, 1 thread" mx_box1
  row "maketx box -> tiled TIFF, $threads threads" mx_box
  row "maketx lanczos3 -> tiled TIFF, $threads thr" mx_lz
  row "maketx mitchell -> tiled TIFF, $threads thr" mx_mi
  row "maketx triangle -> tiled TIFF, $threads thr" mx_tr
fi
row "ImageMagick box, level by level (PNG)" im_box
echo
ratio() { python3 -c "a=${T[$1]}; b=${T[$2]}; ca=${C[$1]}; cb=${C[$2]}; ma=${M[$1]}; mb=${M[$2]}; print('%-44s %6.1fx faster (wall) %6.1fx (cpu)  %5.2fx the RSS' % ('$3', b / max(a, 1e-3), cb / max(ca, 1e-3), ma / max(mb, 1e-3)))"; }
if [[ $have_maketx -eq 1 ]]; then
  ratio uh_box1 mx_box1 "uberhost vs maketx, box, 1 thread"
  ratio uh_box mx_box "uberhost vs maketx, box, $threads threads"
  ratio uh_lz mx_lz "uberhost vs maketx, lanczos3, $threads thr"
  ratio uh_stream mx_box "uberhost stream (PNG) vs maketx, box"
  ratio uh_sbox1 mx_box1 "uberhost stream KTX2 vs maketx, box, 1 thr"
  ratio uh_sbox mx_box "uberhost stream KTX2 vs maketx, box, $threads thr"
  ratio uh_slz mx_lz "uberhost stream KTX2 vs maketx, lanczos3"
  ratio uh_smi mx_mi "uberhost stream KTX2 vs maketx, mitchell"
  ratio uh_str mx_tr "uberhost stream KTX2 vs maketx, triangle"
else
  echo "(maketx not found: apt-get install openimageio-tools)"
fi
ratio uh_box im_box "uberhost vs ImageMagick, box"
# CPU time (user + sys, microseconds from getrusage), best of 5 runs, for
# the chain-only figures: /usr/bin/time's 10 ms steps are too coarse.
cpu_best() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
best = None
for _ in range(5):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    best = t if best is None else min(best, t)
print("%.4f" % best)
PY
}
for n in uh_load:load uh_box1:box uh_lz1:lanczos3 uh_sload:sload uh_sbox1:sbox uh_slz1:slanczos3; do
  P[${n%%:*}]=$(cpu_best "$uh" run "${n#*:}.json" --threads 1)
done
python3 -c "
def part(name, load, box, lz):
    print('%s (1 thread, cpu minus load + level-0 write): box %.0f ms = %.0f MPix/s of source, lanczos3 %.0f ms = %.0f MPix/s'
          % (name, (box - load) * 1e3, $mpix / max(box - load, 1e-3), (lz - load) * 1e3, $mpix / max(lz - load, 1e-3)))
part('uberhost mipmap node', ${P[uh_load]}, ${P[uh_box1]}, ${P[uh_lz1]})
part('uberhost stream KTX2', ${P[uh_sload]}, ${P[uh_sbox1]}, ${P[uh_slz1]})
print('(best of 5 runs each; the load runs decode the PNG and write level 0 the same way)')"
