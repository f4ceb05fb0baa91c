"""Documentation checks, one case per argument:

  nodes   every node type of `uberhost list --json` has a row in docs/nodes.md
          linking to its plugin's page, that page names the type and every
          parameter, and the tables of plugin `example` in docs/nodes.md are
          exactly what `uberhost describe --json` says
  graphs  every graphs/*.json has a row in graphs/README.md with a command,
          and that command with `run` replaced by `check` passes
  index   docs/README.md links every page; every relative link in the docs
          resolves to a file, and every #anchor into a docs page to a heading
  guide   the code blocks of docs/plugin-guide.md marked `<!-- acme_more.c -->`,
          put together, compile warning-free against sdk/ alone, and the
          guide's acme.json runs with them and writes the pixels the code
          promises, the same at --threads 1 and 4
  errors  docs/errors.md's status table is UH_STATUS_MAP, its exit-code table
          is docs/cli.md's and `uberhost help exit-codes`, and a node failing
          with each status exits with the code the table gives, with the
          message format the page shows
"""

import glob
import json
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.environ.get("UH_SRC", "."), "tests", "support"))
import uhtest  # noqa: E402
from uhtest import check, eq  # noqa: E402

SRC = uhtest.SRC
DOCS = os.path.join(SRC, "docs")

# Plugins whose node pages are not docs/nodes/<plugin>.md.
PAGE_EXCEPTIONS = {
    "mipmap": "docs/mipmaps.md",  # the mipmap plugin's author wrote one page
    "example": "docs/nodes.md",   # its full tables are in the index itself
}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rel(path):
    return os.path.relpath(path, SRC)


def node_types():
    code, out, err = uhtest.run("list", "--json")
    if not eq(code, 0, "uberhost list --json exit code (%s)" % err.strip()):
        uhtest.done()
    return json.loads(out)


def table_rows(text):
    """Markdown table rows as lists of stripped cells."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|") and not re.match(r"^\|[\s|:-]+\|$", line):
            rows.append([c.strip() for c in line[1:-1].split("|")])
    return rows


def section(text, heading):
    """The text under a '## heading' or '### heading' line, up to the next
    heading of the same or a higher level."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(#+) (.*)$", line)
        if m and m.group(2).strip() == heading:
            level = len(m.group(1))
            out = []
            for nxt in lines[i + 1:]:
                m2 = re.match(r"^(#+) ", nxt)
                if m2 and len(m2.group(1)) <= level:
                    break
                out.append(nxt)
            return "\n".join(out)
    return None


def fmt_num(v):
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def param_default(p):
    if p["required"]:
        return "required"
    d = p["default"]
    if isinstance(d, bool):
        return "`%s`" % ("true" if d else "false")
    if isinstance(d, str):
        return "`\"%s\"`" % d
    if isinstance(d, list):
        return "`%s`" % json.dumps(d)
    return "`%s`" % fmt_num(d)


def param_range(p):
    if "values" in p:
        return ", ".join("`%s`" % v for v in p["values"])
    if "min" in p:
        return "%s to %s" % (fmt_num(p["min"]), fmt_num(p["max"]))
    return "-"


def case_nodes():
    types = node_types()
    index_path = os.path.join(DOCS, "nodes.md")
    index = read(index_path)
    listing = section(index, "All node types")
    check(listing is not None, "docs/nodes.md: no '## All node types' section")
    rows = {}
    for r in table_rows(listing or ""):
        m = re.match(r"^`([a-z0-9_.]+)`$", r[0])
        if m:
            rows.setdefault(m.group(1), r)
    known = {t["id"] for t in types}
    check(len(types) > 0, "uberhost list --json lists no node types")
    for t in types:
        tid, plugin = t["id"], t["plugin"]
        row = rows.get(tid)
        if not check(row is not None, "docs/nodes.md: no index row '| `%s` | ...' for %s's node type" % (tid, plugin)):
            continue
        eq(row[1], plugin, "docs/nodes.md: plugin column of %s" % tid)
        eq(row[2], t["kind"], "docs/nodes.md: kind column of %s" % tid)
        links = re.findall(r"\]\(([^)#]*)(#[^)]*)?\)", "|".join(row))
        if not check(links, "docs/nodes.md: the row of %s links to no page" % tid):
            continue
        target = links[-1][0]
        page = os.path.normpath(os.path.join(DOCS, target)) if target else index_path
        want = PAGE_EXCEPTIONS.get(plugin, "docs/nodes/%s.md" % plugin)
        eq(rel(page), want, "docs/nodes.md: page the row of %s links to" % tid)
        if not check(os.path.exists(page), "%s (linked for %s) does not exist" % (rel(page), tid)):
            continue
        text = read(page)
        check("`%s`" % tid in text or re.search(r"^#+ .*\b%s\b" % re.escape(tid), text, re.M),
              "%s does not name node type %s" % (rel(page), tid))
        for p in t["params"]:
            check("`%s`" % p["name"] in text or "| %s " % p["name"] in text,
                  "%s does not document parameter '%s' of %s" % (rel(page), p["name"], tid))
    for tid in rows:
        check(tid in known, "docs/nodes.md lists '%s', which no loaded plugin provides" % tid)
    # Every docs/nodes/*.md page is reachable from the index.
    for page in sorted(glob.glob(os.path.join(DOCS, "nodes", "*.md"))):
        name = "nodes/" + os.path.basename(page)
        check("](%s" % name in index, "docs/nodes.md does not link %s" % name)
    # The example plugin's tables, exactly as describe says.
    for t in types:
        if t["plugin"] != "example":
            continue
        sec = section(index, "`%s`" % t["id"])
        if not check(sec is not None, "docs/nodes.md: no '### `%s`' section" % t["id"]):
            continue
        got = table_rows(sec)
        for p in t["params"]:
            want = ["`%s`" % p["name"], p["type"], param_default(p), param_range(p), p["doc"]]
            check(want in got, "docs/nodes.md: %s parameter row %r not found in %r" % (t["id"], want, got))
        for kind in ("inputs", "outputs"):
            for p in t[kind]:
                want = [kind[:-1], "`%s`" % p["name"], p["type"], p["doc"]]
                check(want in got, "docs/nodes.md: %s port row %r not found" % (t["id"], want))


def case_graphs():
    readme_path = os.path.join(SRC, "graphs", "README.md")
    readme = read(readme_path)
    graphs = sorted(os.path.basename(g) for g in glob.glob(os.path.join(SRC, "graphs", "*.json")))
    check(graphs, "no graphs in graphs/")
    d = uhtest.scratch("docs_graphs")
    os.symlink(os.path.join(SRC, "graphs"), os.path.join(d, "graphs"))
    listed = set(re.findall(r"\]\(([A-Za-z0-9_.-]+\.json)\)", readme))
    for name in sorted(listed):
        check(name in graphs, "graphs/README.md lists %s, which is not in graphs/" % name)
    for name in graphs:
        lines = [ln for ln in readme.splitlines() if "](%s)" % name in ln]
        if not check(len(lines) == 1, "graphs/README.md: want one row linking (%s), found %d" % (name, len(lines))):
            continue
        cmds = [c for c in re.findall(r"`([^`]+)`", lines[0]) if c.startswith("uberhost run graphs/%s" % name)]
        if not check(cmds, "graphs/README.md: the row of %s gives no `uberhost run graphs/%s ...` command" % (name, name)):
            continue
        with open(os.path.join(SRC, "graphs", name), encoding="utf-8") as f:
            n_nodes = len(json.load(f)["nodes"])
        for cmd in cmds:
            argv = shlex.split(cmd)[1:]
            argv[0] = "check"
            # Inputs named by --set input=... are made, as the README's
            # order of commands would have made them.
            for i, a in enumerate(argv):
                if a == "--set" and i + 1 < len(argv):
                    k, _, v = argv[i + 1].partition("=")
                    if k == "input" and not os.path.exists(os.path.join(d, v)):
                        os.makedirs(os.path.dirname(os.path.join(d, v)) or d, exist_ok=True)
                        uhtest.write_png(os.path.join(d, v), 16, 16, 3,
                                         [[(x * 16 + y) % 256 for x in range(48)] for y in range(16)])
            code, out, err = uhtest.run(*argv, cwd=d)
            eq(code, 0, "`%s` (as check) exit code, stderr %r" % (cmd, err))
            eq(out, "graphs/%s: ok (%d nodes)\n" % (name, n_nodes), "`%s` (as check) stdout" % cmd)


def slug(heading):
    """GitHub's anchor for a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def case_index():
    index = read(os.path.join(DOCS, "README.md"))
    pages = sorted(glob.glob(os.path.join(DOCS, "*.md")) + glob.glob(os.path.join(DOCS, "nodes", "*.md")))
    for p in pages:
        name = os.path.relpath(p, DOCS)
        if name == "README.md":
            continue
        check("](%s)" % name in index or "](%s#" % name in index, "docs/README.md does not link %s" % name)
    check("](../graphs/README.md)" in index, "docs/README.md does not link ../graphs/README.md")
    files = pages + [os.path.join(SRC, "README.md"), os.path.join(SRC, "graphs", "README.md")]
    for f in files:
        text = read(f)
        # Links inside code spans and blocks are examples, not links.
        text = re.sub(r"```.*?```", "", text, flags=re.S)
        text = re.sub(r"`[^`\n]*`", "", text)
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(#[^)\s]*)?\)", text):
            if target.startswith(("http:", "https:", "mailto:")):
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(f), target)) if target else f
            if not check(os.path.exists(path), "%s: link to %s: no such file" % (rel(f), target)):
                continue
            if anchor and path.endswith(".md"):
                heads = {slug(h) for h in re.findall(r"^#+ (.*)$", read(path), re.M)}
                check(anchor[1:] in heads, "%s: link %s%s: no such heading in %s" % (rel(f), target, anchor, rel(path)))


def case_errors(plugin_dir):
    errors = read(os.path.join(DOCS, "errors.md"))
    header = read(os.path.join(SRC, "sdk", "include", "uberhost", "uh_sdk.h"))
    statuses = re.findall(r'X\((E[A-Z]+), (-\d+), "([^"]*)"\)', header)
    check(len(statuses) >= 9, "UH_STATUS_MAP not found in uh_sdk.h")
    rows = table_rows(errors)
    by_name = {r[0].strip("`"): r for r in rows if r and r[0].startswith("`UH_")}
    for name, value, msg in statuses:
        r = by_name.get("UH_" + name)
        if not check(r is not None, "docs/errors.md: no row for UH_%s" % name):
            continue
        eq(r[1], value, "docs/errors.md: value of UH_%s" % name)
        eq(r[2], msg, "docs/errors.md: message of UH_%s" % name)
    # The exit-code table: the same lines as docs/cli.md's.
    def exit_lines(text):
        sec = section(text, "Exit codes")
        return [ln for ln in (sec or "").splitlines() if re.match(r"^\| \d+ \| ", ln)]
    mine, cli = exit_lines(errors), exit_lines(read(os.path.join(DOCS, "cli.md")))
    check(len(mine) >= 9, "docs/errors.md: no '## Exit codes' table of '| N | meaning |' lines")
    eq(mine, cli, "docs/errors.md exit-code lines vs docs/cli.md")
    code, out, _ = uhtest.run("help", "exit-codes")
    binary = ["| %s | %s |" % m for m in re.findall(r"^\s+(\d+)  (.*)$", out, re.M)]
    eq(mine, binary, "docs/errors.md exit-code lines vs `uberhost help exit-codes`")
    # Every status, failed on purpose: the exit code the status table gives.
    d = uhtest.scratch("docs_errors")
    g = os.path.join(d, "g.json")
    with open(g, "w") as f:
        f.write('{"uberhost": 1, "nodes": {"f": {"type": "docs.fail"}}}\n')
    so = os.path.join(plugin_dir, "docs_fail.so")
    for name, value, msg in statuses:
        r = by_name.get("UH_" + name)
        if r is None or len(r) < 4:
            continue
        for silent in ("false", "true"):
            code, out, err = uhtest.run("run", "g.json", "--plugin-path", plugin_dir,
                                        "--set", "f.status=UH_" + name, "--set", "f.silent=" + silent, cwd=d)
            eq(str(code), r[3], "exit code of a node failing with UH_%s (docs/errors.md says %s)" % (name, r[3]))
            text = ("failing with UH_%s" % name) if silent == "false" else msg
            eq(err, "uberhost: g.json: /nodes/f (docs.fail, %s): %s\n" % (so, text),
               "message of a node failing with UH_%s (silent %s)" % (name, silent))


def case_guide():
    import shutil
    import subprocess
    cc = shutil.which("cc")
    if not cc:
        print("skipped: no cc")
        sys.exit(77)
    guide = read(os.path.join(DOCS, "plugin-guide.md"))
    blocks = re.findall(r"<!-- acme_more.c -->\n```c\n(.*?)```", guide, re.S)
    check(len(blocks) >= 5, "docs/plugin-guide.md: found %d acme_more.c blocks" % len(blocks))
    m = re.search(r"`acme.json` uses all four node types:\n\n```json\n(.*?)```", guide, re.S)
    if not check(m is not None, "docs/plugin-guide.md: no acme.json block"):
        uhtest.done()
    d = uhtest.scratch("docs_guide")
    src = os.path.join(d, "acme_more.c")
    with open(src, "w") as f:
        f.write("".join(blocks))
    os.makedirs(os.path.join(d, "myplugins"))
    p = subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-fPIC",
                        "-shared", "-I" + os.path.join(SRC, "sdk", "include"), src,
                        "-o", os.path.join(d, "myplugins", "acme_more.so")], capture_output=True, text=True)
    if not eq(p.returncode, 0, "cc acme_more.c from the guide: %s" % p.stderr):
        uhtest.done()
    g = json.loads(m.group(1))
    eq(sorted(n["type"] for n in g["nodes"].values() if n["type"].startswith("acme.")),
       ["acme.flipv", "acme.gain", "acme.halves", "acme.raw_save"], "node types acme.json uses")
    # A reference copy of the source, to compute what the nodes must write.
    g["nodes"]["ref"] = {"type": "png.save", "params": {"path": "out/src.png"}, "inputs": {"image": "src"}}
    with open(os.path.join(d, "acme.json"), "w") as f:
        json.dump(g, f)
    raws = []
    for t in ("1", "4"):
        code, out, err = uhtest.run("run", "acme.json", "--plugin-path", "myplugins", "--threads", t, cwd=d)
        eq((code, err), (0, ""), "acme.json at --threads %s" % t)
        with open(os.path.join(d, "out", "acme.rgb"), "rb") as f:
            raws.append(f.read())
    eq(raws[0] == raws[1], True, "out/acme.rgb the same at --threads 1 and 4")
    ref = uhtest.read_png(os.path.join(d, "out", "src.png"))
    gain = g["nodes"]["bright"]["params"]["gain"]
    lut = [min(255, int(v * gain + 0.5)) for v in range(256)]
    want = bytes(lut[v] for row in reversed(ref.pixels) for v in row)
    eq(len(raws[0]), ref.width * ref.height * ref.channels, "size of out/acme.rgb")
    check(raws[0] == want, "out/acme.rgb is not gain(%s) of the source, upside down" % gain)
    png = uhtest.read_png(os.path.join(d, "out", "acme.png"))
    check(bytes(v for row in png.pixels for v in row) == want, "out/acme.png differs from out/acme.rgb")
    # acme.halves: 96x64, 48x32, ... 1x1, nearest (pixel (2^i x, 2^i y)).
    w, h, i = ref.width, ref.height, 0
    while True:
        lv = uhtest.read_png(os.path.join(d, "out", "halves", "level_%d.png" % i))
        eq((lv.width, lv.height), (w, h), "size of out/halves/level_%d.png" % i)
        ok = all(lv.at(x, y, c) == ref.at(min(x << i, ref.width - 1), min(y << i, ref.height - 1), c)
                 for y in range(lv.height) for x in range(lv.width) for c in range(3))
        check(ok, "out/halves/level_%d.png is not the nearest subsample" % i)
        if w == 1 and h == 1:
            break
        w, h, i = max(1, w // 2), max(1, h // 2), i + 1
    check(not os.path.exists(os.path.join(d, "out", "halves", "level_%d.png" % (i + 1))), "one level too many")


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else ""
    if case == "nodes":
        case_nodes()
    elif case == "graphs":
        case_graphs()
    elif case == "index":
        case_index()
    elif case == "guide":
        case_guide()
    elif case == "errors":
        case_errors(sys.argv[2])
    else:
        print("usage: test_docs.py nodes|graphs|index|guide|errors [plugin dir]", file=sys.stderr)
        sys.exit(2)
    uhtest.done()


main()
