/* RFC 6901 JSON pointers: building them for messages ("/nodes/thumb/params/
 * width") with "~" written "~0" and "/" written "~1", and resolving them
 * against a cJSON tree (used by tests to check that every pointer in a
 * message names a real place in the file). */
#ifndef UH_JSONPTR_H
#define UH_JSONPTR_H

#include <stddef.h>

struct cJSON;

/* Writes the escaped form of `token` to `dst` (at most `cap` bytes with the
 * terminating NUL; cap may be 0) and returns the length of the whole
 * escaped form, like snprintf. */
size_t jsonptr_escape(char *dst, size_t cap, const char *token);

/* A growing pointer, the empty string (the whole document) at first. */
typedef struct jsonptr {
    char *s; /* NUL-terminated; owned; NULL until the first push */
    size_t len;
    size_t cap;
    int failed; /* nonzero after an allocation failed */
} jsonptr;

void jsonptr_init(jsonptr *p);

/* Appends "/" and the escaped token; returns the length before, for
 * jsonptr_pop(). On allocation failure sets `failed` and leaves the
 * pointer as it was. */
size_t jsonptr_push(jsonptr *p, const char *token);
size_t jsonptr_push_index(jsonptr *p, size_t index);

/* Cuts the pointer back to `len` bytes (a value from jsonptr_push). */
void jsonptr_pop(jsonptr *p, size_t len);

/* The pointer text; "" for the whole document. Owned by `p`. */
const char *jsonptr_str(const jsonptr *p);

void jsonptr_free(jsonptr *p);

/* A new string `base` + "/" + escaped `token`; NULL when out of memory.
 * Caller frees with free(). */
char *jsonptr_join(const char *base, const char *token);

/* The item `ptr` names in `root`, or NULL when it names nothing or is
 * malformed (not starting with "/", a "~" not followed by 0 or 1, an array
 * index with leading zeros or out of range). With duplicate keys the first
 * match wins. */
const struct cJSON *jsonptr_resolve(const struct cJSON *root, const char *ptr);

#endif
