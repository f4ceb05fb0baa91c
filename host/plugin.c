/* Plugin loading, version checks and the registry of node types. */
#include "plugin.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "hostapi.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UH__HAS_ASAN 1
#endif
#endif
#ifndef UH__HAS_ASAN
#define UH__HAS_ASAN 0
#endif

registry *registry_create(void)
{
    return calloc(1, sizeof(registry));
}

static int grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*items, n * size);
    if (!p)
        return -1;
    *items = p;
    *cap = n;
    return 0;
}

/* Counts a NULL-terminated array of descriptor pointers. */
static uint32_t count_ptrs(const void *const *list)
{
    uint32_t n = 0;
    if (list)
        while (list[n])
            n++;
    return n;
}

static int valid_name(const char *s, int dots)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              (dots && c == '.')))
            return 0;
    }
    return 1;
}

/* Checks one node type's descriptor; on failure writes why into `why`. */
static int check_type(const uh_node_type *t, char *why, size_t len)
{
    if (t->struct_size < offsetof(uh_node_type, start)) {
        snprintf(why, len, "node type descriptor too small (struct_size %u)",
                 (unsigned)t->struct_size);
        return -1;
    }
    if (!valid_name(t->id, 1)) {
        snprintf(why, len, "invalid node type id '%s' (want [a-z0-9_.]+)",
                 t->id ? t->id : "(null)");
        return -1;
    }
    int strip = UH_HAS_FIELD(t, uh_node_type, rows) && t->rows;
    if (!t->process && !strip) {
        snprintf(why, len, "node type '%s' has neither process() nor rows()",
                 t->id);
        return -1;
    }
    const uh_port_desc *const *lists[2] = {t->inputs, t->outputs};
    for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; lists[k] && lists[k][i]; i++) {
            const uh_port_desc *p = lists[k][i];
            if (p->struct_size < offsetof(uh_port_desc, doc) ||
                !valid_name(p->name, 0) || p->type < UH_PORT_IMAGE ||
                p->type > UH_PORT_BLOB) {
                snprintf(why, len, "node type '%s': malformed %s port %u",
                         t->id, k ? "output" : "input", (unsigned)i);
                return -1;
            }
        }
    }
    if (strip) {
        /* At most one image output, and it is port 0; scalar and blob
         * outputs (metadata known at prepare time) may follow. */
        for (uint32_t i = 0; t->outputs && t->outputs[i]; i++) {
            uint32_t ty = t->outputs[i]->type;
            int image = ty == UH_PORT_IMAGE || ty == UH_PORT_IMAGE_LIST;
            if ((image && i > 0) || ty == UH_PORT_IMAGE_LIST) {
                snprintf(why, len,
                         "strip node type '%s' may have one image output, "
                         "as port 0, and scalar or blob outputs after it",
                         t->id);
                return -1;
            }
        }
    }
    for (uint32_t i = 0; t->params && t->params[i]; i++) {
        const uh_param_desc *p = t->params[i];
        if (p->struct_size < offsetof(uh_param_desc, doc) ||
            !valid_name(p->name, 0) || p->type < UH_PARAM_NUMBER ||
            p->type > UH_PARAM_NUMBERS ||
            (p->type == UH_PARAM_ENUM && (!p->values || !p->values[0]))) {
            snprintf(why, len, "node type '%s': malformed parameter %u", t->id,
                     (unsigned)i);
            return -1;
        }
    }
    return 0;
}

static size_t find_index(const registry *r, const char *id, int *found)
{
    size_t lo = 0, hi = r->n_kinds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->kinds[mid].type->id, id);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

int registry_add(registry *r, plugin *p, diag *d)
{
    const uh_node_type *const *types = p->desc->node_types;
    uint32_t n = count_ptrs((const void *const *)types);
    char why[512];

    for (uint32_t i = 0; i < n; i++) {
        int found;
        if (check_type(types[i], why, sizeof(why)) != 0)
            return diag_set(d, EXIT_PLUGIN, "%s: %s", p->path, why);
        find_index(r, types[i]->id, &found);
        if (found) {
            const node_kind *k = registry_find(r, types[i]->id);
            return diag_set(d, EXIT_PLUGIN,
                            "%s: node type '%s' is already provided by %s",
                            p->path, types[i]->id, k->plugin->path);
        }
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(types[j]->id, types[i]->id) == 0)
                return diag_set(d, EXIT_PLUGIN,
                                "%s: node type '%s' is declared twice", p->path,
                                types[i]->id);
    }
    if (grow((void **)&r->plugins, &r->cap_plugins, r->n_plugins + 1,
             sizeof(*r->plugins)) ||
        grow((void **)&r->kinds, &r->cap_kinds, r->n_kinds + n,
             sizeof(*r->kinds)))
        return diag_set(d, EXIT_INTERNAL, "out of memory loading %s", p->path);
    r->plugins[r->n_plugins++] = p;
    for (uint32_t i = 0; i < n; i++) {
        int found;
        size_t at = find_index(r, types[i]->id, &found);
        memmove(&r->kinds[at + 1], &r->kinds[at],
                (r->n_kinds - at) * sizeof(*r->kinds));
        node_kind *k = &r->kinds[at];
        k->type = types[i];
        k->plugin = p;
        k->n_inputs = count_ptrs((const void *const *)types[i]->inputs);
        k->n_outputs = count_ptrs((const void *const *)types[i]->outputs);
        k->n_params = count_ptrs((const void *const *)types[i]->params);
        r->n_kinds++;
    }
    return 0;
}

static void plugin_free(plugin *p)
{
    if (!p)
        return;
    if (p->initialised && p->desc->fini)
        p->desc->fini();
        /* Under LeakSanitizer, unloading a plugin (and the codec library it
         * pulled in, with its thread-local state) makes leak reports crash or
         * lose their symbols: keep sanitized builds' plugins mapped. */
#if !defined(__SANITIZE_ADDRESS__) && !UH__HAS_ASAN
    if (p->handle)
        dlclose(p->handle);
#endif
    free(p->path);
    free(p);
}

/* Loads the plugin once in a child process first, so that a plugin whose
 * constructor or init() crashes or exits takes the child down, not the
 * host. Returns 0 when the child survived (or could not be made: then the
 * load goes ahead unprobed), -1 with why in `why` otherwise. Only for a
 * single-threaded caller: the child calls dlopen(), which is not safe
 * after fork() in a multi-threaded process. */
static int probe_in_child(const char *path, const uh_host *host, char *why,
                          size_t len)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        /* The child mirrors the parent's checks and reports nothing
         * itself: whatever it survives, the parent diagnoses again. */
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            _exit(0);
        uh_plugin_entry_fn entry;
        *(void **)&entry = dlsym(h, UH_PLUGIN_ENTRY);
        const uh_plugin *desc = entry ? entry() : NULL;
        if (!desc || desc->struct_size < offsetof(uh_plugin, name) ||
            desc->sdk.major != UH_SDK_VERSION_MAJOR ||
            desc->sdk.minor > UH_SDK_VERSION_MINOR ||
            !UH_HAS_FIELD(desc, uh_plugin, node_types))
            _exit(0);
        if (desc->init && desc->init(host) == UH_OK && desc->fini)
            desc->fini();
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(why, len, "crashed during load (signal %d, %s)", sig,
                 strsignal(sig));
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(why, len,
                 "exited with status %d during load (a plugin must never "
                 "exit the process)",
                 WEXITSTATUS(status));
        return -1;
    }
    return 0;
}

int registry_load_file(registry *r, const char *path, const uh_host *host,
                       diag *d)
{
    if (r->probe) {
        char why[256];
        if (probe_in_child(path, host, why, sizeof(why)) != 0)
            return diag_set(d, EXIT_PLUGIN, "%s: %s", path, why);
    }
    plugin *p = calloc(1, sizeof(*p));
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return diag_set(d, EXIT_INTERNAL, "out of memory loading %s", path);
    }
    dlerror();
    p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle) {
        const char *e = dlerror();
        diag_set(d, EXIT_PLUGIN, "%s: cannot load: %s", path,
                 e ? e : "unknown error");
        plugin_free(p);
        return EXIT_PLUGIN;
    }
    uh_plugin_entry_fn entry;
    *(void **)&entry = dlsym(p->handle, UH_PLUGIN_ENTRY);
    if (!entry) {
        diag_set(d, EXIT_PLUGIN,
                 "%s: no symbol '%s' (is it declared extern \"C\" and "
                 "exported?)",
                 path, UH_PLUGIN_ENTRY);
        plugin_free(p);
        return EXIT_PLUGIN;
    }
    p->desc = entry();
    const uh_plugin *desc = p->desc;
    if (!desc) {
        diag_set(d, EXIT_PLUGIN, "%s: %s() returned NULL", path,
                 UH_PLUGIN_ENTRY);
        plugin_free(p);
        return EXIT_PLUGIN;
    }
    if (desc->struct_size < offsetof(uh_plugin, name)) {
        diag_set(d, EXIT_PLUGIN,
                 "%s: plugin descriptor too small (struct_size %u)", path,
                 (unsigned)desc->struct_size);
        plugin_free(p);
        return EXIT_PLUGIN;
    }
    if (desc->sdk.major != UH_SDK_VERSION_MAJOR ||
        desc->sdk.minor > UH_SDK_VERSION_MINOR) {
        diag_set(d, EXIT_PLUGIN,
                 "%s: built for SDK %u.%u, this uberhost provides SDK %u.%u",
                 path, (unsigned)desc->sdk.major, (unsigned)desc->sdk.minor,
                 (unsigned)UH_SDK_VERSION_MAJOR,
                 (unsigned)UH_SDK_VERSION_MINOR);
        plugin_free(p);
        return EXIT_PLUGIN;
    }
    if (!UH_HAS_FIELD(desc, uh_plugin, node_types) || !desc->node_types) {
        diag_set(d, EXIT_PLUGIN,
                 "%s: plugin descriptor too small (struct_size %u) or has no "
                 "node types",
                 path, (unsigned)desc->struct_size);
        plugin_free(p);
        return EXIT_PLUGIN;
    }
    if (desc->init) {
        hostapi_load_begin();
        uh_status st = desc->init(host);
        if (st != UH_OK) {
            const char *msg = hostapi_load_message();
            diag_set(d, EXIT_PLUGIN, "%s: init failed: %s", path,
                     msg ? msg : hostapi_status_str(st));
            plugin_free(p);
            return EXIT_PLUGIN;
        }
    }
    p->initialised = 1;
    int rc = registry_add(r, p, d);
    if (rc != 0) {
        plugin_free(p);
        return rc;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Loads the *.so files of one directory in name order. */
static int load_dir(registry *r, const char *dir, const uh_host *host, diag *d)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".so"))
            continue;
        if (grow((void **)&names, &cap, n + 1, sizeof(*names))) {
            rc = diag_set(d, EXIT_INTERNAL, "out of memory reading %s", dir);
            break;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = diag_set(d, EXIT_INTERNAL, "out of memory reading %s", dir);
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(dp);
    if (rc == 0)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = registry_load_file(r, names[i], host, d);
        free(names[i]);
    }
    free(names);
    return rc;
}

int registry_load_path(registry *r, const char *path_list, const uh_host *host,
                       diag *d)
{
    char *copy = strdup(path_list ? path_list : "");
    if (!copy)
        return diag_set(d, EXIT_INTERNAL, "out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && rc == 0;
         dir = strtok_r(NULL, ":", &save)) {
        if (!*dir)
            continue;
        char **s = realloc(r->searched, (r->n_searched + 1) * sizeof(*s));
        if (!s) {
            rc = diag_set(d, EXIT_INTERNAL, "out of memory");
            break;
        }
        r->searched = s;
        if ((s[r->n_searched] = strdup(dir)) != NULL)
            r->n_searched++;
        rc = load_dir(r, dir, host, d);
    }
    free(copy);
    return rc;
}

const node_kind *registry_find(const registry *r, const char *id)
{
    int found;
    if (!r || !id)
        return NULL;
    size_t at = find_index(r, id, &found);
    return found ? &r->kinds[at] : NULL;
}

/* Levenshtein distance, bounded to short strings (ids are <= 64 bytes). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag_prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag_prev + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag_prev = up;
        }
    }
    return row[m];
}

const char *registry_suggest(const registry *r, const char *id)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    if (!r || !id)
        return NULL;
    for (size_t i = 0; i < r->n_kinds; i++) {
        const char *cand = r->kinds[i].type->id;
        size_t dist = edit_distance(id, cand);
        /* A type named after its codec ("png.load" for "load") counts as
         * close too. */
        const char *dot = strrchr(cand, '.');
        if (dot && strcmp(dot + 1, id) == 0 && dist > 1)
            dist = 1;
        if (dist < best_d) {
            best_d = dist;
            best = cand;
        }
    }
    size_t len = strlen(id);
    size_t allowed = len / 3 > 2 ? len / 3 : 2;
    return best_d <= allowed ? best : NULL;
}

void registry_destroy(registry *r)
{
    if (!r)
        return;
    for (size_t i = r->n_plugins; i-- > 0;)
        plugin_free(r->plugins[i]);
    for (size_t i = 0; i < r->n_searched; i++)
        free(r->searched[i]);
    free(r->searched);
    free(r->plugins);
    free(r->kinds);
    free(r);
}
