/* uberhost SDK: the one header a plugin includes.
 *
 * A plugin is a shared object that exports one function, uh_plugin_entry(),
 * returning a descriptor (uh_plugin) stamped with the SDK version it was
 * built against. The descriptor lists node types (uh_node_type); each node
 * type declares its ports and parameters as data, so the host parses,
 * checks and documents graphs without calling the plugin. The host hands
 * the plugin a table of services (uh_host) in init(); every service takes
 * the uh_ctx of the call it is made from, which names the run and the node,
 * so memory is counted per node and errors name their node.
 *
 * Thread tags on every function pointer (see docs/threading.md):
 *   [load]    while the host loads or unloads the plugin; never concurrent
 *             with any other call into the same shared object.
 *   [main]    on the host's scheduler thread; never concurrent with another
 *             [main] call of the same run.
 *   [worker]  on a thread-pool thread while a node runs; calls for different
 *             nodes may overlap; calls for one node overlap only as the
 *             node type's `threading` field allows.
 *   [any]     from any thread, concurrently.
 *
 * Version policy. Same major: binary compatible. A minor release only
 * appends fields at the end of tables and adds extensions; it never moves,
 * removes or reuses a field. The host refuses a plugin built for another
 * major, or for a newer minor than its own (the plugin may read host fields
 * this host lacks). Tables from an older minor are read through
 * UH_HAS_FIELD, and a field a plugin leaves out reads as zero, which always
 * means "the default".
 */
#ifndef UH_SDK_H
#define UH_SDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions                                                                 */

#define UH_SDK_VERSION_MAJOR 1
#define UH_SDK_VERSION_MINOR 0
#define UH_SDK_VERSION_PATCH 0
#define UH_SDK_VERSION_HEX                                                     \
    ((UH_SDK_VERSION_MAJOR << 16) | (UH_SDK_VERSION_MINOR << 8) |              \
     UH_SDK_VERSION_PATCH)

#if defined(__GNUC__)
#define UH_EXPORT       __attribute__((visibility("default")))
#define UH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define UH_EXPORT
#define UH_PRINTF(f, a)
#endif

typedef struct uh_version {
    uint16_t major;
    uint16_t minor;
} uh_version;
/* clang-format off */
#define UH_SDK_VERSION_INIT {UH_SDK_VERSION_MAJOR, UH_SDK_VERSION_MINOR}
/* clang-format on */

/* Nonzero when table `p`, whose first member is `struct_size`, was built
 * with a definition of `type` recent enough to contain `field`. */
#define UH_HAS_FIELD(p, type, field)                                           \
    ((p)->struct_size >=                                                       \
     offsetof(type, field) + sizeof(((const type *)0)->field))

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */

/* 0 is success, negative is failure. One list feeds both the constants and
 * the host's messages (uh_host.status_str), so they cannot drift apart. */
#define UH_STATUS_MAP(X)                                                       \
    X(EINVAL, -1, "invalid argument")                                          \
    X(ENOMEM, -2, "out of memory")                                             \
    X(ELIMIT, -3, "limit exceeded")                                            \
    X(ECORRUPT, -4, "corrupt or truncated input")                              \
    X(EUNSUPPORTED, -5, "unsupported input")                                   \
    X(EIO, -6, "input/output error")                                           \
    X(ECANCELED, -7, "canceled")                                               \
    X(EINTERNAL, -8, "internal error")                                         \
    X(EWRITE, -9, "output could not be written")

enum {
    UH_OK = 0,
#define UH__STATUS_ENUM(name, value, msg) UH_##name = (value),
    UH_STATUS_MAP(UH__STATUS_ENUM)
#undef UH__STATUS_ENUM
};
typedef int32_t uh_status; /* fixed width: enums have no ABI-stable size */

/* ------------------------------------------------------------------------ */
/* Images                                                                   */

/* Sample types. */
enum {
    UH_SAMPLE_U8 = 1,  /* 0..255 */
    UH_SAMPLE_U16 = 2, /* 0..65535, native byte order */
    UH_SAMPLE_F32 = 3, /* IEEE float, nominal range 0..1 */
};

/* Colour-space tags: how to read the colour channels. Alpha is always
 * linear coverage. */
enum {
    UH_SPACE_SRGB = 0,   /* sRGB transfer curve (the default) */
    UH_SPACE_LINEAR = 1, /* linear light, sRGB primaries */
    UH_SPACE_DATA = 2,   /* not colour: normals, heights, masks */
};

/* uh_image_info.flags */
#define UH_IMAGE_PREMULTIPLIED 0x1u /* colour is multiplied by alpha */

/* The geometry and format of an image. A plain value, frozen for major 1.
 * Channels are interleaved: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
typedef struct uh_image_info {
    uint32_t width;    /* pixels, >= 1 */
    uint32_t height;   /* pixels, >= 1 */
    uint32_t channels; /* 1..4 */
    uint32_t sample;   /* UH_SAMPLE_* */
    uint32_t space;    /* UH_SPACE_* */
    uint32_t flags;    /* UH_IMAGE_* */
    uint32_t level_x;  /* place in a list: mip level, or ripmap column i */
    uint32_t level_y;  /* ripmap row j; equal to level_x in a mip chain */
} uh_image_info;

/* An image whose pixels are in memory. Owned by the host; the pointers are
 * valid for the duration of the call that obtained the image. */
typedef struct uh_image {
    uint32_t struct_size; /* sizeof(uh_image) in the host's build */
    uh_image_info info;
    size_t stride; /* bytes from one row to the next, >= width * pixel size */
    uint8_t *data; /* row 0; read-only for inputs */
} uh_image;

/* A band of rows: rows [y, y + n) of an image, row r at data + r * stride
 * where r counts from y. Owned by the host. */
typedef struct uh_rows {
    uint32_t y;
    uint32_t n;
    size_t stride;
    uint8_t *data;
} uh_rows;

/* Bytes per sample of a UH_SAMPLE_* type, 0 for an unknown type. */
static inline uint32_t uh_sample_size(uint32_t sample)
{
    return sample == UH_SAMPLE_U8    ? 1u
           : sample == UH_SAMPLE_U16 ? 2u
           : sample == UH_SAMPLE_F32 ? 4u
                                     : 0u;
}

/* Bytes per pixel of an image info. */
static inline uint32_t uh_pixel_size(const uh_image_info *info)
{
    return info->channels * uh_sample_size(info->sample);
}

/* Checked multiplication for sizes: stores a * b in *out and returns 1, or
 * returns 0 and leaves *out alone when the product overflows size_t. */
static inline int uh_mul_size(size_t *out, size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Ports and parameters, declared as data                                   */

/* Port value types. */
enum {
    UH_PORT_IMAGE = 1,      /* one image */
    UH_PORT_IMAGE_LIST = 2, /* a list of images: a mip chain, a ripmap set */
    UH_PORT_NUMBER = 3,     /* double */
    UH_PORT_INTEGER = 4,    /* int64_t */
    UH_PORT_BOOL = 5,       /* 0 or 1 */
    UH_PORT_STRING = 6,     /* UTF-8 text */
    UH_PORT_BLOB = 7,       /* opaque bytes */
};

/* uh_port_desc.flags */
#define UH_PORT_OPTIONAL 0x1u /* an input that may be left unconnected */

/* One input or output of a node type. Owned by the plugin, valid until
 * fini() returns. */
typedef struct uh_port_desc {
    uint32_t struct_size; /* sizeof(uh_port_desc) in the plugin's build */
    const char *name;     /* "image"; [a-z0-9_]+ */
    uint32_t type;        /* UH_PORT_* */
    uint32_t flags;       /* UH_PORT_* flags */
    const char *doc;      /* one line for `uberhost describe` */
} uh_port_desc;

/* Parameter types. */
enum {
    UH_PARAM_NUMBER = 1,  /* double */
    UH_PARAM_INTEGER = 2, /* int64_t; JSON numbers with no fraction */
    UH_PARAM_BOOL = 3,    /* JSON true/false */
    UH_PARAM_STRING = 4,  /* UTF-8 text */
    UH_PARAM_ENUM = 5,    /* one of `values`; read as its index */
    UH_PARAM_NUMBERS = 6, /* JSON array of numbers (a colour, stops) */
};

/* uh_param_desc.flags */
#define UH_PARAM_REQUIRED    0x1u /* no default: the graph must set it */
#define UH_PARAM_RANGE       0x2u /* [min, max] applies (to each element) */
#define UH_PARAM_INPUT_FILE  0x4u /* a path the node reads */
#define UH_PARAM_OUTPUT_FILE 0x8u /* a path the node writes */

/* One parameter of a node type. Owned by the plugin, valid until fini()
 * returns. The host fills in defaults, checks types and ranges, applies
 * `--set` overrides and prints `describe` from this, before the plugin
 * sees a value. */
typedef struct uh_param_desc {
    uint32_t struct_size; /* sizeof(uh_param_desc) in the plugin's build */
    const char *name;     /* "width"; [a-z0-9_]+ */
    uint32_t type;        /* UH_PARAM_* */
    uint32_t flags;       /* UH_PARAM_* flags */
    double def;           /* default of number, integer and bool */
    const char *def_text; /* default of string and enum; of numbers as a
                             JSON array such as "[0, 0, 0, 1]"; NULL = "" */
    double min;           /* with UH_PARAM_RANGE: inclusive bounds */
    double max;
    const char *const *values; /* enum: NULL-terminated names */
    uint32_t min_count;        /* numbers: fewest elements (0: no bound) */
    uint32_t max_count;        /* numbers: most elements (0: no bound) */
    const char *doc;           /* one line for `uberhost describe` */
} uh_param_desc;

/* A parameter or scalar value as the host hands it over. Owned by the
 * host, valid until the node finishes. */
typedef struct uh_value {
    uint32_t type;         /* UH_PARAM_* for params, UH_PORT_* for ports */
    uint32_t count;        /* numbers: elements; string, blob: bytes */
    int64_t integer;       /* integer, bool, enum index */
    double number;         /* number (integer and bool also set it) */
    const char *string;    /* string and enum text, NUL-terminated */
    const double *numbers; /* numbers: `count` elements */
    const void *bytes;     /* blob: `count` bytes */
} uh_value;

/* ------------------------------------------------------------------------ */
/* The host                                                                 */

/* How long an allocation is expected to live; the host picks the backing. */
enum {
    UH_LIFE_TEMP = 0,  /* scratch: a row, a kernel table */
    UH_LIFE_NODE = 1,  /* until the current node finishes */
    UH_LIFE_IMAGE = 2, /* as long as the image value it backs */
};
typedef uint32_t uh_lifetime;

/* Log levels. */
enum {
    UH_LOG_DEBUG = 0,
    UH_LOG_INFO = 1,
    UH_LOG_WARN = 2,
};

typedef struct uh_ctx uh_ctx;   /* one node execution in one run */
typedef struct uh_file uh_file; /* a file opened through the host */

/* Services the host gives every plugin. Owned by the host, valid from
 * init() until fini() returns. Every `ctx` is the one the host passed to
 * the calling callback (or to the parallel_for body); using it after that
 * callback returned is undefined. */
typedef struct uh_host {
    uint32_t struct_size; /* sizeof(uh_host) in the host's build */
    uh_version sdk;       /* SDK version the host implements */
    const char *name;     /* "uberhost" */
    const char *version;  /* host version, "0.1.0" */

    /* -- memory ---------------------------------------------------------- */

    /* Allocates `size` bytes from the current run's allocator, counted for
     * the node of `ctx`. `align` is 0 (meaning 16) or a power of two up to
     * 4096. Returns NULL on failure after recording UH_ENOMEM or UH_ELIMIT
     * (with the sizes) on ctx, so the plugin may simply return
     * host->last_status(ctx); never aborts. Blocks still live when the run
     * ends are reported by node, then freed. [any] */
    void *(*alloc)(uh_ctx *ctx, size_t size, size_t align, uh_lifetime life);

    /* Frees a block from alloc(). `size` must be the size it was allocated
     * with. NULL is a no-op. [any] */
    void (*free)(uh_ctx *ctx, void *ptr, size_t size);

    /* -- diagnostics ----------------------------------------------------- */

    /* Records why the current call fails and returns `status`, so a plugin
     * writes `return host->fail(ctx, UH_ECORRUPT, "bad chunk %u", n);`.
     * The host prefixes the node id, its type and the plugin file. The
     * first failure recorded on a node wins. [any] */
    uh_status (*fail)(uh_ctx *ctx, uh_status status, const char *fmt, ...)
        UH_PRINTF(3, 4);

    /* The status most recently recorded on ctx by fail() or a failing host
     * call, UH_OK if none. [any] */
    uh_status (*last_status)(uh_ctx *ctx);

    /* Writes one line to the run's log, prefixed with the node. [any] */
    void (*log)(uh_ctx *ctx, uint32_t level, const char *fmt, ...)
        UH_PRINTF(3, 4);

    /* Reports that a fraction in [0, 1] of the node's work is done.
     * Returns nonzero once the run is being canceled; the node should then
     * return UH_ECANCELED soon. [worker] */
    int (*progress)(uh_ctx *ctx, double fraction);

    /* Returns nonzero once the run is being canceled. [any] */
    int (*is_canceled)(uh_ctx *ctx);

    /* The message for a status code ("out of memory"). Owned by the host,
     * static. [any] */
    const char *(*status_str)(uh_status status);

    /* -- threads --------------------------------------------------------- */

    /* Calls fn(arg, ctx2, i) for every i in [0, n) on the host's pool and
     * returns when all calls have; ctx2 is a context for that call (use it,
     * not ctx, for host calls inside fn). Returns UH_OK or the failure of
     * the lowest i that failed. How the range is split among threads never
     * changes the result. [worker] */
    uh_status (*parallel_for)(uh_ctx *ctx, uint32_t n,
                              uh_status (*fn)(void *arg, uh_ctx *ctx2,
                                              uint32_t i),
                              void *arg);

    /* Worker threads the run uses, >= 1. [any] */
    uint32_t (*thread_count)(uh_ctx *ctx);

    /* -- parameters and inputs ------------------------------------------- */

    /* The value of parameter `name`, default filled in and already checked
     * against its descriptor. NULL only if the type declares no such
     * parameter. Owned by the host, valid until the node finishes. [any] */
    const uh_value *(*param)(uh_ctx *ctx, const char *name);

    /* Number of images on input `port` (1 for an image port, the list
     * length for a list port, 0 for an unconnected optional input). [any] */
    uint32_t (*input_count)(uh_ctx *ctx, uint32_t port);

    /* Geometry of image `index` on input `port`; NULL when out of range.
     * Available from prepare() on. Owned by the host. [any] */
    const uh_image_info *(*input_info)(uh_ctx *ctx, uint32_t port,
                                       uint32_t index);

    /* The pixels of image `index` on input `port`, for whole nodes in
     * process(). Stores the image in *out (owned by the host, read-only,
     * valid until process() returns) or fails leaving *out alone. [worker] */
    uh_status (*input_image)(uh_ctx *ctx, uint32_t port, uint32_t index,
                             const uh_image **out);

    /* Rows [y, y + n) of the image on input `port`, for strip nodes in
     * rows(). The band must lie inside the image. Fills *out (read-only,
     * valid until the next input_rows() on the same port and ctx, or until
     * rows() returns). [worker] */
    uh_status (*input_rows)(uh_ctx *ctx, uint32_t port, uint32_t y, uint32_t n,
                            uh_rows *out);

    /* A scalar or blob on input `port`; NULL when unconnected. [any] */
    const uh_value *(*input_value)(uh_ctx *ctx, uint32_t port);

    /* -- outputs --------------------------------------------------------- */

    /* Declares image `index` of output `port` (index 0 for an image port;
     * 0, 1, ... in order for a list port). Only in prepare(). Checks the
     * geometry against the run's limits. [main] */
    uh_status (*set_output)(uh_ctx *ctx, uint32_t port, uint32_t index,
                            const uh_image_info *info);

    /* The buffer of declared image `index` of output `port`, for whole
     * nodes in process(); allocated by the host on first call (budgeted,
     * spilled when over the budget), to be filled by the plugin. Stores it
     * in *out (owned by the host, valid until process() returns) or fails
     * leaving *out alone. [worker] */
    uh_status (*output_image)(uh_ctx *ctx, uint32_t port, uint32_t index,
                              uh_image **out);

    /* Sets scalar or blob output `port`; the host copies the value. [any] */
    uh_status (*set_output_value)(uh_ctx *ctx, uint32_t port,
                                  const uh_value *value);

    /* -- files ----------------------------------------------------------- */

    /* Opens `path` for reading. Stores the file in *out or fails (with a
     * message naming the path) leaving *out alone. Close with
     * file_close(). [worker, main] */
    uh_status (*file_open_read)(uh_ctx *ctx, const char *path, uh_file **out);

    /* Reads up to `size` bytes; stores the count in *got (0 at the end of
     * the file). [worker, main] */
    uh_status (*file_read)(uh_ctx *ctx, uh_file *f, void *buf, size_t size,
                           size_t *got);

    /* Total size in bytes of a file opened for reading. [any] */
    uint64_t (*file_size)(uh_ctx *ctx, uh_file *f);

    /* Opens output `path` for writing. The bytes go to a temporary file in
     * the same directory; the host renames it over `path` only when the
     * whole run succeeds, and removes it otherwise, so no reader ever sees
     * a partial output. [worker] */
    uh_status (*file_open_write)(uh_ctx *ctx, const char *path, uh_file **out);

    /* Writes all `size` bytes or fails (UH_EWRITE, with the errno text).
     * [worker] */
    uh_status (*file_write)(uh_ctx *ctx, uh_file *f, const void *buf,
                            size_t size);

    /* Closes a file. For a written file it flushes and syncs it; a failure
     * there is returned and the output is dropped. Always releases `f`.
     * [worker, main] */
    uh_status (*file_close)(uh_ctx *ctx, uh_file *f);

    /* -- node state ------------------------------------------------------ */

    /* A pointer the plugin keeps for the node between prepare(), process()
     * or rows(), and cleanup(). Owned by the plugin. [any] */
    void (*set_user)(uh_ctx *ctx, void *user);
    void *(*get_user)(uh_ctx *ctx);

    /* -- extensions ------------------------------------------------------ */

    /* Optional service by versioned id, e.g. UH_EXT_FILE_AT from
     * <uberhost/ext/file-at.h>; NULL when the host lacks it. Owned by the
     * host, valid until fini(). [any] */
    const void *(*get_extension)(const struct uh_host *host, const char *id);
} uh_host;

/* ------------------------------------------------------------------------ */
/* Node types                                                               */

/* Which [worker] calls of one node type may overlap (OpenFX's render
 * thread safety). Zero, the default, is the safest. For strip nodes this
 * governs start() and stop(); rows() calls with different `seq` may always
 * overlap unless the type sets UH_STRIP_SEQUENTIAL, and calls with the same
 * `seq` never do. */
enum {
    UH_THREADS_INSTANCE = 0, /* one call at a time per node */
    UH_THREADS_TYPE = 1,     /* one call at a time across all its nodes */
    UH_THREADS_SHARED = 2,   /* concurrent calls on one node are fine */
};

/* uh_node_type.strip_flags */

/* rows() must be asked for in order, top to bottom, one band at a time:
 * decoders, encoders. */
#define UH_STRIP_SEQUENTIAL 0x1u

/* rows() may read input rows in any order (a vertical flip, a wrap-around
 * edge): the host then feeds it from stored images, never from a stream.
 * Without this flag rows() must read each input top to bottom within a
 * band, and a band never starts above the band before it. */
#define UH_STRIP_RANDOM_ACCESS 0x2u

/* One kind of node a plugin provides. Owned by the plugin, valid until
 * fini() returns.
 *
 * A node is written one of two ways.
 *
 * Whole: process() reads whole input images (input_image) and fills whole
 * outputs (output_image) in one call. Easiest to write.
 *
 * Strip: the node has at most one image output (port 0). prepare()
 * declares its geometry; then each worker thread calls start() once to
 * make its own state, rows() any number of times to produce bands of
 * output rows (reading the input rows it needs with input_rows()), and
 * stop() once. A strip node with no image output is a sink: rows() is
 * then called in order, top to bottom, with `out` NULL, once each band of
 * its input port 0 is ready, and reads the band with input_rows(). The
 * host fuses chains of strip nodes so a decode-filter-encode chain never
 * holds a whole image.
 */
typedef struct uh_node_type {
    uint32_t struct_size; /* sizeof(uh_node_type) in the plugin's build */
    const char *id;       /* unique, "png.load", "resize"; [a-z0-9_.]+ */
    const char *summary;  /* one line for `uberhost list` */
    uint32_t threading;   /* UH_THREADS_* */

    const uh_port_desc *const *inputs;  /* NULL-terminated; NULL = none */
    const uh_port_desc *const *outputs; /* NULL-terminated; NULL = none */
    const uh_param_desc *const *params; /* NULL-terminated; NULL = none */

    /* Reads parameters and input geometry and declares every output with
     * set_output() / set_output_value(). No pixels are available yet. May
     * keep state with set_user(). [main] */
    uh_status (*prepare)(uh_ctx *ctx);

    /* Whole node: produces all outputs. NULL for a strip node. [worker] */
    uh_status (*process)(uh_ctx *ctx);

    /* Strip node: makes one worker's state in *seq (NULL is fine). [worker] */
    uh_status (*start)(uh_ctx *ctx, void **seq);

    /* Strip node: fills rows out->y .. out->y + out->n - 1 of output port
     * 0 (row r at out->data + (r - out->y) * out->stride). For a sink
     * out->data is NULL and out->y, out->n name the band of input port 0
     * that is ready to be read with input_rows(). [worker] */
    uh_status (*rows)(uh_ctx *ctx, void *seq, uh_rows *out);

    /* Strip node: releases one worker's state. Called once for every
     * successful start(), also when the run fails. [worker] */
    void (*stop)(uh_ctx *ctx, void *seq);

    /* Strip node: UH_STRIP_* flags. */
    uint32_t strip_flags;

    /* Strip node: how many input rows above and below the band rows()
     * reads, beyond the rows that map onto it (a 5-tap vertical filter
     * says 2). A hint for the host's row cache; 0 is fine. */
    uint32_t support;

    /* Called once after the node finished, failed or was skipped, when
     * prepare() had succeeded; frees what prepare() kept. NULL = nothing
     * to do. [main] */
    void (*cleanup)(uh_ctx *ctx);

    /* Whole node that finishes its output files itself (a sink): when
     * nonzero the host runs it even when no other node consumes its
     * outputs. Strip sinks are always run. */
    uint32_t is_sink;
} uh_node_type;

/* ------------------------------------------------------------------------ */
/* The plugin                                                               */

/* What the entry point returns. The first two members keep this layout in
 * every SDK version, so any host can say which SDK a plugin needs. */
typedef struct uh_plugin {
    uint32_t struct_size; /* sizeof(uh_plugin) in the plugin's build */
    uh_version sdk;       /* UH_SDK_VERSION_INIT: the SDK it was built with */
    const char *name;     /* "png" */
    const char *version;  /* the plugin's own version, "1.0.0" */

    /* First call after loading; keep `host` (valid until fini() returns).
     * On failure the host unloads the plugin without calling fini(), and
     * reports the message given with host->fail(NULL, ...) if any. [load] */
    uh_status (*init)(const uh_host *host);

    /* Last call before unloading; only after a successful init(). [load] */
    void (*fini)(void);

    const uh_node_type *const *node_types; /* NULL-terminated */
} uh_plugin;

/* The one symbol a plugin defines and exports; the host finds it with
 * dlsym(UH_PLUGIN_ENTRY). Returns a pointer owned by the plugin, valid
 * until the plugin is unloaded. [load] */
#define UH_PLUGIN_ENTRY "uh_plugin_entry"
typedef const uh_plugin *(*uh_plugin_entry_fn)(void);
UH_EXPORT const uh_plugin *uh_plugin_entry(void);

#if !defined(__cplusplus)
_Static_assert(offsetof(uh_plugin, sdk) == 4 && sizeof(uh_version) == 4,
               "frozen header moved");
#endif

/* ------------------------------------------------------------------------ */
/* Small helpers for plugin authors                                         */

/* Integer value of parameter `name`, 0 if the type declares none. */
static inline int64_t uh_param_int(const uh_host *host, uh_ctx *ctx,
                                   const char *name)
{
    const uh_value *v = host->param(ctx, name);
    return v ? v->integer : 0;
}

/* Number value of parameter `name`, 0 if the type declares none. */
static inline double uh_param_num(const uh_host *host, uh_ctx *ctx,
                                  const char *name)
{
    const uh_value *v = host->param(ctx, name);
    return v ? v->number : 0.0;
}

/* String value of parameter `name`, "" if the type declares none. */
static inline const char *uh_param_str(const uh_host *host, uh_ctx *ctx,
                                       const char *name)
{
    const uh_value *v = host->param(ctx, name);
    return v && v->string ? v->string : "";
}

#ifdef __cplusplus
}
#endif

#endif /* UH_SDK_H */
