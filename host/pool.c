/* The band pool. Jobs are kept in a list; a thread takes the next item of
 * the oldest job that has items left. Lock order: pool.lock, then nothing. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct job {
    pool_fn fn;
    void *arg;
    uint32_t n;
    uint32_t next;   /* next item to hand out */
    uint32_t done;   /* items finished */
    uint32_t fail_i; /* lowest failing item, n if none */
    uh_status fail_st;
    const volatile int *cancel;
    pthread_cond_t finished;
    struct job *prev, *link;
} job;

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    job *head, *tail; /* jobs with items left to hand out */
    int stopping;
    uint32_t n_threads;
    pthread_t *threads;
};

static void unlink_job(pool *p, job *j)
{
    if (j->prev)
        j->prev->link = j->link;
    else
        p->head = j->link;
    if (j->link)
        j->link->prev = j->prev;
    else
        p->tail = j->prev;
    j->prev = j->link = NULL;
}

/* Takes one item of `j` (lock held); returns 0 when none is left. */
static int take(pool *p, job *j, uint32_t *i)
{
    int stop = j->fail_i < j->n || (j->cancel && *j->cancel);
    if (stop || j->next >= j->n) {
        if (j->next < j->n) {
            /* Skip the rest: count them as done. */
            j->done += j->n - j->next;
            j->next = j->n;
            if (j->cancel && *j->cancel && j->fail_i == j->n) {
                j->fail_i = j->n - 1;
                j->fail_st = UH_ECANCELED;
            }
        }
        unlink_job(p, j);
        if (j->done == j->n)
            pthread_cond_broadcast(&j->finished);
        return 0;
    }
    *i = j->next++;
    if (j->next == j->n)
        unlink_job(p, j);
    return 1;
}

static void finish(job *j, uint32_t i, uh_status st)
{
    if (st != UH_OK && i < j->fail_i) {
        j->fail_i = i;
        j->fail_st = st;
    }
    if (++j->done == j->n)
        pthread_cond_broadcast(&j->finished);
}

typedef struct worker_arg {
    pool *p;
    uint32_t slot;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    pool *p = wa->p;
    uint32_t slot = wa->slot;
    free(wa);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work, &p->lock);
        if (!p->head && p->stopping)
            break;
        job *j = p->head;
        uint32_t i;
        if (!take(p, j, &i))
            continue;
        pthread_mutex_unlock(&p->lock);
        uh_status st = j->fn(j->arg, slot, i);
        pthread_mutex_lock(&p->lock);
        finish(j, i, st);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

pool *pool_create(uint32_t threads)
{
    pool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    if (threads) {
        p->threads = calloc(threads, sizeof(*p->threads));
        if (!p->threads) {
            pool_destroy(p);
            return NULL;
        }
    }
    for (uint32_t t = 0; t < threads; t++) {
        worker_arg *wa = malloc(sizeof(*wa));
        if (!wa)
            break;
        wa->p = p;
        wa->slot = t + 1;
        if (pthread_create(&p->threads[t], NULL, worker, wa) != 0) {
            free(wa);
            break;
        }
        p->n_threads++;
    }
    return p;
}

uint32_t pool_threads(const pool *p)
{
    return p->n_threads;
}

uh_status pool_run(pool *p, uint32_t n, pool_fn fn, void *arg,
                   const volatile int *cancel)
{
    if (n == 0)
        return UH_OK;
    job j = {.fn = fn, .arg = arg, .n = n, .fail_i = n, .cancel = cancel};
    pthread_cond_init(&j.finished, NULL);
    pthread_mutex_lock(&p->lock);
    if (n > 1 && p->n_threads) {
        j.prev = p->tail;
        if (p->tail)
            p->tail->link = &j;
        else
            p->head = &j;
        p->tail = &j;
        pthread_cond_broadcast(&p->work);
    }
    /* The caller works on its own job until no item is left. */
    for (;;) {
        uint32_t i;
        int in_list = j.prev || j.link || p->head == &j;
        if (!in_list) {
            /* Serial case, or every item handed out already. */
            if (j.next >= j.n)
                break;
            int stop = j.fail_i < j.n || (cancel && *cancel);
            if (stop) {
                j.done += j.n - j.next;
                j.next = j.n;
                if (cancel && *cancel && j.fail_i == j.n) {
                    j.fail_i = j.n - 1;
                    j.fail_st = UH_ECANCELED;
                }
                break;
            }
            i = j.next++;
        } else if (!take(p, &j, &i)) {
            break;
        }
        pthread_mutex_unlock(&p->lock);
        uh_status st = fn(arg, 0, i);
        pthread_mutex_lock(&p->lock);
        finish(&j, i, st);
    }
    while (j.done < j.n)
        pthread_cond_wait(&j.finished, &p->lock);
    pthread_mutex_unlock(&p->lock);
    pthread_cond_destroy(&j.finished);
    return j.fail_i < n ? j.fail_st : UH_OK;
}

void pool_destroy(pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (uint32_t t = 0; t < p->n_threads; t++)
        pthread_join(p->threads[t], NULL);
    free(p->threads);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    free(p);
}
