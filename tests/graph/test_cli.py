"""CLI cases for the graph checker: `uberhost check` on graph files against
the testnodes plugin only, asserting the exact stderr and exit code.
Argument: the directory holding testnodes.so."""

import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402

PLUGDIR = sys.argv[1]
D = uhtest.scratch("graph_cli")
ENV = {"UBERHOST_PLUGIN_PATH": ""}


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(D, name), mode) as f:
        f.write(data)


def check(text, code, stderr, sets=(), name="g.json", stdout=None):
    """Writes `text` to `name`, runs `uberhost check` on it and compares."""
    if text is not None:
        write(name, text)
    args = ["check", name]
    for s in sets:
        args += ["--set", s]
    args += ["--plugin-path", PLUGDIR, "--no-default-plugins"]
    c, out, err = uhtest.expect(args, code, stderr=stderr, cwd=D, env=ENV)
    if stdout is not None:
        uhtest.eq(out, stdout, "stdout of check %s" % name)


def g(nodes, extra=""):
    return '{"uberhost": 1, %s"nodes": {%s}}' % (extra, nodes)


SRC = '"s": {"type": "src"}'
SINK = '"o": {"type": "png.save", "params": {"path": "o.png"}, "inputs": {"image": "%s"}}'

# -- valid graphs ------------------------------------------------------------
check(g(SRC + ", " + SINK % "s"), 0, "", stdout="g.json: ok (2 nodes)\n")
check(g(SRC + ', "b": {"type": "blur", "inputs": {"image": "s"}}, ' + SINK % "s"), 0,
      "uberhost: warning: g.json: /nodes/b: the output of node 'b' (blur) is not used\n",
      stdout="g.json: ok (3 nodes)\n")
check("\ufeff" + g(SRC + ", " + SINK % "s"), 0, "", stdout="g.json: ok (2 nodes)\n")

# -- the JSON itself ---------------------------------------------------------
check('{"uberhost": 1,\n  "nodes": {\n    "a" 1}}', 2,
      "uberhost: g.json: invalid JSON at line 3, column 9: expected ':' after an object key\n")
check(g(SRC) + " x", 2,
      "uberhost: g.json: invalid JSON at line 1, column 50: unexpected text after the top-level value\n")
check(g(SRC)[:-2], 2, "uberhost: g.json: invalid JSON at line 1, column 47: unexpected end of file\n")
check("", 2, "uberhost: g.json: the file is empty (a graph is a JSON object)\n")
check("[1]", 2, "uberhost: g.json: the top level is an array; a graph is a JSON object\n")
check("\ufeff{}".encode("utf-16"), 2,
      "uberhost: g.json: the file is UTF-16 (it starts with a byte order mark); save it as UTF-8\n")
check('{"uberhost": 1, "nodes": {"a": {"type": "blur", "params": {"radius": 01}}}}', 2,
      "uberhost: g.json: invalid JSON at line 1, column 70: invalid number\n")
check("[" * 10000 + "]" * 10000, 4,
      "uberhost: g.json: JSON nested deeper than the limit of 64 levels at line 1, column 65\n")
check(b"{" + b" " * (16 << 20), 4, "uberhost: g.json: the file is larger than the limit of 16777216 bytes\n")
check(g(SRC + ', "t": {"type": "blur", "params": {"label": "a\\u0000b"}, "inputs": {"image": "s"}}'), 2,
      "uberhost: g.json: /nodes/t/params/label: string contains a NUL character (\\u0000)\n")
check(g(SRC + ', "t": {"type": "blur", "params": {"label": "a\xff"}, "inputs": {"image": "s"}}').encode("latin-1"), 2,
      "uberhost: g.json: /nodes/t/params/label: string is not valid UTF-8 (byte 0xff at offset 1)\n")
check(g(SRC + ', "t": {"type": "blur", "params": {"label": "%s"}, "inputs": {"image": "s"}}' % ("x" * 4097)), 2,
      "uberhost: g.json: /nodes/t/params/label: string of 4097 bytes is longer than the limit of 4096 bytes\n")
check(g(SRC + ', "t": {"type": "blur", "params": {"radius": 1, "radius": 2}, "inputs": {"image": "s"}}'), 2,
      "uberhost: g.json: /nodes/t/params: duplicate key 'radius'\n")

# -- structure ---------------------------------------------------------------
check('{"uberhost": 3, "nodes": {}}', 2,
      "uberhost: g.json: /uberhost: graph format 3 is not supported (this uberhost reads format 1)\n")
check('{"nodes": {}}', 2,
      "uberhost: g.json: /uberhost: missing: the graph format number (this uberhost reads format 1: "
      "add \"uberhost\": 1)\n")
check(g(SRC, '"nodez": 1, '), 2, "uberhost: g.json: /nodez: unknown key 'nodez' (did you mean 'nodes'?)\n")
check(g('"a b": {"type": "src"}'), 2,
      "uberhost: g.json: /nodes/a b: node id 'a b' is not valid: use 1 to 64 letters, digits, '_' or '-'\n")
check(g(",".join('"n%d": {"type": "src"}' % i for i in range(10001))), 4,
      "uberhost: g.json: /nodes: 10001 nodes, more than the limit of 10000\n")

# -- types and parameters ----------------------------------------------------
check(g(SRC + ', "b": {"type": "blurr", "inputs": {"image": "s"}}'), 2,
      "uberhost: g.json: /nodes/b/type: unknown node type 'blurr' (did you mean 'blur'?)\n")
check(g('"a": {"type": "zzzz"}'), 2,
      "uberhost: g.json: /nodes/a/type: unknown node type 'zzzz' (no loaded plugin provides it; "
      "searched: %s)\n" % PLUGDIR)
RESIZE = SRC + ', "thumb": {"type": "resize", "params": {%s}, "inputs": {"image": "s"}}, ' + SINK % "thumb"
check(g(RESIZE % '"widht": 3'), 2,
      "uberhost: g.json: /nodes/thumb/params/widht: unknown parameter 'widht' for resize "
      "(did you mean 'width'?)\n")
check(g(RESIZE % '"filter": "box"'), 2,
      "uberhost: g.json: /nodes/thumb/params: missing required parameter 'width' (resize)\n")
check(g(RESIZE % '"width": -3'), 2,
      "uberhost: g.json: /nodes/thumb/params/width: expected an integer in [1, 65535], got -3\n")
check(g(RESIZE % '"width": 3.7'), 2,
      "uberhost: g.json: /nodes/thumb/params/width: expected an integer in [1, 65535], got 3.7\n")
check(g(RESIZE % '"width": 4294967297'), 2,
      "uberhost: g.json: /nodes/thumb/params/width: expected an integer in [1, 65535], got 4294967297\n")
check(g(RESIZE % '"width": 8, "filter": "bogus"'), 2,
      "uberhost: g.json: /nodes/thumb/params/filter: expected one of nearest, box, lanczos3, got 'bogus'\n")
BLUR = SRC + ', "b": {"type": "blur", "params": {%s}, "inputs": {"image": "s"}}, ' + SINK % "b"
check(g(BLUR % '"sharp": 1'), 2, "uberhost: g.json: /nodes/b/params/sharp: expected true or false, got 1\n")
check(g(BLUR % '"radius": 1e400'), 2,
      "uberhost: g.json: /nodes/b/params/radius: expected a number in [0, 100], got a number too large "
      "to represent\n")
check(g(BLUR % '"color": [1, 0]'), 2,
      "uberhost: g.json: /nodes/b/params/color: expected an array of 3 to 4 numbers, got 2\n")
check(g(BLUR % '"color": [1, 0, 2]'), 2,
      "uberhost: g.json: /nodes/b/params/color/2: expected a number in [0, 1], got 2\n")
check(g(BLUR % '"label": ["x"]'), 2, "uberhost: g.json: /nodes/b/params/label: expected a string, got an array\n")

# -- inputs and cycles -------------------------------------------------------
check(g(SRC + ', "b": {"type": "blur", "inputs": {"image": "src"}}, ' + SINK % "b"), 2,
      "uberhost: g.json: /nodes/b/inputs/image: unknown node 'src'\n")
check(g(SRC + ', "b": {"type": "blur", "inputs": {"image": "s.imag"}}, ' + SINK % "b"), 2,
      "uberhost: g.json: /nodes/b/inputs/image: node 's' (src) has no output 'imag' (did you mean 'image'?)\n")
check(g(SRC + ', "b": {"type": "blur", "inputs": {"img": "s"}}, ' + SINK % "b"), 2,
      "uberhost: g.json: /nodes/b/inputs/img: unknown input 'img' for blur (inputs: image)\n")
check(g(SRC + ', "m": {"type": "mip", "inputs": {"image": "s"}}, ' + SINK % "m"), 2,
      "uberhost: g.json: /nodes/o/inputs/image: input 'image' of png.save takes an image, but output "
      "'levels' of node 'm' (mip) gives an image list\n")
check(g(SRC + ', "t": {"type": "stats", "inputs": {"image": "s"}}, ' + SINK % "t.mean"), 2,
      "uberhost: g.json: /nodes/o/inputs/image: input 'image' of png.save takes an image, but output "
      "'mean' of node 't' (stats) gives a number\n")
check(g(SRC + ', "x": {"type": "mix", "inputs": {"a": "s"}}, ' + SINK % "x"), 2,
      "uberhost: g.json: /nodes/x/inputs: required input 'b' of mix is not connected\n")
check(g('"a": {"type": "blur", "inputs": {"image": "b"}}, "b": {"type": "blur", "inputs": {"image": "a"}}'), 2,
      "uberhost: g.json: /nodes: cycle: a -> b -> a\n")
check(g('"a": {"type": "blur", "inputs": {"image": "a"}}'), 2, "uberhost: g.json: /nodes: cycle: a -> a\n")
chain = ['"n0": {"type": "src"}'] + ['"n%d": {"type": "blur", "inputs": {"image": "n%d"}}' % (i, i - 1)
                                    for i in range(1, 9999)]
check(g(", ".join(chain) + ", " + SINK % "n9998"), 0, "", stdout="g.json: ok (10000 nodes)\n")

# -- exported parameters and --set -------------------------------------------
EXP = ('"params": {"size": {"node": "thumb", "param": "width", "default": 256}, '
       '"output": {"node": "o", "param": "path"}}, ')
check(g(RESIZE % '"width": 8', EXP), 0, "", ["size=64", "thumb.filter=box", "output=x.png"],
      stdout="g.json: ok (3 nodes)\n")
check(g(RESIZE % '"width": 8', EXP), 1,
      "uberhost: --set bogus=1: no exported parameter 'bogus' (exported: size, output)\n", ["bogus=1"])
check(g(RESIZE % '"width": 8', EXP), 1,
      "uberhost: --set thumb.widht=1: node 'thumb' (resize) has no parameter 'widht' (did you mean 'width'?)\n",
      ["thumb.widht=1"])
check(g(RESIZE % '"width": 8', EXP), 2,
      "uberhost: g.json: /nodes/thumb/params/width (--set size=abc): expected an integer in [1, 65535], "
      "got 'abc'\n", ["size=abc"])
check(g(RESIZE % '"width": 8', EXP), 2,
      "uberhost: g.json: /nodes/thumb/params/width (--set size=0): expected an integer in [1, 65535], "
      "got 0\n", ["size=0"])
check(g(RESIZE % '"width": 8', EXP.replace("256", '"big"')), 2,
      "uberhost: g.json: /params/size/default: expected an integer in [1, 65535], got 'big'\n")
check(g(RESIZE % '"width": 8', EXP.replace('"param": "width"', '"param": "wdth"')), 2,
      "uberhost: g.json: /params/size/param: node 'thumb' (resize) has no parameter 'wdth' "
      "(did you mean 'width'?)\n")
check(g(RESIZE % '"width": 8', EXP.replace('"node": "thumb"', '"node": "thumbs"')), 2,
      "uberhost: g.json: /params/size/node: unknown node 'thumbs' (did you mean 'thumb'?)\n")

# -- generic load and save ---------------------------------------------------
write("in.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
write("in.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 16)
write("notes.png", b"GIF89a..")
LOAD = '"in": {"type": "load", "params": {"path": "%s"}}, "out": {"type": "save", "params": {"path": "%s"}, ' \
       '"inputs": {"image": "in"}}'
check(g(LOAD % ("in.png", "out/a.jpg")), 0, "", stdout="g.json: ok (2 nodes)\n")
check(g(LOAD % ("in.jpg", "a.PNG")), 0, "", stdout="g.json: ok (2 nodes)\n")
check(g(LOAD % ("missing.png", "a.png")), 3,
      "uberhost: g.json: /nodes/in/params/path: cannot open 'missing.png': No such file or directory\n")
check(g(LOAD % ("notes.png", "a.png")), 3,
      "uberhost: g.json: /nodes/in/params/path: 'notes.png' is neither a PNG nor a JPEG file "
      "(it starts with 47 49 46 38 39 61 2e 2e)\n")
check(g(LOAD % ("in.png", "a.gif")), 2,
      "uberhost: g.json: /nodes/out/params/path: cannot tell the output format of 'a.gif' from its "
      "extension (known: .png, .jpg, .jpeg)\n")
check(g(LOAD % ("in.png", "a.png")), 3,
      "uberhost: g.json: /nodes/in/params/path (--set in.path=notes.png): 'notes.png' is neither a PNG "
      "nor a JPEG file (it starts with 47 49 46 38 39 61 2e 2e)\n", ["in.path=notes.png"])

# -- the graph file itself ---------------------------------------------------
check(None, 1, "uberhost: nope.json: cannot open: No such file or directory\n", name="nope.json")

uhtest.done()
