/* The CLI's exit codes: one list feeds the constants, the usage text and
 * docs/cli.md (`uberhost help exit-codes` prints them). */
#ifndef UH_EXITCODE_H
#define UH_EXITCODE_H

#define UH_EXIT_MAP(X)                                                         \
    X(OK, 0, "success")                                                        \
    X(USAGE, 1, "bad command line")                                            \
    X(GRAPH, 2, "invalid graph: nothing ran")                                  \
    X(DECODE, 3,                                                               \
      "an input could not be decoded (corrupt, truncated, "                    \
      "unsupported)")                                                          \
    X(LIMIT, 4,                                                                \
      "a limit was hit (memory budget, pixels, dimensions, spill "             \
      "space, graph size)")                                                    \
    X(PLUGIN, 5, "a plugin was refused or failed to load, or a node failed")   \
    X(WRITE, 6, "an output could not be written")                              \
    X(CANCELED, 7, "cancelled (Ctrl-C, SIGTERM) or past a deadline")           \
    X(INTERNAL, 70, "internal error")

enum {
#define UH__EXIT_ENUM(name, value, msg) EXIT_##name = (value),
    UH_EXIT_MAP(UH__EXIT_ENUM)
#undef UH__EXIT_ENUM
};

#endif
