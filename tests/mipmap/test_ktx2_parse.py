"""KTX2 through an independent parser: npm's ktx-parse (a KTX 2.0 reader
and writer) reads every file ktx2.save writes (RGBA8 sRGB/UNORM, RGB8, R8,
RGBA16, RGBA32F), reports the format, size, level count, DFD transfer and
the KV entries we wrote, and re-serialises each file to the same bytes.
Optional: skipped (77) unless node and ktx-parse are found (set KTX_PARSE
to its dist/index.mjs, or `npm install -g ktx-parse`)."""
import json
import os
import shutil
import subprocess

import miptest as mt
import uhtest


def find_ktx_parse():
    p = os.environ.get("KTX_PARSE")
    if p and os.path.exists(p):
        return p
    if shutil.which("npm"):
        try:
            root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        cand = os.path.join(root, "ktx-parse", "dist", "index.mjs")
        if os.path.exists(cand):
            return cand
    return None


lib = find_ktx_parse()
if not shutil.which("node") or not lib:
    print("skipped: node or ktx-parse not found")
    raise SystemExit(77)
mt.scratch()
rows = [[(x * 37 + y * 11 + c * 70) % 256 for x in range(40) for c in range(4)] for y in range(24)]
uhtest.write_png(mt.path("rgba.png"), 40, 24, 4, rows)
uhtest.write_png(mt.path("rgb.png"), 20, 12, 3, [r[:60] for r in rows[:12]])
uhtest.write_png(mt.path("grey.png"), 30, 17, 1, [r[:30] for r in rows[:17]])
cases = {
    "rgba_srgb": ("rgba.png", {}, 43, 2),
    "rgba_unorm": ("rgba.png", {"transfer": "linear"}, 37, 1),
    "rgb_srgb": ("rgb.png", {}, 29, 2),
    "grey": ("grey.png", {"transfer": "data"}, 9, 1),
    "rgba16": ("rgba.png", {"transfer": "linear", "sample": "u16"}, 91, 1),
    "rgba32f": ("rgba.png", {"transfer": "linear", "sample": "f32"}, 109, 1),
}
nodes = {}
for name, (src, params, _, _) in cases.items():
    nodes["l_" + name] = mt.load(src)
    nodes["m_" + name] = {"type": "mipmap", "params": params, "inputs": {"image": "l_" + name}}
    nodes["k_" + name] = {"type": "ktx2.save", "params": {"path": name + ".ktx2"}, "inputs": {"levels": "m_" + name}}
mt.run_ok(mt.graph(nodes))
script = mt.path("check.mjs")
with open(script, "w") as f:
    f.write("""
import { read, write } from %s;
import { readFileSync } from 'fs';
const out = {};
for (const p of process.argv.slice(2)) {
  const buf = new Uint8Array(readFileSync(p));
  const c = read(buf);
  const again = write(c, {keepWriter: true});
  out[p] = {vk: c.vkFormat, w: c.pixelWidth, h: c.pixelHeight, levels: c.levels.length,
            transfer: c.dataFormatDescriptor[0].transferFunction, kv: c.keyValue,
            same: again.length === buf.length && again.every((b, i) => b === buf[i])};
}
console.log(JSON.stringify(out));
""" % json.dumps("file://" + os.path.abspath(lib)))
files = [mt.path(n + ".ktx2") for n in cases]
p = subprocess.run(["node", script] + files, capture_output=True, text=True, timeout=60)
uhtest.eq(p.returncode, 0, "node exit code (%s)" % p.stderr.strip())
res = json.loads(p.stdout) if p.returncode == 0 else {}
for name, (src, params, vk, tf) in cases.items():
    r = res.get(mt.path(name + ".ktx2"), {})
    uhtest.eq((r.get("vk"), r.get("transfer")), (vk, tf), name + ": vkFormat, transfer as read by ktx-parse")
    uhtest.eq(r.get("kv", {}).get("KTXorientation"), "rd", name + ": KTXorientation")
    uhtest.check(str(r.get("kv", {}).get("KTXwriter", "")).startswith("uberhost "), name + ": KTXwriter")
    uhtest.check(r.get("same") is True, name + ": ktx-parse re-serialises to different bytes")
uhtest.done()
