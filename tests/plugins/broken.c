/* Deliberately broken plugins, one per refusal the host must make. Built
 * once per case with -DBROKEN_<CASE>; each lands in its own directory so a
 * test can point --plugin-path at exactly one of them. */
#include <stddef.h>
#include <uberhost/uh_sdk.h>

static const uh_host *host;

static uh_status noop_prepare(uh_ctx *ctx)
{
    (void)ctx;
    return UH_OK;
}

static uh_status noop_process(uh_ctx *ctx)
{
    (void)ctx;
    return UH_OK;
}

static const uh_node_type noop_type = {
    .struct_size = sizeof(uh_node_type),
#if defined(BROKEN_DUP_ID)
    .id = "example.invert", /* already provided by the example plugin */
#else
    .id = "broken.noop",
#endif
    .summary = "does nothing",
    .prepare = noop_prepare,
    .process = noop_process,
};

static const uh_node_type *const types[] = {&noop_type, NULL};

#if defined(BROKEN_CRASH_CTOR)
#include <signal.h>
/* A constructor that crashes while the shared object is being loaded. */
__attribute__((constructor)) static void broken_ctor(void)
{
    raise(SIGSEGV);
}
#endif

#if defined(BROKEN_EXIT_INIT)
#include <stdlib.h>
#endif

#if defined(BROKEN_UNDEFINED_SYMBOL)
/* Declared, never defined anywhere: dlopen(RTLD_NOW) must refuse. */
extern int uh_test_symbol_that_does_not_exist(void);
#endif

static uh_status broken_init(const uh_host *h)
{
    host = h;
#if defined(BROKEN_INIT_FAILS)
    return host->fail(NULL, UH_EUNSUPPORTED, "needs a GPU, none found");
#elif defined(BROKEN_EXIT_INIT)
    exit(3); /* a plugin must never do this */
#elif defined(BROKEN_UNDEFINED_SYMBOL)
    return uh_test_symbol_that_does_not_exist() ? UH_OK : UH_EINTERNAL;
#else
    return UH_OK;
#endif
}

static const uh_plugin plugin = {
#if defined(BROKEN_SHORT_STRUCT)
    .struct_size = 4, /* too small to hold even the version */
#else
    .struct_size = sizeof(uh_plugin),
#endif
#if defined(BROKEN_WRONG_MAJOR)
    .sdk = {2, 0},
#elif defined(BROKEN_NEWER_MINOR)
    .sdk = {UH_SDK_VERSION_MAJOR, UH_SDK_VERSION_MINOR + 3},
#else
    .sdk = UH_SDK_VERSION_INIT,
#endif
    .name = "broken",
    .version = "0.0.1",
    .init = broken_init,
    .node_types = types,
};

#if defined(BROKEN_NO_ENTRY)
/* Exported under the wrong name. */
UH_EXPORT const uh_plugin *uh_plugin_entry_v2(void);
UH_EXPORT const uh_plugin *uh_plugin_entry_v2(void)
{
    return &plugin;
}
#else
UH_EXPORT const uh_plugin *uh_plugin_entry(void)
{
#if defined(BROKEN_NULL_DESC)
    (void)plugin;
    return NULL;
#else
    return &plugin;
#endif
}
#endif
