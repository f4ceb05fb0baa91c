"""Plugin refusals: one broken plugin per case, each refused with one exact
line naming the file and both versions where they matter, exit code 5."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ["UH_SRC"], "tests", "support"))
import uhtest as t

broken = os.path.join(t.BUILD, "tests", "plugins", "broken")
sdk = "1.0"


def so(case):
    return os.path.join(broken, case, case + ".so")


cases = {
    "wrong_major": "%s: built for SDK 2.0, this uberhost provides SDK %s" % (so("wrong_major"), sdk),
    "newer_minor": "%s: built for SDK 1.3, this uberhost provides SDK %s" % (so("newer_minor"), sdk),
    "no_entry": "%s: no symbol 'uh_plugin_entry' (is it declared extern \"C\" and exported?)" % so("no_entry"),
    "null_desc": "%s: uh_plugin_entry() returned NULL" % so("null_desc"),
    "short_struct": "%s: plugin descriptor too small (struct_size 4)" % so("short_struct"),
    "init_fails": "%s: init failed: needs a GPU, none found" % so("init_fails"),
    # Loaded in a child first: the crash and the exit stay there.
    "crash_ctor": "%s: crashed during load (signal 11, Segmentation fault)" % so("crash_ctor"),
    "exit_init": "%s: exited with status 3 during load (a plugin must never exit the process)" % so("exit_init"),
}
for case, line in cases.items():
    if t.SANITIZED and case == "crash_ctor":
        # AddressSanitizer catches the SIGSEGV in the child, reports it and
        # exits 1: the child still dies alone, with another last line.
        c, out, err = t.run("list", "--plugin-path", os.path.join(broken, case))
        t.eq(c, 5, "crash_ctor exit code under sanitizers")
        t.check(err.rstrip().endswith(so(case) + ": exited with status 1 during load "
                                      "(a plugin must never exit the process)"),
                "crash_ctor message under sanitizers: %r" % err[-300:])
        continue
    t.expect(["list", "--plugin-path", os.path.join(broken, case)], 5,
             stderr="uberhost: " + line + "\n")

# A node type id provided twice: the second plugin is refused and names the
# first. The example plugin comes first on the path.
c, out, err = t.run("list", "--plugin-path",
                    t.PLUGINS + ":" + os.path.join(broken, "dup_id"))
t.eq(c, 5, "duplicate id exit code")
t.eq(err, "uberhost: %s: node type 'example.invert' is already provided by %s\n"
     % (so("dup_id"), os.path.join(t.PLUGINS, "example.so")), "duplicate id message")

# An undefined symbol: dlopen(RTLD_NOW) refuses with dlerror's text, which
# names the symbol.
c, out, err = t.run("list", "--plugin-path", os.path.join(broken, "undefined_symbol"))
t.eq(c, 5, "undefined symbol exit code")
t.check(err.startswith("uberhost: %s: cannot load: " % so("undefined_symbol")),
        "undefined symbol message starts with the file: %r" % err)
t.check("uh_test_symbol_that_does_not_exist" in err, "undefined symbol named: %r" % err)
t.eq(err.count("\n"), 1, "one line")

# Not an ELF file, and an empty one.
d = t.scratch()
open(os.path.join(d, "text.so"), "w").write("not a shared object\n")
c, out, err = t.run("list", "--plugin-path", d)
t.eq(c, 5, "non-ELF exit code")
t.check(err.startswith("uberhost: %s/text.so: cannot load: " % d), "non-ELF message: %r" % err)

# The good plugins load and a graph that uses a refused plugin's type is
# never reached: refusal stops at load.
c, out, err = t.run("list")
t.eq(c, 0, "good plugins load")
t.check("example.invert" in out, "example listed")
t.done()
