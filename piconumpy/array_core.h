/* array_core.h -- the N-D array's storage, shapes, strides, broadcasting,
 * indexing and the N-D loops, shared by both C sources.  No Python API
 * here: the CPython and HPy sources parse Python objects into the plain C
 * descriptions used below and turn pn_err into Python exceptions.
 *
 * Layout rules (numpy's): element (i0, i1, ...) lives at
 * (char *)data + i0*strides[0] + i1*strides[1] + ...; strides are in bytes.
 */
#ifndef PICONUMPY_ARRAY_CORE_H
#define PICONUMPY_ARRAY_CORE_H

#include <time.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "kernels.h"

/* Arrays of up to PN_INLINE_CAPACITY doubles keep their data inside the
 * object: no malloc/free per temporary, which is what dominates the tiny
 * arrays of ODE right-hand sides (4-8 components). */
#define PN_INLINE_CAPACITY 8
/* numpy allows 64; 8 keeps every array object small (shape and strides
 * live inside it) and covers scientific use */
#define PN_MAXDIMS 8

/* Buffers at least this large are reported to PyPy's GC as memory pressure
 * (it cannot see malloc'd memory and would otherwise collect too late). */
#define PN_PRESSURE_THRESHOLD ((pn_ssize_t)(64 * 1024))

/* Largest element count we accept: n * 8 bytes must fit in a pn_ssize_t. */
#define PN_MAX_SIZE ((pn_ssize_t)(PTRDIFF_MAX / (pn_ssize_t)sizeof(double)))
#define PN_ITEM ((pn_ssize_t)sizeof(double))

enum {
    PN_OWNDATA = 1,   /* data is inline_buf or malloc'd by this array */
    PN_CONTIG = 2,    /* C-contiguous: the fast 1-D kernels apply */
    PN_FRESH = 4,     /* data newly malloc'd (not reused from the cache) */
};

typedef struct pn_lazy pn_lazy;   /* a pending value: fused.h */

typedef struct {
    double *data;        /* first element */
    pn_ssize_t size;     /* number of elements */
    int ndim;
    int flags;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_ssize_t strides[PN_MAXDIMS];   /* bytes */
    pn_lazy *lazy;       /* non-NULL: data not computed yet (fused.h) */
    pn_lazy *held;       /* non-NULL: data is this computed node's buffer,
                            which pending values read too (fused.h) */
    double inline_buf[PN_INLINE_CAPACITY];
} pn_core;

/* ---- errors ----------------------------------------------------------- */

typedef enum {
    PN_OK = 0,
    PN_ERR_VALUE,      /* ValueError */
    PN_ERR_NO_MEMORY,  /* MemoryError */
    PN_ERR_INDEX,      /* IndexError */
    PN_ERR_TYPE,       /* TypeError */
    PN_ERR_AXIS,       /* piconumpy AxisError (ValueError + IndexError) */
} pn_status;

typedef struct {
    pn_status status;
    char msg[240];
} pn_err;

static int pn_fail(pn_err *e, pn_status st, const char *fmt, ...)
{
    va_list ap;
    e->status = st;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* "(2,3)" -- numpy's style in broadcast errors */
static void pn_format_shape(char *buf, size_t len, int ndim,
                            const pn_ssize_t *shape)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, len, "(");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? ",%zd" : "%zd",
                                 (ssize_t)shape[i]);
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used,
                                 ndim == 1 ? ",)" : ")");
}

/* Error texts shared by both C sources (the pure-Python backend uses the
 * same wording; tests match on it). */
#define PN_MSG_SIZE_MISMATCH \
    "operands could not be broadcast together with sizes %zd and %zd"
#define PN_MSG_NEGATIVE_SIZE "negative dimensions are not allowed"
#define PN_MSG_ZERO_STEP "slice step cannot be zero"
#define PN_MSG_ARANGE_ZERO_STEP "arange: step must not be zero"
#define PN_MSG_BAD_RANGE "arange: bounds must be finite"
#define PN_MSG_INDEX_RANGE "index out of range for array"
#define PN_MSG_INDEX_TYPE \
    "only integers, slices (`:`), ellipsis (`...`) and None are valid indices"
#define PN_MSG_EMPTY_REDUCTION \
    "zero-size array to reduction operation %s which has no identity"
#define PN_MSG_NO_DELETE "cannot delete array elements"

/* ---- storage ------------------------------------------------------------ */

static inline void pn_set_contiguous_strides(pn_core *c)
{
    pn_ssize_t s = PN_ITEM;
    for (int i = c->ndim - 1; i >= 0; i--) {
        c->strides[i] = s;
        s *= c->shape[i] ? c->shape[i] : 1;
    }
}

static inline int pn_is_contiguous(const pn_core *c)
{
    pn_ssize_t s = PN_ITEM;
    for (int i = c->ndim - 1; i >= 0; i--) {
        if (c->shape[i] != 1 && c->strides[i] != s)
            return c->size == 0;
        s *= c->shape[i];
    }
    return 1;
}

static inline void pn_update_flags(pn_core *c)
{
    c->flags = (c->flags & ~PN_CONTIG) | (pn_is_contiguous(c) ? PN_CONTIG : 0);
}

/* Product of a shape with overflow and sign checks. */
static int pn_shape_size(int ndim, const pn_ssize_t *shape, pn_ssize_t *size,
                         pn_err *e)
{
    pn_ssize_t n = 1;
    int zero = 0;
    if (ndim > PN_MAXDIMS)
        return pn_fail(e, PN_ERR_VALUE,
                       "maximum supported dimension for an ndarray is %d, "
                       "found %d", PN_MAXDIMS, ndim);
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return pn_fail(e, PN_ERR_VALUE, PN_MSG_NEGATIVE_SIZE);
        if (shape[i] == 0)
            zero = 1;
        else if (n > PN_MAX_SIZE / shape[i])
            return pn_fail(e, PN_ERR_NO_MEMORY,
                           "array is too big; `arr.size * arr.dtype.itemsize` "
                           "is larger than the maximum possible size");
        else
            n *= shape[i];
    }
    *size = zero ? 0 : n;
    return 0;
}

/* ---- large-buffer cache --------------------------------------------------
 * Expressions on big arrays ((a + b) * c) free and re-allocate same-sized
 * temporaries all the time; glibc serves them with mmap/munmap, so every
 * temporary pays its page faults again (numpy loses up to 7x on the Laplace
 * stencil to this).  Freed buffers >= PN_CACHE_MIN_BYTES are kept (bounded
 * count and bytes) and handed back for an allocation of the same size.
 * Many slots because PyPy frees arrays in bursts, at its major collections:
 * with room for a whole burst of 80 KB buffers the next ones come from the
 * cache and report no memory pressure, so PyPy collects less often (1e4
 * elements, a.copy() in a loop: 256 slots cut majors from 9.1 to 2.9 per
 * 1000 copies; 1024 slots to ~1.1: 7.8 -> 5.2 us per copy).  A ring, newest
 * last: an allocation takes the newest buffer of its size (warm in the CPU
 * caches; found at once when one size dominates), a full cache evicts the
 * oldest, so a program that moves on to another array size gets those
 * cached instead of stale ones.
 * At most PN_CACHE_MAX_BYTES in all (on PyPy, what a recycling collection
 * gives back if that is more: see below), except that one buffer up to
 * PN_CACHE_ONE_MAX is kept alone (1e7-element temporaries: 80 MB). */
#define PN_CACHE_SLOTS 1024
#define PN_CACHE_MIN_BYTES ((size_t)64 * 1024)
#define PN_CACHE_MAX_BYTES ((size_t)64 * 1024 * 1024)
#define PN_CACHE_ONE_MAX ((size_t)256 * 1024 * 1024)

static struct {
    void *p[PN_CACHE_SLOTS];
    size_t nbytes[PN_CACHE_SLOTS];
    int head, count;   /* the ring: oldest at head, count entries */
    size_t total;      /* their footprint (pn_buffer_footprint) */
} pn_cache;

static inline int pn_cache_at(int k)   /* k-th oldest entry's slot */
{
    return (pn_cache.head + k) % PN_CACHE_SLOTS;
}

/* Buffers of >= 1 MB get transparent huge pages where the kernel gives them
 * only on request (Linux THP "madvise" mode, the common default; numpy asks
 * too): one TLB entry and one page fault per 2 MB instead of per 4 KB.  The
 * size is rounded up to whole 2 MB pages (at most 2x for a 1 MB buffer) so
 * the last page can be huge too: PyPy frees arrays late, so its large
 * temporaries are often fresh memory, where 512 faults per 2 MB dominate. */
#define PN_HUGE_MIN ((size_t)1 << 20)
#define PN_HUGE_PAGE ((size_t)2 << 20)

/* The memory a buffer of nbytes really takes (whole huge pages). */
static inline size_t pn_buffer_footprint(size_t nbytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (nbytes >= PN_HUGE_MIN) {
        size_t whole = (nbytes + PN_HUGE_PAGE - 1) & ~(PN_HUGE_PAGE - 1);
        return whole < nbytes ? nbytes : whole;
    }
#endif
    return nbytes;
}

static void *pn_malloc_big(size_t nbytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (nbytes >= PN_HUGE_MIN) {
        size_t whole = pn_buffer_footprint(nbytes);   /* >= nbytes */
        void *p = NULL;
        if (posix_memalign(&p, PN_HUGE_PAGE, whole) != 0)
            return NULL;
        madvise(p, whole, MADV_HUGEPAGE);   /* a hint: failure is harmless */
        return p;
    }
#endif
    return malloc(nbytes);
}

/* ---- recycling on PyPy ---------------------------------------------------
 * PyPy frees an array (an HPy object with a destructor) only in a major
 * collection, which its GC starts when the memory pressure reported for
 * fresh buffers adds up.  So each cycle between collections used to take
 * that much fresh memory, and the kernel zeroes fresh pages: a loop of
 * 1e6-element copies spent 45% of its time in clear_page, the Laplace
 * stencil 30% (a fresh 2 MB costs ~300 us on this VM, its copy ~20 us).
 * Instead, the glue runs a collection itself (gc.collect, in its
 * recycle_collect) at its next safe point once the big buffers out of the
 * cache have grown by the limit since the last one: the dead arrays'
 * buffers then refill the cache, which may hold that much, and the loop
 * runs on recycled memory.  The limit is the largest of
 *   - PN_RECYCLE_MIN;
 *   - what survived the last collection (like PyPy's own heap growth: a
 *     program that keeps its arrays is not collected for nothing);
 *   - PN_RECYCLE_GAIN times the fresh memory the kernel could have zeroed
 *     in the time the last collection took (PN_FRESH_RATE): a collection
 *     costs ~1.5 ms in a small process but ~10 ms once numpy is imported
 *     (its objects are marked too), and collecting every 64 MB then cost
 *     more than the fresh memory it saved.
 * Any collection (PyPy's own too) that frees buffers lowers the growth.
 * Off (limit 0) on CPython, where arrays die at once. */
#define PN_RECYCLE_MIN ((size_t)64 * 1024 * 1024)
#define PN_FRESH_RATE 8e9    /* bytes/s: THP zeroing, measured 6.6-7.6 here */
#define PN_RECYCLE_GAIN 2.0  /* collections cost <= 1/2 of the fresh memory */
#define PN_RECYCLE_MAX_SECONDS 0.02   /* counted for one collection: 320 MB */

static struct {
    int on;           /* 0 on CPython */
    size_t worth;     /* bytes a collection is worth (its cost, see above) */
    size_t live;      /* big-buffer bytes out of the cache now */
    size_t base;      /* live after the last collection (or lower since) */
    size_t biggest;   /* the largest buffer seen: a collection may come that
                         much after the limit */
    int wanted;       /* growth reached the limit: collect at a safe point */
    int collecting;   /* in the collection (its destructors may allocate) */
    double started;   /* when it began (pn_seconds) */
    unsigned long collections, fresh;   /* counters for tests and benchmarks */
} pn_recycle;

static inline size_t pn_max_size(size_t a, size_t b) { return a > b ? a : b; }

/* Collect once live - base reaches this (0: off). */
static inline size_t pn_recycle_limit(void)
{
    if (!pn_recycle.on)
        return 0;
    return pn_max_size(PN_RECYCLE_MIN, pn_max_size(pn_recycle.base, pn_recycle.worth));
}

/* seconds on threads.h's monotonic clock (process CPU time without it) */
static inline double pn_seconds(void)
{
#ifdef PN_HAVE_THREADS
    return 1e-9 * (double)pn_now_ns();
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

/* The cache may hold what one collection gives back: the limit, and what
 * came on top before the next safe point ran it (a quarter more, and a
 * buffer).  The limit follows the survivors down (pn_recycle_note_free):
 * after a peak of kept arrays, their buffers do not stay idle in it.  (Its
 * 1024 slots bound it too.) */
static inline size_t pn_cache_max_bytes(void)
{
    const size_t limit = pn_recycle_limit();
    if (limit == 0)
        return PN_CACHE_MAX_BYTES;
    return pn_max_size(PN_CACHE_MAX_BYTES, limit + limit / 4 + pn_recycle.biggest);
}

static void pn_recycle_enable(int on)
{
    pn_recycle.on = on;
    pn_recycle.worth = 0;
    pn_recycle.base = pn_recycle.live;
    pn_recycle.wanted = 0;
}

/* The glue is about to run the collection (0: not now, one is running). */
static int pn_recycle_begin(void)
{
    pn_recycle.wanted = 0;
    if (pn_recycle.collecting)
        return 0;
    pn_recycle.collecting = 1;
    pn_recycle.started = pn_seconds();
    return 1;
}

static void pn_cache_trim(void);

/* The collection ran (ok: without error), and with it the dead arrays'
 * destructors: what survived and what it cost make the next limit (see
 * above).  A failed one counts as one that freed nothing. */
static void pn_recycle_end(int ok)
{
    double seconds = pn_seconds() - pn_recycle.started;
    pn_recycle.collecting = 0;
    pn_recycle.wanted = 0;   /* (set again by the destructors' allocations) */
    pn_recycle.base = pn_recycle.live;
    if (!ok)
        return;
    pn_recycle.collections++;
    /* one slow collection (a busy host) must not make the limit huge */
    if (!(seconds >= 0.0))
        seconds = 0.0;
    if (seconds > PN_RECYCLE_MAX_SECONDS)
        seconds = PN_RECYCLE_MAX_SECONDS;
    pn_recycle.worth = (size_t)(PN_RECYCLE_GAIN * PN_FRESH_RATE * seconds);
    pn_cache_trim();
}

static void pn_recycle_note_alloc(size_t footprint)
{
    pn_recycle.live += footprint;
    if (footprint > pn_recycle.biggest && footprint <= PN_CACHE_ONE_MAX)
        pn_recycle.biggest = footprint;
    if (pn_recycle.on && pn_recycle.live - pn_recycle.base >= pn_recycle_limit())
        pn_recycle.wanted = 1;
}

/* (a collection of PyPy's own frees buffers too: fewer survived, and the
 * limit follows) */
static void pn_recycle_note_free(size_t footprint)
{
    pn_recycle.live -= footprint;
    if (pn_recycle.live < pn_recycle.base)
        pn_recycle.base = pn_recycle.live;
}

static void *pn_buffer_alloc(size_t nbytes, int *fresh)
{
    if (nbytes >= PN_CACHE_MIN_BYTES) {
        for (int k = pn_cache.count - 1; k >= 0; k--) {
            int i = pn_cache_at(k);
            if (pn_cache.nbytes[i] != nbytes)
                continue;
            void *p = pn_cache.p[i];
            for (; k + 1 < pn_cache.count; k++) {   /* close the gap */
                int to = pn_cache_at(k), from = pn_cache_at(k + 1);
                pn_cache.p[to] = pn_cache.p[from];
                pn_cache.nbytes[to] = pn_cache.nbytes[from];
            }
            const size_t footprint = pn_buffer_footprint(nbytes);
            pn_cache.count--;
            pn_cache.total -= footprint;
            pn_recycle_note_alloc(footprint);
            *fresh = 0;
            return p;
        }
    }
    *fresh = 1;
    void *p = pn_malloc_big(nbytes);
    if (p != NULL && nbytes >= PN_CACHE_MIN_BYTES) {
        pn_recycle.fresh++;
        pn_recycle_note_alloc(pn_buffer_footprint(nbytes));
    }
    return p;
}

/* Frees the oldest buffers until `room` more bytes fit (an empty cache
 * always has room) and a slot is free. */
static void pn_cache_evict(size_t room)
{
    while (pn_cache.count == PN_CACHE_SLOTS ||
           (pn_cache.count > 0 &&
            pn_cache.total + room > pn_cache_max_bytes())) {
        int oldest = pn_cache.head;
        free(pn_cache.p[oldest]);
        pn_cache.total -= pn_buffer_footprint(pn_cache.nbytes[oldest]);
        pn_cache.head = (oldest + 1) % PN_CACHE_SLOTS;
        pn_cache.count--;
    }
}

static void pn_cache_trim(void)
{
    if (pn_cache.total > pn_cache_max_bytes())
        pn_cache_evict(0);
}

/* Keeps p for a later allocation of nbytes, evicting the oldest buffers
 * while there is no room. */
static void pn_buffer_free(void *p, size_t nbytes)
{
    if (nbytes < PN_CACHE_MIN_BYTES) {
        free(p);
        return;
    }
    size_t footprint = pn_buffer_footprint(nbytes);
    pn_recycle_note_free(footprint);
    if (nbytes > PN_CACHE_ONE_MAX) {
        free(p);
        pn_cache_trim();   /* (the limit may have come down) */
        return;
    }
    pn_cache_evict(footprint);
    int i = pn_cache_at(pn_cache.count);
    pn_cache.p[i] = p;
    pn_cache.nbytes[i] = nbytes;
    pn_cache.count++;
    pn_cache.total += footprint;
}

/* Gives c (data NULL: a heap owner whose buffer is not there yet) its
 * buffer. */
static int pn_core_alloc_data(pn_core *c, pn_err *e)
{
    int fresh;
    double *p = (double *)pn_buffer_alloc((size_t)c->size * sizeof(double), &fresh);
    if (p == NULL)
        return pn_fail(e, PN_ERR_NO_MEMORY, "cannot allocate %zd bytes",
                       (ssize_t)(c->size * PN_ITEM));
    if (fresh)
        c->flags |= PN_FRESH;
    c->data = p;
    return 0;
}

/* A new C-contiguous owner of the given shape (contents uninitialised).
 * no_data: a heap-sized buffer is left for pn_core_alloc_data (data NULL):
 * pending values (fused.h) get memory only when computed, since on PyPy
 * most die unread, and late, and an unused multi-megabyte buffer still
 * costs mmap and madvise calls and address space. */
static int pn_core_alloc_shape_ex(pn_core *c, int ndim, const pn_ssize_t *shape,
                                  pn_err *e, int no_data)
{
    pn_ssize_t n = 0;
    c->data = c->inline_buf;
    c->size = 0;
    c->ndim = 0;
    c->flags = PN_OWNDATA | PN_CONTIG;
    c->lazy = NULL;
    c->held = NULL;
    if (ndim == 1 && shape[0] >= 0 && shape[0] <= PN_INLINE_CAPACITY) {
        /* the tiny 1-D temporaries of ODE code: nothing to check */
        c->size = shape[0];
        c->ndim = 1;
        c->shape[0] = shape[0];
        c->strides[0] = PN_ITEM;
        return 0;
    }
    if (pn_shape_size(ndim, shape, &n, e) < 0)
        return -1;
    c->size = n;
    if (n > PN_INLINE_CAPACITY) {
        c->data = NULL;
        if (!no_data && pn_core_alloc_data(c, e) < 0) {
            c->data = c->inline_buf;
            c->size = 0;
            return -1;
        }
    }
    c->ndim = ndim;
    memcpy(c->shape, shape, (size_t)ndim * sizeof(pn_ssize_t));
    pn_set_contiguous_strides(c);
    return 0;
}

static inline int pn_core_alloc_shape(pn_core *c, int ndim, const pn_ssize_t *shape,
                                      pn_err *e)
{
    return pn_core_alloc_shape_ex(c, ndim, shape, e, 0);
}

static inline int pn_core_alloc(pn_core *c, pn_ssize_t n, pn_err *e)
{
    return pn_core_alloc_shape(c, 1, &n, e);
}

static inline int pn_core_is_heap(const pn_core *c)
{
    return (c->flags & PN_OWNDATA) && c->data != c->inline_buf;
}

static void pn_lazy_release(pn_lazy *n);
static void pn_forget_exports(const void *buffer, size_t nbytes);

static inline void pn_core_free(pn_core *c)
{
    if (c->lazy != NULL) {
        pn_lazy_release(c->lazy);
        c->lazy = NULL;
    }
    if (c->held != NULL) {   /* the data is the node's (not PN_OWNDATA) */
        pn_lazy_release(c->held);
        c->held = NULL;
    }
    if (pn_core_is_heap(c)) {
        if (c->data != NULL) {   /* NULL: a pending value that died unread */
            pn_forget_exports(c->data, (size_t)c->size * sizeof(double));
            pn_buffer_free(c->data, (size_t)c->size * sizeof(double));
        }
    }
    else if (c->flags & PN_OWNDATA)
        pn_forget_exports(c->inline_buf, sizeof(c->inline_buf));
    c->data = c->inline_buf;
    c->size = 0;
}

/* Bytes to report to PyPy's GC for a new array: only new memory (a buffer
 * reused from the cache adds none), plus what pending values (fused.h)
 * computed since the last report.  A pending value has no buffer until it
 * is computed (pn_core_alloc_shape_ex), so it reports nothing when created:
 * on PyPy most pending intermediates die unread; reporting them made PyPy
 * run a major collection every few Laplace iterations. */
static pn_ssize_t pn_pressure_owed;

static inline int pn_core_is_fresh_big(const pn_core *c)
{
    return (c->flags & PN_FRESH) && c->size * PN_ITEM >= PN_PRESSURE_THRESHOLD;
}

/* what a fresh buffer really takes (whole huge pages) */
static inline pn_ssize_t pn_core_footprint(const pn_core *c)
{
    return (pn_ssize_t)pn_buffer_footprint((size_t)(c->size * PN_ITEM));
}

/* c's buffer, allocated without a new array (a pending value's, a copy
 * for pending readers: fused.h), is used from now on: a fresh one is
 * reported with the next new array. */
static inline void pn_core_now_used(pn_core *c)
{
    if (pn_core_is_fresh_big(c))
        pn_pressure_owed += pn_core_footprint(c);
    c->flags &= ~PN_FRESH;
}

static inline pn_ssize_t pn_core_pressure_due(const pn_core *c)
{
    pn_ssize_t due = pn_pressure_owed;
    if (pn_core_is_fresh_big(c))
        due += pn_core_footprint(c);
    pn_pressure_owed = 0;
    return due;
}

/* A view: same data, its own shape/strides, no ownership. */
static inline void pn_core_view_of(pn_core *v, const pn_core *src)
{
    v->data = src->data;
    v->size = src->size;
    v->ndim = src->ndim;
    v->flags = src->flags & ~PN_OWNDATA;
    v->lazy = NULL;
    v->held = NULL;
    memcpy(v->shape, src->shape, (size_t)src->ndim * sizeof(pn_ssize_t));
    memcpy(v->strides, src->strides, (size_t)src->ndim * sizeof(pn_ssize_t));
}

/* The memory span [lo, hi) that c's elements touch (for overlap tests). */
static void pn_extent(const pn_core *c, const char **lo, const char **hi)
{
    const char *a = (const char *)c->data, *b = a;
    if (c->size == 0) {
        *lo = *hi = a;
        return;
    }
    for (int i = 0; i < c->ndim; i++) {
        pn_ssize_t span = (c->shape[i] - 1) * c->strides[i];
        if (span < 0)
            a += span;
        else
            b += span;
    }
    *lo = a;
    *hi = b + PN_ITEM;
}

static int pn_may_overlap(const pn_core *x, const pn_core *y)
{
    const char *xl, *xh, *yl, *yh;
    pn_extent(x, &xl, &xh);
    pn_extent(y, &yl, &yh);
    return xl < yh && yl < xh;
}

/* ---- 1-D helpers kept from the 1-D design ------------------------------ */

/* Python-style index normalisation; returns -1 when out of range. */
static inline pn_ssize_t pn_normalize_index(pn_ssize_t i, pn_ssize_t n)
{
    if (i < 0)
        i += n;
    return (i < 0 || i >= n) ? -1 : i;
}

/* Clamp slice bounds exactly as CPython's PySlice_AdjustIndices does.
 * start/stop are already integers (None replaced by the defaults below);
 * returns the slice length. step must be non-zero. */
static inline pn_ssize_t pn_slice_adjust(pn_ssize_t n, pn_ssize_t *start,
                                         pn_ssize_t *stop, pn_ssize_t step)
{
    if (*start < 0) {
        *start += n;
        if (*start < 0)
            *start = (step < 0) ? -1 : 0;
    }
    else if (*start >= n) {
        *start = (step < 0) ? n - 1 : n;
    }
    if (*stop < 0) {
        *stop += n;
        if (*stop < 0)
            *stop = (step < 0) ? -1 : 0;
    }
    else if (*stop >= n) {
        *stop = (step < 0) ? n - 1 : n;
    }
    if (step < 0) {
        if (*stop < *start)
            return (*start - *stop - 1) / (-step) + 1;
    }
    else if (*start < *stop) {
        return (*stop - *start - 1) / step + 1;
    }
    return 0;
}

/* Defaults for omitted slice bounds (PY_SSIZE_T_MAX-like sentinels that
 * pn_slice_adjust clamps). */
#define PN_SLICE_START_DEFAULT(step) ((step) < 0 ? PTRDIFF_MAX : 0)
#define PN_SLICE_STOP_DEFAULT(step) ((step) < 0 ? PTRDIFF_MIN : PTRDIFF_MAX)

/* Number of elements of arange(start, stop, step), numpy's rule:
 * ceil((stop - start) / step), at least 0. */
static int pn_arange_length(double start, double stop, double step,
                            pn_ssize_t *n, pn_err *e)
{
    if (step == 0.0)
        return pn_fail(e, PN_ERR_VALUE, PN_MSG_ARANGE_ZERO_STEP);
    const double span = stop - start;
    double len = ceil(span / step);
    if (len != len || isinf(len))
        return pn_fail(e, PN_ERR_VALUE, PN_MSG_BAD_RANGE);
    if (len == 0.0 && span != 0.0)   /* span/step underflowed: numpy gives 1 */
        len = signbit(span / step) ? 0.0 : 1.0;
    if (len <= 0.0) {
        *n = 0;
        return 0;
    }
    if (len > (double)PN_MAX_SIZE)
        return pn_fail(e, PN_ERR_NO_MEMORY, "arange: too many elements");
    *n = (pn_ssize_t)len;
    return 0;
}

/* ---- broadcasting ------------------------------------------------------ */

/* out_shape = broadcast(a_shape, b_shape); numpy's message on mismatch. */
static int pn_broadcast_shapes(int nda, const pn_ssize_t *sa, int ndb,
                               const pn_ssize_t *sb, int *nd, pn_ssize_t *out,
                               pn_err *e)
{
    int n = nda > ndb ? nda : ndb;
    for (int i = 0; i < n; i++) {
        pn_ssize_t x = i < n - nda ? 1 : sa[i - (n - nda)];
        pn_ssize_t y = i < n - ndb ? 1 : sb[i - (n - ndb)];
        if (x != y && x != 1 && y != 1) {
            char s1[160], s2[160];
            if (nda == 1 && ndb == 1)
                return pn_fail(e, PN_ERR_VALUE, PN_MSG_SIZE_MISMATCH,
                               (ssize_t)sa[0], (ssize_t)sb[0]);
            pn_format_shape(s1, sizeof(s1), nda, sa);
            pn_format_shape(s2, sizeof(s2), ndb, sb);
            return pn_fail(e, PN_ERR_VALUE,
                           "operands could not be broadcast together with "
                           "shapes %s %s", s1, s2);
        }
        out[i] = x == 1 ? y : x;
    }
    *nd = n;
    return 0;
}

/* Strides of c seen with shape (nd, shape): 0 on broadcast dimensions. */
static void pn_broadcast_strides(const pn_core *c, int nd,
                                 const pn_ssize_t *shape, pn_ssize_t *strides)
{
    int off = nd - c->ndim;
    for (int i = 0; i < nd; i++) {
        if (i < off || (c->shape[i - off] == 1 && shape[i] != 1))
            strides[i] = 0;
        else
            strides[i] = c->strides[i - off];
    }
}

/* Can src be written into dst's shape (numpy's assignment rule)? */
static int pn_check_assignable(const pn_core *dst, int nds,
                               const pn_ssize_t *src_shape, pn_err *e)
{
    int nd;
    pn_ssize_t shape[PN_MAXDIMS + 1];
    if (nds > PN_MAXDIMS)
        return pn_fail(e, PN_ERR_VALUE, "too many dimensions");
    if (pn_broadcast_shapes(dst->ndim, dst->shape, nds, src_shape, &nd, shape,
                            e) < 0 ||
        nd != dst->ndim || memcmp(shape, dst->shape, (size_t)nd *
                                  sizeof(pn_ssize_t)) != 0) {
        char s1[160], s2[160];
        pn_format_shape(s1, sizeof(s1), nds, src_shape);
        pn_format_shape(s2, sizeof(s2), dst->ndim, dst->shape);
        if (nds == 1 && dst->ndim == 1)
            return pn_fail(e, PN_ERR_VALUE, PN_MSG_SIZE_MISMATCH,
                           (ssize_t)src_shape[0], (ssize_t)dst->shape[0]);
        return pn_fail(e, PN_ERR_VALUE,
                       "could not broadcast input array from shape %s into "
                       "shape %s", s1, s2);
    }
    return 0;
}

/* src seen without leading size-1 dimensions beyond target_ndim: numpy
 * lets a[:] = ones((1, 3)) assign into a of shape (3,). */
static void pn_drop_leading_ones(const pn_core *src, int target_ndim,
                                 pn_core *out)
{
    int skip = 0;
    while (src->ndim - skip > target_ndim && src->shape[skip] == 1)
        skip++;
    out->data = src->data;
    out->size = src->size;
    out->ndim = src->ndim - skip;
    out->flags = src->flags & ~PN_OWNDATA;
    out->lazy = NULL;
    out->held = NULL;
    memcpy(out->shape, src->shape + skip, (size_t)out->ndim * sizeof(pn_ssize_t));
    memcpy(out->strides, src->strides + skip,
           (size_t)out->ndim * sizeof(pn_ssize_t));
}

/* Buffer-protocol requests (CPython's PyBUF_* values, stable ABI). */
#define PN_BUF_FORMAT 0x0004
#define PN_BUF_ND 0x0008
#define PN_BUF_STRIDES (0x0010 | PN_BUF_ND)
#define PN_BUF_C_CONTIG_BIT 0x0020
#define PN_BUF_F_CONTIG_BIT 0x0040
#define PN_BUF_ANY_CONTIG_BIT 0x0080

/* Can c be exported for this request?  Without strides, or when a
 * contiguous layout is asked for, the memory must be contiguous. */
static int pn_buffer_request_ok(const pn_core *c, int flags)
{
    int contig = (c->flags & PN_CONTIG) != 0;
    if ((flags & PN_BUF_STRIDES) != PN_BUF_STRIDES ||
        (flags & (PN_BUF_C_CONTIG_BIT | PN_BUF_ANY_CONTIG_BIT)))
        if (!contig)
            return 0;
    if (flags & PN_BUF_F_CONTIG_BIT) {
        int big_dims = 0;   /* C and Fortran order agree only then */
        for (int i = 0; i < c->ndim; i++)
            big_dims += c->shape[i] > 1;
        return contig && big_dims <= 1;
    }
    return 1;
}

/* ---- the N-D loop ------------------------------------------------------- */

/* Calls f on the innermost dimension for every position of the outer ones.
 * Up to three operands (out, a, b); strides in bytes, 0 = broadcast. */
typedef void (*pn_inner_fn)(char *o, pn_ssize_t os, const char *a,
                            pn_ssize_t as, const char *b, pn_ssize_t bs,
                            pn_ssize_t n, const void *arg);

/* Merge adjacent dimensions that are contiguous for every operand, so a
 * contiguous 500x500 block runs as one 250000-element loop. */
static int pn_coalesce(int nd, pn_ssize_t *shape, pn_ssize_t *s0,
                       pn_ssize_t *s1, pn_ssize_t *s2)
{
    int j = 0;
    for (int i = 1; i < nd; i++) {
        if (s0[j] == s0[i] * shape[i] && s1[j] == s1[i] * shape[i] &&
            s2[j] == s2[i] * shape[i]) {
            shape[j] *= shape[i];
            s0[j] = s0[i];
            s1[j] = s1[i];
            s2[j] = s2[i];
        }
        else {
            j++;
            shape[j] = shape[i];
            s0[j] = s0[i];
            s1[j] = s1[i];
            s2[j] = s2[i];
        }
    }
    return nd ? j + 1 : 0;
}

static void pn_iterate(int nd, const pn_ssize_t *shape_in, char *o,
                       const pn_ssize_t *os_in, const char *a,
                       const pn_ssize_t *as_in, const char *b,
                       const pn_ssize_t *bs_in, pn_inner_fn f, const void *arg)
{
    pn_ssize_t shape[PN_MAXDIMS + 1], os[PN_MAXDIMS + 1], as[PN_MAXDIMS + 1],
        bs[PN_MAXDIMS + 1], idx[PN_MAXDIMS + 1];
    for (int i = 0; i < nd; i++) {
        shape[i] = shape_in[i];
        if (shape[i] == 0)
            return;
        os[i] = os_in ? os_in[i] : 0;
        as[i] = as_in ? as_in[i] : 0;
        bs[i] = bs_in ? bs_in[i] : 0;
    }
    if (nd == 0) {
        f(o, 0, a, 0, b, 0, 1, arg);
        return;
    }
    nd = pn_coalesce(nd, shape, os, as, bs);
    const int last = nd - 1;
    for (int i = 0; i < last; i++)
        idx[i] = 0;
    for (;;) {
        f(o, os[last], a, as[last], b, bs[last], shape[last], arg);
        int d = last - 1;
        for (; d >= 0; d--) {
            o += os[d];
            a += as[d];
            b += bs[d];
            if (++idx[d] < shape[d])
                break;
            o -= os[d] * shape[d];
            a -= as[d] * shape[d];
            b -= bs[d] * shape[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}

/* ---- element-wise drivers ------------------------------------------------ */

/* out = a OP b; out has the broadcast shape; a or b may be a scalar
 * (core NULL, value in *scalar). */
static void pn_inner_binop(char *o, pn_ssize_t os, const char *a,
                           pn_ssize_t as, const char *b, pn_ssize_t bs,
                           pn_ssize_t n, const void *arg)
{
    pn_binop_strided((const pn_binop *)arg, (double *)o, os, (const double *)a,
                     as, (const double *)b, bs, n);
}

static void pn_nd_binop(const pn_binop *op, pn_core *out, const pn_core *a,
                        const double *sa, const pn_core *b, const double *sb)
{
    pn_ssize_t as[PN_MAXDIMS], bs[PN_MAXDIMS];
    if (a && b && (a->flags & b->flags & out->flags & PN_CONTIG) &&
        a->size == out->size && b->size == out->size) {
        op->vv(out->data, a->data, b->data, out->size);
        return;
    }
    if (a && !b && (a->flags & out->flags & PN_CONTIG) && a->size == out->size) {
        op->vs(out->data, a->data, *sb, out->size);
        return;
    }
    if (!a && b && (b->flags & out->flags & PN_CONTIG) && b->size == out->size) {
        op->sv(out->data, *sa, b->data, out->size);
        return;
    }
    if (a)
        pn_broadcast_strides(a, out->ndim, out->shape, as);
    else
        memset(as, 0, sizeof(as));
    if (b)
        pn_broadcast_strides(b, out->ndim, out->shape, bs);
    else
        memset(bs, 0, sizeof(bs));
    pn_iterate(out->ndim, out->shape, (char *)out->data, out->strides,
               (const char *)(a ? a->data : sa), as,
               (const char *)(b ? b->data : sb), bs, pn_inner_binop, op);
}

static void pn_inner_unary(char *o, pn_ssize_t os, const char *a,
                           pn_ssize_t as, const char *b, pn_ssize_t bs,
                           pn_ssize_t n, const void *arg)
{
    pn_kernel_unary k = *(const pn_kernel_unary *)arg;
    if (os == PN_ITEM && as == PN_ITEM) {
        k((double *)o, (const double *)a, n);
        return;
    }
    /* strided: gather chunks into a contiguous buffer so the same vector
     * kernel runs (same results as the contiguous path, and faster) */
    double buf[256];
    for (pn_ssize_t start = 0; start < n; start += 256) {
        pn_ssize_t m = n - start < 256 ? n - start : 256;
        for (pn_ssize_t i = 0; i < m; i++)
            buf[i] = *(const double *)(a + (start + i) * as);
        k(buf, buf, m);
        for (pn_ssize_t i = 0; i < m; i++)
            *(double *)(o + (start + i) * os) = buf[i];
    }
}

/* out = k(a), same shapes (or a broadcast into out). */
static void pn_nd_unary(pn_kernel_unary k, pn_core *out, const pn_core *a)
{
    pn_ssize_t as[PN_MAXDIMS];
    if ((a->flags & out->flags & PN_CONTIG) && a->size == out->size) {
        k(out->data, a->data, out->size);
        return;
    }
    pn_broadcast_strides(a, out->ndim, out->shape, as);
    pn_iterate(out->ndim, out->shape, (char *)out->data, out->strides,
               (const char *)a->data, as, NULL, NULL, pn_inner_unary, &k);
}

static void pn_inner_copy(char *o, pn_ssize_t os, const char *a, pn_ssize_t as,
                          const char *b, pn_ssize_t bs, pn_ssize_t n,
                          const void *arg)
{
    if (os == PN_ITEM && as == PN_ITEM) {
        memmove(o, a, (size_t)n * sizeof(double));
        return;
    }
    for (pn_ssize_t i = 0; i < n; i++)
        *(double *)(o + i * os) = *(const double *)(a + i * as);
}

/* dst[...] = src (broadcast).  Overlapping memory is handled by the caller
 * (pn_nd_assign_safe).  Two contiguous arrays of one size (no element
 * repeated) take pn_copy, split across threads when large, like a.copy(). */
static void pn_nd_assign(pn_core *dst, const pn_core *src)
{
    pn_ssize_t ss[PN_MAXDIMS];
    if ((dst->flags & src->flags & PN_CONTIG) && dst->size == src->size) {
        pn_copy(dst->data, src->data, dst->size);
        return;
    }
    pn_broadcast_strides(src, dst->ndim, dst->shape, ss);
    pn_iterate(dst->ndim, dst->shape, (char *)dst->data, dst->strides,
               (const char *)src->data, ss, NULL, NULL, pn_inner_copy, NULL);
}

static void pn_nd_fill(pn_core *dst, double v)
{
    pn_ssize_t zero[PN_MAXDIMS] = {0};
    if (dst->flags & PN_CONTIG) {
        pn_fill(dst->data, v, dst->size);
        return;
    }
    pn_iterate(dst->ndim, dst->shape, (char *)dst->data, dst->strides,
               (const char *)&v, zero, NULL, NULL, pn_inner_copy, NULL);
}

/* Copy c's elements in C order into the contiguous buffer out. */
static void pn_to_contiguous(double *out, const pn_core *c)
{
    pn_core dst;
    if (c->flags & PN_CONTIG) {
        pn_copy(out, c->data, c->size);
        return;
    }
    dst.data = out;
    dst.size = c->size;
    dst.ndim = c->ndim;
    dst.flags = PN_CONTIG;
    dst.lazy = NULL;
    dst.held = NULL;
    memcpy(dst.shape, c->shape, (size_t)c->ndim * sizeof(pn_ssize_t));
    pn_set_contiguous_strides(&dst);
    pn_nd_assign(&dst, c);
}

/* dst[...] = src where they may share memory (a[::-1] = a, u[1:] = u[:-1]):
 * read src into a temporary first. */
static int pn_nd_assign_safe(pn_core *dst, const pn_core *src, pn_err *e)
{
    if (!pn_may_overlap(dst, src)) {
        pn_nd_assign(dst, src);
        return 0;
    }
    pn_core tmp;
    if (pn_core_alloc_shape(&tmp, src->ndim, src->shape, e) < 0)
        return -1;
    pn_to_contiguous(tmp.data, src);
    pn_nd_assign(dst, &tmp);
    pn_core_free(&tmp);
    return 0;
}

/* out[...] = a OP b for numpy's out= and in-place operators: the operands'
 * broadcast shape must fit out (checked by the caller),
 * and an operand that overlaps out without being out is read from a copy.
 * a or b may be NULL with the scalar in *sa / *sb. */
static int pn_binop_into(const pn_binop *op, pn_core *out, const pn_core *a,
                         const double *sa, const pn_core *b, const double *sb,
                         pn_err *e)
{
    pn_core ta, tb;
    int own_a = 0, own_b = 0;
    if (a && a != out && pn_may_overlap(out, a)) {
        if (pn_core_alloc_shape(&ta, a->ndim, a->shape, e) < 0)
            return -1;
        pn_to_contiguous(ta.data, a);
        a = &ta;
        own_a = 1;
    }
    if (b && b != out && pn_may_overlap(out, b)) {
        if (pn_core_alloc_shape(&tb, b->ndim, b->shape, e) < 0) {
            if (own_a)
                pn_core_free(&ta);
            return -1;
        }
        pn_to_contiguous(tb.data, b);
        b = &tb;
        own_b = 1;
    }
    pn_nd_binop(op, out, a, sa, b, sb);
    if (own_a)
        pn_core_free(&ta);
    if (own_b)
        pn_core_free(&tb);
    return 0;
}

/* The shape a OP b broadcasts to must be writable into out (numpy's
 * "non-broadcastable output operand" otherwise). */
static int pn_check_output(const pn_core *out, const pn_core *a,
                           const pn_core *b, pn_err *e)
{
    int nd = 0;
    pn_ssize_t shape[PN_MAXDIMS];
    if (a && b) {
        if (pn_broadcast_shapes(a->ndim, a->shape, b->ndim, b->shape, &nd,
                                shape, e) < 0)
            return -1;
    }
    else if (a || b) {
        const pn_core *c = a ? a : b;
        nd = c->ndim;
        memcpy(shape, c->shape, (size_t)nd * sizeof(pn_ssize_t));
    }
    if (nd > out->ndim || pn_check_assignable(out, nd, shape, e) < 0) {
        char s1[120], s2[120];
        pn_format_shape(s1, sizeof(s1), nd, shape);
        pn_format_shape(s2, sizeof(s2), out->ndim, out->shape);
        return pn_fail(e, PN_ERR_VALUE, "non-broadcastable output operand "
                       "with shape %s doesn't match the broadcast shape %s",
                       s2, s1);
    }
    return 0;
}

/* ---- indexing ---------------------------------------------------------- */

typedef enum { PN_IDX_INT, PN_IDX_SLICE, PN_IDX_NEWAXIS, PN_IDX_ELLIPSIS } pn_idx_kind;

/* One item of an index tuple, as parsed from Python by the glue code.
 * Slices carry raw bounds (None already replaced by PN_SLICE_*_DEFAULT). */
typedef struct {
    pn_idx_kind kind;
    pn_ssize_t start, stop, step;   /* INT uses start */
} pn_index_item;

/* view = src[items]: basic indexing only, always a view (ndim 0 when every
 * dimension got an integer: the caller then returns *view->data). */
static int pn_index_view(const pn_core *src, const pn_index_item *items,
                         int nitems, pn_core *view, pn_err *e)
{
    int consumed = 0, ellipsis = -1, nd = 0;
    for (int i = 0; i < nitems; i++) {
        if (items[i].kind == PN_IDX_INT || items[i].kind == PN_IDX_SLICE)
            consumed++;
        else if (items[i].kind == PN_IDX_ELLIPSIS) {
            if (ellipsis >= 0)
                return pn_fail(e, PN_ERR_INDEX,
                               "an index can only have a single ellipsis "
                               "('...')");
            ellipsis = i;
        }
    }
    if (consumed > src->ndim)
        return pn_fail(e, PN_ERR_INDEX,
                       "too many indices for array: array is %d-dimensional, "
                       "but %d were indexed", src->ndim, consumed);
    char *data = (char *)src->data;
    int dim = 0;   /* next source dimension */
    for (int i = 0; i < nitems; i++) {
        const pn_index_item *it = &items[i];
        if (it->kind == PN_IDX_ELLIPSIS) {
            int skip = src->ndim - consumed;
            for (int k = 0; k < skip; k++, dim++) {
                if (nd >= PN_MAXDIMS)
                    goto too_many;
                view->shape[nd] = src->shape[dim];
                view->strides[nd++] = src->strides[dim];
            }
        }
        else if (it->kind == PN_IDX_NEWAXIS) {
            if (nd >= PN_MAXDIMS)
                goto too_many;
            view->shape[nd] = 1;
            view->strides[nd++] = 0;
        }
        else if (it->kind == PN_IDX_INT) {
            pn_ssize_t k = pn_normalize_index(it->start, src->shape[dim]);
            if (k < 0)
                return pn_fail(e, PN_ERR_INDEX,
                               "index %zd is out of bounds for axis %d with "
                               "size %zd", (ssize_t)it->start, dim,
                               (ssize_t)src->shape[dim]);
            data += k * src->strides[dim];
            dim++;
        }
        else {
            pn_ssize_t start = it->start, stop = it->stop, step = it->step;
            if (step == 0)
                return pn_fail(e, PN_ERR_VALUE, PN_MSG_ZERO_STEP);
            if (step == PTRDIFF_MIN)   /* -step must not overflow */
                step = -PTRDIFF_MAX;
            pn_ssize_t len = pn_slice_adjust(src->shape[dim], &start, &stop,
                                             step);
            if (nd >= PN_MAXDIMS)
                goto too_many;
            if (len > 0)
                data += start * src->strides[dim];
            view->shape[nd] = len;
            view->strides[nd++] = src->strides[dim] * step;
            dim++;
        }
    }
    for (; dim < src->ndim; dim++) {   /* implicit trailing ':' */
        if (nd >= PN_MAXDIMS)
            goto too_many;
        view->shape[nd] = src->shape[dim];
        view->strides[nd++] = src->strides[dim];
    }
    view->ndim = nd;
    view->data = (double *)data;
    view->flags = 0;
    view->lazy = NULL;
    view->held = NULL;
    pn_shape_size(nd, view->shape, &view->size, e);
    pn_update_flags(view);
    return 0;
too_many:
    return pn_fail(e, PN_ERR_INDEX, "too many dimensions (at most %d)",
                   PN_MAXDIMS);
}

/* ---- reshape / transpose -------------------------------------------------- */

/* Resolve one -1 in shape against size; numpy's messages. */
static int pn_resolve_shape(pn_ssize_t size, int nd, pn_ssize_t *shape,
                            const pn_core *src, pn_err *e)
{
    int unknown = -1;
    pn_ssize_t known = 1;
    if (nd > PN_MAXDIMS)
        return pn_fail(e, PN_ERR_VALUE, "too many dimensions (at most %d)",
                       PN_MAXDIMS);
    for (int i = 0; i < nd; i++) {
        if (shape[i] == -1) {
            if (unknown >= 0)
                return pn_fail(e, PN_ERR_VALUE,
                               "can only specify one unknown dimension");
            unknown = i;
        }
        else if (shape[i] < 0)
            return pn_fail(e, PN_ERR_VALUE, PN_MSG_NEGATIVE_SIZE);
        else if (shape[i] != 0 && known > PN_MAX_SIZE / shape[i])
            known = PN_MAX_SIZE + 1;   /* too big: reported below */
        else
            known *= shape[i];
    }
    pn_ssize_t total;
    pn_err ignored;
    char text[160];
    (void)src;
    if (unknown >= 0 && known != 0 && size % known == 0)
        shape[unknown] = size / known;
    /* checked again in full: the product must not wrap around
     * (2**62 * 4 == 16 in 64-bit arithmetic) */
    if ((unknown < 0 || shape[unknown] >= 0) &&
        pn_shape_size(nd, shape, &total, &ignored) == 0 && total == size)
        return 0;
    if (unknown >= 0)
        shape[unknown] = -1;
    pn_format_shape(text, sizeof(text), nd, shape);
    return pn_fail(e, PN_ERR_VALUE,
                   "cannot reshape array of size %zd into shape %s",
                   (ssize_t)size, text);
}

/* view with a new shape when src is contiguous; returns 1 if a copy is
 * needed instead (the caller copies into a new contiguous array). */
static int pn_reshape_view(const pn_core *src, int nd, const pn_ssize_t *shape,
                           pn_core *view)
{
    if (!(src->flags & PN_CONTIG))
        return 1;
    view->data = src->data;
    view->size = src->size;
    view->ndim = nd;
    view->flags = PN_CONTIG;
    view->lazy = NULL;
    view->held = NULL;
    memcpy(view->shape, shape, (size_t)nd * sizeof(pn_ssize_t));
    pn_set_contiguous_strides(view);
    return 0;
}

/* view = src.transpose(axes); axes NULL reverses them. */
static int pn_transpose_view(const pn_core *src, const int *axes, pn_core *view,
                             pn_err *e)
{
    int seen[PN_MAXDIMS] = {0};
    for (int i = 0; i < src->ndim; i++) {
        int ax = axes ? axes[i] : src->ndim - 1 - i;
        if (ax < 0)
            ax += src->ndim;
        if (ax < 0 || ax >= src->ndim)
            return pn_fail(e, PN_ERR_AXIS,
                           "axis %d is out of bounds for array of dimension %d",
                           axes ? axes[i] : ax, src->ndim);
        if (seen[ax]++)
            return pn_fail(e, PN_ERR_VALUE, "repeated axis in transpose");
        view->shape[i] = src->shape[ax];
        view->strides[i] = src->strides[ax];
    }
    view->data = src->data;
    view->size = src->size;
    view->ndim = src->ndim;
    view->flags = 0;
    view->lazy = NULL;
    view->held = NULL;
    pn_update_flags(view);
    return 0;
}

/* ---- reductions ------------------------------------------------------------ */

typedef enum {
    PN_RED_SUM, PN_RED_PROD, PN_RED_MIN, PN_RED_MAX, PN_RED_ARGMIN,
    PN_RED_ARGMAX, PN_RED_NANMIN, PN_RED_NANMAX, PN_RED_NANSUM, PN_RED_MEAN,
    PN_RED_COUNT
} pn_reduction;

static const char *const pn_reduction_names[PN_RED_COUNT] = {
    "sum", "prod", "minimum", "maximum", "argmin", "argmax", "fmin", "fmax",
    "nansum", "mean"};

static inline int pn_reduction_needs_elements(pn_reduction k)
{
    return k == PN_RED_MIN || k == PN_RED_MAX || k == PN_RED_ARGMIN ||
           k == PN_RED_ARGMAX || k == PN_RED_NANMIN || k == PN_RED_NANMAX;
}

/* Reduce n contiguous values (n >= 1 for the kinds that need elements). */
static double pn_reduce_lane(pn_reduction k, const double *x, pn_ssize_t n)
{
    switch (k) {
    case PN_RED_SUM: return pn_sum(x, n);
    case PN_RED_PROD: return pn_prod(x, n);
    case PN_RED_MIN: return pn_min(x, n);
    case PN_RED_MAX: return pn_max(x, n);
    case PN_RED_ARGMIN: return (double)pn_argmin(x, n);
    case PN_RED_ARGMAX: return (double)pn_argmax(x, n);
    case PN_RED_NANMIN: return pn_nanmin(x, n);
    case PN_RED_NANMAX: return pn_nanmax(x, n);
    case PN_RED_NANSUM: return pn_nansum(x, n);
    default: return n ? pn_sum(x, n) / (double)n : NAN;
    }
}

/* Reduce along `axis` into out (shape of c without axis, C-contiguous).
 * work: a scratch buffer of c->shape[axis] doubles. */
static void pn_reduce_axis(pn_reduction k, const pn_core *c, int axis,
                           double *out, double *work)
{
    pn_ssize_t shape[PN_MAXDIMS], strides[PN_MAXDIMS], idx[PN_MAXDIMS];
    int nd = 0;
    for (int i = 0; i < c->ndim; i++) {
        if (i == axis)
            continue;
        shape[nd] = c->shape[i];
        strides[nd++] = c->strides[i];
    }
    const pn_ssize_t n = c->shape[axis], s = c->strides[axis];
    pn_ssize_t total = 1;
    for (int i = 0; i < nd; i++) {
        total *= shape[i];
        idx[i] = 0;
    }
    const char *base = (const char *)c->data;
    for (pn_ssize_t o = 0; o < total; o++) {
        const double *lane;
        if (s == PN_ITEM) {
            lane = (const double *)base;
        }
        else {
            for (pn_ssize_t j = 0; j < n; j++)
                work[j] = *(const double *)(base + j * s);
            lane = work;
        }
        out[o] = pn_reduce_lane(k, lane, n);
        for (int d = nd - 1; d >= 0; d--) {   /* next outer position */
            base += strides[d];
            if (++idx[d] < shape[d])
                break;
            base -= strides[d] * shape[d];
            idx[d] = 0;
        }
    }
}

/* ---- _reduce, shared by both C sources ------------------------------- */

/* Normalise and check axis (ax: as given, for the message; *has_axis 0: all
 * elements; the only axis of a 1-D array counts as all elements, which
 * gives a scalar as in numpy), and refuse empty min/max/arg* lanes. */
static int pn_reduce_check(pn_reduction k, const pn_core *c, long ax,
                           int *has_axis, int *axis, pn_err *e)
{
    if (*has_axis) {
        *axis = (ax == (int)ax) ? (int)ax : PN_MAXDIMS + 1;
        if (*axis < 0)
            *axis += c->ndim;
        if (*axis < 0 || *axis >= c->ndim)
            return pn_fail(e, PN_ERR_AXIS, "axis %ld is out of bounds for "
                           "array of dimension %d", ax, c->ndim);
        if (c->ndim == 1)
            *has_axis = 0;
    }
    pn_ssize_t lane = *has_axis ? c->shape[*axis] : c->size;
    if (lane == 0 && pn_reduction_needs_elements(k))
        return pn_fail(e, PN_ERR_VALUE, PN_MSG_EMPTY_REDUCTION,
                       pn_reduction_names[k]);
    return 0;
}

/* The result's shape: c's without axis (kept as 1 with keepdims); with no
 * axis, () or (1,)*ndim.  Returns its ndim. */
static int pn_reduced_shape(const pn_core *c, int has_axis, int axis,
                            int keepdims, pn_ssize_t *shape)
{
    int nd = 0;
    for (int i = 0; i < c->ndim; i++) {
        if (has_axis && i != axis)
            shape[nd++] = c->shape[i];
        else if (keepdims)
            shape[nd++] = 1;
    }
    return nd;
}

/* out = the reduction (out: one double without axis, else the C-contiguous
 * reduced shape).  -1 (no memory) only when a scratch copy is needed. */
static int pn_reduce_into(pn_reduction k, const pn_core *c, int has_axis,
                          int axis, double *out, pn_err *e)
{
    pn_ssize_t n = has_axis ? c->shape[axis] : c->size;
    if (!has_axis && (c->flags & PN_CONTIG)) {
        *out = pn_reduce_lane(k, c->data, c->size);
        return 0;
    }
    double *work = (double *)malloc((size_t)n * sizeof(double) + 1);
    if (work == NULL)
        return pn_fail(e, PN_ERR_NO_MEMORY, "cannot allocate %zd bytes",
                       (ssize_t)(n * PN_ITEM));
    if (has_axis) {
        pn_reduce_axis(k, c, axis, out, work);
    }
    else {
        pn_to_contiguous(work, c);
        *out = pn_reduce_lane(k, work, n);
    }
    free(work);
    return 0;
}

/* deferred expressions build on all of the above (pn_core_free calls into
 * it, so every user of this header gets it) */
#include "fused.h"

#endif /* PICONUMPY_ARRAY_CORE_H */
