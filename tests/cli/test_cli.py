"""The command line itself: usage errors, version, help, exit-code list,
list/describe output, and the exit codes of bad options (1)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ["UH_SRC"], "tests", "support"))
import uhtest as t

c, out, err = t.run("version")
t.eq(c, 0, "version exit")
t.check(re.fullmatch(r"uberhost \d+\.\d+\.\d+ \(SDK 1\.0\.\d+\)\n", out), "version text %r" % out)

c, out, err = t.run()
t.eq(c, 1, "no command is a usage error")
t.check(err.startswith("usage: uberhost <command>"), "usage on stderr")

t.expect(["frobnicate"], 1, stderr="uberhost: unknown command 'frobnicate'\nTry 'uberhost --help'.\n")
t.expect(["run", "--threads", "0"], 1, stderr="uberhost: --threads: expected 1 to 64, got '0'\nTry 'uberhost --help'.\n")
t.expect(["run", "--bogus"], 1, stderr="uberhost: unknown option '--bogus'\nTry 'uberhost --help'.\n")
t.expect(["run", "--memory-limit", "lots"], 1, stderr="uberhost: --memory-limit: not a size: 'lots'\nTry 'uberhost --help'.\n")
t.expect(["run", "--stats=xml"], 1, stderr="uberhost: --stats: expected text or json, got 'xml'\nTry 'uberhost --help'.\n")

for cmd in ("run", "check", "plan", "list", "describe"):
    c, out, err = t.run(cmd, "--help")
    t.eq(c, 0, cmd + " --help exit")
    t.check(out.startswith("usage: uberhost " + cmd), cmd + " --help text: %r" % out[:40])

# The exit-code list printed by the binary is the one in docs/cli.md.
c, out, err = t.run("help", "exit-codes")
t.eq(c, 0, "help exit-codes")
codes = re.findall(r"^\s+(\d+)  (.*)$", out, re.M)
t.eq([int(x) for x, _ in codes], [0, 1, 2, 3, 4, 5, 6, 7, 70], "exit codes listed")
doc = open(os.path.join(t.SRC, "docs", "cli.md")).read()
for num, text in codes:
    t.check("| %s | %s |" % (num, text) in doc, "docs/cli.md lists exit code %s as %r" % (num, text))

# list --json and describe agree with the descriptors.
c, out, err = t.run("list", "--json")
t.eq(c, 0, "list --json")
types = {x["id"]: x for x in json.loads(out)}
inv = types["example.invert"]
t.eq(inv["plugin"], "example", "plugin name")
t.eq(inv["kind"], "strip", "example is a strip node")
t.eq([p["name"] for p in inv["params"]], ["amount"], "params")
t.eq(inv["params"][0]["default"], 1, "amount default")
t.eq((inv["params"][0]["min"], inv["params"][0]["max"]), (0, 1), "amount range")

c, out, err = t.run("describe", "example.invert")
t.eq(c, 0, "describe exit")
t.check(out.startswith("example.invert: Invert colour channels"), "describe header %r" % out[:60])
t.check("  amount         number   default 1, in [0, 1]\n" in out, "describe param line: %r" % out)
t.expect(["describe", "example.invertt"], 1,
         stderr="uberhost: unknown node type 'example.invertt' (did you mean 'example.invert'?)\n")
t.done()
