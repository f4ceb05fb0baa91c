#!/bin/sh
# Builds the example plugin out of the tree, against sdk/ alone, and runs it.
set -eu
d="$UH_SCRATCH"
rm -rf "$d"; mkdir -p "$d/plug"
cp "$UH_SRC/plugins/example/invert.c" "$d/"
cc -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -fPIC -shared \
   -I"$UH_SRC/sdk/include" "$d/invert.c" -o "$d/plug/invert.so"
cat > "$d/g.json" <<JSON
{"uberhost": 1, "nodes": {
  "src": {"type": "test.solid", "params": {"width": 8, "height": 4, "value": 7}},
  "inv": {"type": "example.invert", "params": {"amount": 1}, "inputs": {"image": "src"}},
  "out": {"type": "png.save", "params": {"path": "$d/out.png"}, "inputs": {"image": "inv"}}}}
JSON
# Only the out-of-tree copy provides example.invert here: the built-in
# directory (which has its own example.so) is left out.
mkdir -p "$d/codecs"
ln -s "$UH_PLUGINS/png.so" "$d/codecs/png.so"
UBERHOST_PLUGIN_PATH= "$UH_BIN" run "$d/g.json" --no-default-plugins \
  --plugin-path "$d/plug:$d/codecs:$UH_BUILD/tests/plugins/hostnodes" 2>"$d/err" || {
  cat "$d/err"; exit 1; }
python3 - "$d/out.png" <<PY
import sys
sys.path.insert(0, "$UH_SRC/tests/support")
import uhtest
p = uhtest.read_png(sys.argv[1])
assert (p.width, p.height) == (8, 4), (p.width, p.height)
assert all(v == 248 for row in p.pixels for v in row), p.pixels[0]
print("ok")
PY
