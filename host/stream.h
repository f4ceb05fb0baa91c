/* Streaming pipelines: chains of strip nodes fused so rows flow from a
 * source to a sink (or to the one materialised image at the end) without
 * any intermediate image being held whole.
 *
 * A pipeline has a head, a strip node whose output is stored (or a strip
 * sink), and members: the strip nodes upstream of it that feed only it,
 * directly or through other members. Members never get an image buffer;
 * their rows are computed on demand, per worker slot, when a consumer asks
 * for them with input_rows(). A sequential member (a decoder) is computed
 * in order behind a lock into a ring of recent rows, from which requests
 * are copied. A sink head gets its input strips computed in parallel by
 * the band pool and written in order by whichever worker completes the next
 * strip (write-behind). */
#ifndef UH_STREAM_H
#define UH_STREAM_H

#include "diag.h"
#include "run_internal.h"

/* Finds the pipelines of a prepared run and marks their members. Returns
 * 0 or an exit code. Disabled by UBERHOST_NO_STREAM=1 (for comparisons). */
int stream_plan(run *r, diag *d);

/* Serves input_rows() when the producer is a pipeline member. */
uh_status stream_input_rows(uh_ctx *ctx, uint32_t port, node_rt *prod,
                            uint32_t y, uint32_t n, uh_rows *out);

/* Runs a pipeline whose head is a strip sink. */
uh_status stream_run_sink(struct stream *s);

/* After the head finished: stops every member's workers, frees buffers and
 * marks members done. */
void stream_finish(struct stream *s);

/* Item (band) bookkeeping of a head that is not a sink: sizes it, then
 * each band is bracketed by begin/end on its worker slot. */
uh_status stream_items(struct stream *s, uint32_t n_items);
void stream_item_begin(struct stream *s, uint32_t slot, uint32_t item);
void stream_item_end(struct stream *s, uint32_t slot, uint32_t item);

/* Rows per band for a head whose output has this geometry, so that one
 * band pulls a bounded number of bytes through the pipeline. */
uint32_t stream_band_rows(const struct stream *s, uint32_t out_height,
                          size_t out_row_bytes);

/* The head of the pipeline a member streams in. */
node_rt *stream_head_of(const node_rt *member);

/* Frees every pipeline of the run (after stream_finish or a failure). */
void stream_free_all(run *r);

#endif
