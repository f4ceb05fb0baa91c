/* RFC 6901 JSON pointers: escaping, building and resolving. */
#include "jsonptr.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t jsonptr_escape(char *dst, size_t cap, const char *token)
{
    size_t n = 0;
    for (const char *t = token; *t; t++) {
        const char *rep = NULL;
        char one[2] = {*t, 0};
        if (*t == '~')
            rep = "~0";
        else if (*t == '/')
            rep = "~1";
        else
            rep = one;
        for (const char *r = rep; *r; r++, n++)
            if (n + 1 < cap)
                dst[n] = *r;
    }
    if (cap > 0)
        dst[n < cap ? n : cap - 1] = 0;
    return n;
}

void jsonptr_init(jsonptr *p)
{
    memset(p, 0, sizeof(*p));
}

/* Makes room for `extra` more bytes plus the NUL. */
static int reserve(jsonptr *p, size_t extra)
{
    if (p->failed)
        return 0;
    if (p->len + extra + 1 <= p->cap)
        return 1;
    size_t cap = p->cap ? p->cap : 64;
    while (cap < p->len + extra + 1)
        cap *= 2;
    char *s = realloc(p->s, cap);
    if (!s) {
        p->failed = 1;
        return 0;
    }
    p->s = s;
    p->cap = cap;
    return 1;
}

size_t jsonptr_push(jsonptr *p, const char *token)
{
    size_t before = p->len;
    size_t n = jsonptr_escape(NULL, 0, token);
    if (!reserve(p, n + 1))
        return before;
    p->s[p->len] = '/';
    jsonptr_escape(p->s + p->len + 1, n + 1, token);
    p->len += n + 1;
    return before;
}

size_t jsonptr_push_index(jsonptr *p, size_t index)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%zu", index);
    return jsonptr_push(p, buf);
}

void jsonptr_pop(jsonptr *p, size_t len)
{
    if (len < p->len) {
        p->len = len;
        p->s[len] = 0;
    }
}

const char *jsonptr_str(const jsonptr *p)
{
    return p->s && p->len ? p->s : "";
}

void jsonptr_free(jsonptr *p)
{
    free(p->s);
    jsonptr_init(p);
}

char *jsonptr_join(const char *base, const char *token)
{
    size_t b = strlen(base);
    size_t n = jsonptr_escape(NULL, 0, token);
    char *s = malloc(b + n + 2);
    if (!s)
        return NULL;
    memcpy(s, base, b);
    s[b] = '/';
    jsonptr_escape(s + b + 1, n + 1, token);
    return s;
}

/* Compares the escaped token [t, end) with the unescaped `key`; returns 1
 * when equal, 0 when not, -1 when the token is malformed. */
static int token_equals(const char *t, const char *end, const char *key)
{
    while (t < end) {
        char c = *t++;
        if (c == '~') {
            if (t == end || (*t != '0' && *t != '1'))
                return -1;
            c = *t++ == '0' ? '~' : '/';
        }
        if (*key != c)
            return 0;
        key++;
    }
    return *key == 0;
}

const cJSON *jsonptr_resolve(const cJSON *root, const char *ptr)
{
    const cJSON *cur = root;
    if (!ptr || !root)
        return NULL;
    while (*ptr) {
        if (*ptr != '/')
            return NULL;
        const char *t = ptr + 1;
        const char *end = strchr(t, '/');
        if (!end)
            end = t + strlen(t);
        if (cJSON_IsArray(cur)) {
            size_t idx = 0;
            if (t == end || (end - t > 1 && *t == '0'))
                return NULL;
            for (const char *d = t; d < end; d++) {
                if (*d < '0' || *d > '9' || idx > (size_t)1 << 40)
                    return NULL;
                idx = idx * 10 + (size_t)(*d - '0');
            }
            const cJSON *it = cur->child;
            while (it && idx > 0) {
                it = it->next;
                idx--;
            }
            cur = it;
        } else if (cJSON_IsObject(cur)) {
            const cJSON *it = cur->child;
            for (; it; it = it->next) {
                int eq = token_equals(t, end, it->string ? it->string : "");
                if (eq < 0)
                    return NULL;
                if (eq)
                    break;
            }
            cur = it;
        } else {
            return NULL;
        }
        if (!cur)
            return NULL;
        ptr = end;
    }
    return cur;
}
