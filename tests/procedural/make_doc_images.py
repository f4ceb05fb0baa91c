"""Regenerates docs/img/procedural-*.png: one 256x256 picture of each node
of the procedural plugin, made by uberhost itself.

Usage (from the repository root, after building):
  UH_BIN=build/bin/uberhost UBERHOST_PLUGIN_PATH=build/plugins \\
      python3 tests/procedural/make_doc_images.py
"""

import json
import os
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("UH_BIN", os.path.join(SRC, "build", "bin", "uberhost"))
OUT = os.path.join(SRC, "docs", "img")
S = {"width": 256, "height": 256}
FIRE = [0, 0.02, 0, 0, 1, 0.35, 0.35, 0.02, 0.01, 1, 0.6, 0.85, 0.2, 0.02, 1,
        0.8, 1, 0.62, 0.1, 1, 1, 1, 0.97, 0.75, 1]

# name: (type, params, inputs); inputs name other entries of this table.
PICTURES = {
    "perlin": ("noise", {"kind": "perlin", "frequency": 6}, None),
    "simplex": ("noise", {"kind": "simplex", "frequency": 6}, None),
    "value": ("noise", {"kind": "value", "frequency": 8}, None),
    "worley": ("noise", {"kind": "worley", "frequency": 6}, None),
    "worley-f2-f1": ("noise", {"kind": "worley", "feature": "f2_f1", "frequency": 6}, None),
    "white": ("noise", {"kind": "white"}, None),
    "fbm": ("noise", {"kind": "perlin", "fractal": "fbm", "frequency": 4, "octaves": 6}, None),
    "turbulence": ("noise", {"kind": "perlin", "fractal": "turbulence", "frequency": 4, "octaves": 6}, None),
    "ridged": ("noise", {"kind": "simplex", "fractal": "ridged", "frequency": 3, "octaves": 6}, None),
    "warp": ("noise", {"kind": "perlin", "fractal": "fbm", "frequency": 3, "octaves": 5, "warp": 1.5}, None),
    "checker": ("checker", {"frequency": 8}, None),
    "stripes": ("stripes", {"frequency": 8, "direction": "diagonal", "duty": 0.4}, None),
    "grid": ("grid", {"frequency": 8}, None),
    "bricks": ("bricks", {"frequency": 4, "variation": 0.4}, None),
    "dots": ("dots", {"frequency": 8, "stagger": True, "softness": 0.4}, None),
    "hexagons": ("hexagons", {"frequency": 6, "variation": 0.4}, None),
    "voronoi": ("voronoi", {"frequency": 6, "line_width": 0.04}, None),
    "gradient-linear": ("gradient", {"kind": "linear", "start": [0, 0], "end": [1, 1],
                                     "stops": [0, 0.1, 0.2, 0.5, 1, 0.5, 0.9, 0.3, 0.3, 1, 1, 1, 0.9, 0.2, 1]}, None),
    "gradient-radial": ("gradient", {"kind": "radial", "start": [0.5, 0.5], "end": [1, 0.5],
                                     "stops": [0, 1, 1, 0.8, 1, 0.6, 0.9, 0.4, 0.1, 1, 1, 0.2, 0, 0.1, 1]}, None),
    "gradient-conic": ("gradient", {"kind": "conic", "start": [0.5, 0.5], "end": [1, 0.5],
                                    "stops": [0, 1, 0, 0, 1, 0.33, 0, 1, 0, 1, 0.67, 0, 0, 1, 1, 1, 1, 0, 0, 1]}, None),
    "colorize": ("colorize", {"stops": FIRE}, {"image": "_ridged"}),
    "normal_from_height": ("normal_from_height", {"strength": 24, "wrap": True}, {"image": "_height"}),
    "mix": ("mix", {"mode": "multiply", "factor": 0.6}, {"a": "_bricks", "b": "_fbm"}),
}
HIDDEN = {
    "_ridged": ("noise", {"kind": "simplex", "fractal": "ridged", "frequency": 3, "octaves": 6,
                          "warp": 1.2, "tileable": True, "seed": 4}),
    "_height": ("noise", {"kind": "perlin", "fractal": "fbm", "frequency": 3, "octaves": 3,
                          "tileable": True}),
    "_bricks": ("bricks", {"frequency": 4, "variation": 0.3, "tileable": True}),
    "_fbm": ("noise", {"kind": "perlin", "fractal": "fbm", "frequency": 8, "octaves": 5, "tileable": True}),
}


def main():
    nodes = {}
    for name, (t, p) in HIDDEN.items():
        q = dict(S)
        q.update(p)
        nodes[name.strip("_")] = {"type": t, "params": q}
    for name, (t, p, inputs) in PICTURES.items():
        q = {} if inputs else dict(S)
        q.update(p)
        node = {"type": t, "params": q}
        if inputs:
            node["inputs"] = {k: v.strip("_") for k, v in inputs.items()}
        key = "pic_" + name.replace("-", "_")
        nodes[key] = node
        nodes[key + "_save"] = {"type": "png.save", "inputs": {"image": key},
                                "params": {"path": os.path.join(OUT, "procedural-%s.png" % name),
                                           "compression": 9}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"uberhost": 1, "nodes": nodes}, f, indent=1)
    try:
        subprocess.run([BIN, "run", f.name], check=True)
    finally:
        os.unlink(f.name)
    for name in PICTURES:
        p = os.path.join(OUT, "procedural-%s.png" % name)
        size = os.path.getsize(p)
        print("%-45s %6d bytes" % (os.path.relpath(p, SRC), size))
        if size >= 100 * 1024:
            print("  over 100 KB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
