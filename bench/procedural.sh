#!/bin/sh
# Procedural textures: MPix/s of each generator of the procedural plugin on
# 2 cores (uberhost --threads 2, written as PNG at zlib level 0, no
# filter), beside ImageMagick (plasma:, +noise Random) and libvips (perlin,
# worley) writing the same PNGs, with the ratios. Then the 16384x16384 fBm
# with its peak RSS.
#
# Usage: bench/procedural.sh [build-dir]   (default: build)
#   SIZE=2048 (side in pixels), REPS=3 (best of), BIG=0 to skip the big run,
#   CONVERT=/usr/bin/convert and VIPS=vips to choose the peers.
set -eu

BUILD=${1:-build}
BIN=$BUILD/bin/uberhost
SIZE=${SIZE:-2048}
REPS=${REPS:-3}
BIG=${BIG:-1}
CONVERT=${CONVERT:-$(command -v convert || true)}
VIPS=${VIPS:-$(command -v vips || true)}
export UBERHOST_PLUGIN_PATH=${UBERHOST_PLUGIN_PATH:-$BUILD/plugins}
export MAGICK_THREAD_LIMIT=2 OMP_NUM_THREADS=2 VIPS_CONCURRENCY=2

if [ ! -x "$BIN" ]; then
    echo "bench/procedural.sh: $BIN not found; build first (cmake --build $BUILD)" >&2
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

now() { date +%s.%N; }

# best_of CMD...: the shortest wall time of REPS runs, in seconds.
best_of() {
    best=
    i=0
    while [ "$i" -lt "$REPS" ]; do
        t0=$(now)
        "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }
        t1=$(now)
        best=$(echo "$t0 $t1 ${best:-1e9}" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
        i=$((i + 1))
    done
    echo "$best"
}

mpix() { echo "$1" | awk -v n="$SIZE" '{printf "%.1f", n * n / $1 / 1e6}'; }

# ours NAME TYPE PARAMS-JSON: times TYPE -> png.save, prints MPix/s.
ours() {
    cat >"$TMP/$1.json" <<JSON
{"uberhost": 1, "nodes": {
  "g": {"type": "$2", "params": {"width": $SIZE, "height": $SIZE $3}},
  "s": {"type": "png.save", "params": {"path": "$TMP/$1.png", "compression": 0, "filter": "none"},
        "inputs": {"image": "g"}}}}
JSON
    mpix "$(best_of "$BIN" run "$TMP/$1.json" --threads 2)"
}

peer() { mpix "$(best_of "$@")"; }

printf '%-22s %10s   %-34s %10s %7s\n' generator "MPix/s" peer "MPix/s" ratio
line() { # name ours-mpix [peer-name peer-mpix]
    if [ $# -ge 4 ]; then
        r=$(echo "$2 $4" | awk '{printf "%.2fx", $1 / $2}')
        printf '%-22s %10s   %-34s %10s %7s\n' "$1" "$2" "$3" "$4" "$r"
    else
        printf '%-22s %10s\n' "$1" "$2"
    fi
}

IM_PNG="-define png:compression-level=0 -define png:compression-filter=0"
CELL=$((SIZE / 8))

p=$(ours perlin noise ', "kind": "perlin", "frequency": 8')
if [ -n "$VIPS" ]; then
    v=$(peer "$VIPS" perlin "$TMP/vp.png[compression=0,filter=none]" "$SIZE" "$SIZE" --cell-size "$CELL" --uchar)
    line "noise perlin" "$p" "vips perlin --uchar" "$v"
else
    line "noise perlin" "$p"
fi
line "noise simplex" "$(ours simplex noise ', "kind": "simplex", "frequency": 8')"
line "noise value" "$(ours value noise ', "kind": "value", "frequency": 8')"
w=$(ours worley noise ', "kind": "worley", "frequency": 8')
if [ -n "$VIPS" ]; then
    # vips worley is float: cast to uchar as it is written.
    v=$(peer "$VIPS" worley "$TMP/vw.png[compression=0,filter=none]" "$SIZE" "$SIZE" --cell-size "$CELL")
    line "noise worley" "$w" "vips worley" "$v"
else
    line "noise worley" "$w"
fi
wn=$(ours white noise ', "kind": "white"')
if [ -n "$CONVERT" ]; then
    # shellcheck disable=SC2086
    c=$(peer "$CONVERT" -size "${SIZE}x$SIZE" xc:gray +noise Random -colorspace gray $IM_PNG "$TMP/cn.png")
    line "noise white" "$wn" "convert xc: +noise Random" "$c"
else
    line "noise white" "$wn"
fi
f=$(ours fbm noise ', "kind": "perlin", "fractal": "fbm", "octaves": 6, "frequency": 4')
if [ -n "$CONVERT" ]; then
    # shellcheck disable=SC2086
    c=$(peer "$CONVERT" -size "${SIZE}x$SIZE" plasma:fractal -seed 1 $IM_PNG "$TMP/cp.png")
    line "noise fbm (6 oct)" "$f" "convert plasma:fractal (RGB)" "$c"
else
    line "noise fbm (6 oct)" "$f"
fi
line "noise turbulence (6)" "$(ours turb noise ', "kind": "simplex", "fractal": "turbulence", "octaves": 6')"
line "noise ridged (6)" "$(ours ridged noise ', "kind": "simplex", "fractal": "ridged", "octaves": 6')"
line "noise fbm+warp (4)" "$(ours warp noise ', "fractal": "fbm", "octaves": 4, "warp": 1')"
for t in checker stripes grid bricks dots hexagons voronoi; do
    line "$t" "$(ours "$t" "$t" ', "tileable": true')"
done
for k in linear radial conic; do
    line "gradient $k" "$(ours "g$k" gradient ", \"kind\": \"$k\"")"
done

if [ "$BIG" = 1 ]; then
    cat >"$TMP/big.json" <<JSON
{"uberhost": 1, "nodes": {
  "g": {"type": "noise", "params": {"width": 16384, "height": 16384, "fractal": "fbm",
        "octaves": 4, "frequency": 64, "tileable": true}},
  "s": {"type": "png.save", "params": {"path": "$TMP/big.png", "compression": 1, "filter": "sub"},
        "inputs": {"image": "g"}}}}
JSON
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$BIN" run "$TMP/big.json" --threads 2 2>"$TMP/time" >/dev/null
        rss=$(awk -F: '/Maximum resident/ {print $2 + 0}' "$TMP/time")
        wall=$(awk '/Elapsed/ {print $NF}' "$TMP/time")
        echo "16384x16384 fBm (4 oct) -> PNG: $wall wall, peak RSS $((rss / 1024)) MB"
    else
        t0=$(now)
        "$BIN" run "$TMP/big.json" --threads 2 >/dev/null
        t1=$(now)
        echo "16384x16384 fBm (4 oct) -> PNG: $(echo "$t0 $t1" | awk '{print $2 - $1}') s"
    fi
fi
