/* Fuzz target for the graph parser: graph_parse() against a registry with
 * the real plugins loaded (fuzzhost.h). The input is the graph text, then
 * optionally a NUL byte and NUL-separated --set strings (at most 16), so
 * `{...}\0size=12\0thumb.width=3` parses the graph with two --set
 * overrides. Nothing runs. A refusal must carry a message and one of the
 * parser's exit codes (2 invalid graph, 4 graph limit, 1 a --set naming
 * nothing, 3 a generic `load` whose file cannot be sniffed); an accepted graph
 * must be consistent: a topological order that is a permutation, every link
 * inside the graph and before its user, every value of the type its parameter
 * declares and in range. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "fuzzhost.h"
#include "graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SETS 16

static void bad(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_graph: accepted graph is inconsistent: %s (%s)\n",
            what, detail ? detail : "");
    abort();
}

static void check_value(const graph_node *n, const uh_param_desc *pd,
                        const uh_value *v)
{
    if (v->type != pd->type)
        bad("parameter value of another type", pd->name);
    int ranged = (pd->flags & UH_PARAM_RANGE) != 0;
    switch (pd->type) {
    case UH_PARAM_NUMBER:
        if (!isfinite(v->number) ||
            (ranged && (v->number < pd->min || v->number > pd->max)))
            bad("number out of range", pd->name);
        break;
    case UH_PARAM_INTEGER:
        if (ranged &&
            ((double)v->integer < pd->min || (double)v->integer > pd->max))
            bad("integer out of range", pd->name);
        break;
    case UH_PARAM_BOOL:
        if (v->integer != 0 && v->integer != 1)
            bad("bool not 0 or 1", pd->name);
        break;
    case UH_PARAM_STRING:
        if (!v->string || strlen(v->string) != v->count)
            bad("string length differs from count", pd->name);
        if (v->count > GRAPH_MAX_STRING)
            bad("string over the limit", pd->name);
        break;
    case UH_PARAM_ENUM: {
        int64_t k = 0;
        while (pd->values && pd->values[k])
            k++;
        if (v->integer < 0 || v->integer >= k)
            bad("enum index out of range", pd->name);
        if (!v->string || strcmp(v->string, pd->values[v->integer]) != 0)
            bad("enum text differs from its index", pd->name);
        break;
    }
    case UH_PARAM_NUMBERS:
        if (v->count && !v->numbers)
            bad("numbers without storage", pd->name);
        if ((pd->min_count && v->count < pd->min_count) ||
            (pd->max_count && v->count > pd->max_count))
            bad("numbers count out of range", pd->name);
        for (uint32_t i = 0; i < v->count; i++)
            if (!isfinite(v->numbers[i]) ||
                (ranged &&
                 (v->numbers[i] < pd->min || v->numbers[i] > pd->max)))
                bad("numbers element out of range", pd->name);
        break;
    default:
        bad("unknown parameter type", pd->name);
    }
    (void)n;
}

static void check_graph(const graph *g)
{
    if (g->n_nodes > GRAPH_MAX_NODES)
        bad("more nodes than the limit", NULL);
    uint32_t *pos = malloc((g->n_nodes ? g->n_nodes : 1) * sizeof(*pos));
    if (!pos)
        abort();
    for (uint32_t i = 0; i < g->n_nodes; i++)
        pos[i] = UINT32_MAX;
    for (uint32_t k = 0; k < g->n_nodes; k++) {
        uint32_t i = g->order[k];
        if (i >= g->n_nodes || pos[i] != UINT32_MAX)
            bad("order is not a permutation", NULL);
        pos[i] = k;
    }
    for (uint32_t i = 0; i < g->n_nodes; i++) {
        const graph_node *n = &g->nodes[i];
        if (!n->id || !n->kind || !n->pointer)
            bad("node without id, kind or pointer", n->id);
        if (strlen(n->id) == 0 || strlen(n->id) > GRAPH_MAX_ID)
            bad("node id length", n->id);
        if (strncmp(n->pointer, "/nodes/", 7) != 0)
            bad("node pointer", n->pointer);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(g->nodes[j].id, n->id) == 0)
                bad("duplicate node id", n->id);
        const uh_node_type *t = n->kind->type;
        for (uint32_t p = 0; p < n->kind->n_params; p++)
            check_value(n, t->params[p], &n->params[p]);
        for (uint32_t p = 0; p < n->kind->n_inputs; p++) {
            const graph_link *l = &n->inputs[p];
            if (l->node < 0) {
                if (!(t->inputs[p]->flags & UH_PORT_OPTIONAL))
                    bad("required input left unconnected", n->id);
                continue;
            }
            if ((uint32_t)l->node >= g->n_nodes)
                bad("link to a node outside the graph", n->id);
            const node_kind *sk = g->nodes[l->node].kind;
            if (l->port >= sk->n_outputs)
                bad("link to a port outside the source", n->id);
            if (pos[l->node] >= pos[i])
                bad("link source not before its user", n->id);
            if (sk->type->outputs[l->port]->type != t->inputs[p]->type)
                bad("link between ports of different types", n->id);
        }
    }
    free(pos);
    size_t ne = 0;
    const graph_export *ex = graph_exports(g, &ne);
    for (size_t i = 0; i < ne; i++) {
        if (!ex[i].name || !ex[i].pointer || ex[i].node >= g->n_nodes ||
            ex[i].param >= g->nodes[ex[i].node].kind->n_params)
            bad("export names nothing", ex[i].name);
    }
    const char *desc = graph_description(g);
    if (desc && strlen(desc) > GRAPH_MAX_STRING)
        bad("description over the string limit", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    engine *e = fz_engine();
    /* Split off the --set strings: copy them NUL-terminated. */
    size_t text_len = size;
    const uint8_t *nul = memchr(data, 0, size);
    char *sets_buf = NULL;
    const char *sets[MAX_SETS];
    size_t n_sets = 0;
    if (nul) {
        text_len = (size_t)(nul - data);
        size_t rest = size - text_len - 1;
        sets_buf = malloc(rest + 1);
        if (!sets_buf)
            abort();
        memcpy(sets_buf, nul + 1, rest);
        sets_buf[rest] = 0;
        char *s = sets_buf;
        while (s < sets_buf + rest + 1 && n_sets < MAX_SETS) {
            sets[n_sets++] = s;
            s += strlen(s) + 1;
            if (s > sets_buf + rest)
                break;
        }
    }
    /* The text is passed with its length only and no NUL after it: a
     * heap copy of exactly text_len bytes lets ASan catch reads past. */
    char *text = malloc(text_len ? text_len : 1);
    if (!text)
        abort();
    memcpy(text, data, text_len);
    diag d;
    diag_init(&d);
    graph *g = NULL;
    int rc = graph_parse("fuzz.json", text, text_len, engine_registry(e),
                         n_sets ? sets : NULL, n_sets, &g, &d);
    if (rc == 0) {
        if (!g)
            bad("success without a graph", NULL);
        check_graph(g);
        graph_free(g);
    } else {
        if (g)
            bad("failure that stored a graph", NULL);
        if (d.msg[0] == '\0') {
            fprintf(stderr, "fuzz_graph: exit code %d without a message\n", rc);
            abort();
        }
        if (rc != EXIT_GRAPH && rc != EXIT_LIMIT && rc != EXIT_USAGE &&
            rc != EXIT_DECODE) {
            fprintf(stderr, "fuzz_graph: exit code %d: %s\n", rc, d.msg);
            abort();
        }
    }
    free(text);
    free(sets_buf);
    return 0;
}
