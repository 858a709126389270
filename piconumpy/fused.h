/* fused.h -- deferred element-wise expressions, computed in one pass.
 *
 * Evaluated eagerly, ((s0 + s1)*k1 + (s2 + s3)*k2)*k3 on big arrays costs
 * one pass over memory per operator and a temporary per intermediate
 * result (the Laplace stencil: 6 passes, 5 temporaries, against one loop in
 * C).  So a binary operator on big operands of equal shape returns an array
 * whose value is *pending*: a small tree of operators (pn_lazy) over leaves
 * (arrays, scalars).  Its value is computed
 *   - straight into the destination when it is assigned
 *     (u[1:-1, 1:-1] = expr), block by block, the intermediates staying in
 *     L1 (pn_lazy_eval);
 *   - into its own buffer the first time anything else reads it
 *     (pn_lazy_force, which allocates the buffer then: it can fail with
 *     no memory, so every accessor that forces can fail);
 *   - before anything writes to memory one of its leaves lives in
 *     (pn_before_write), so a pending value never sees a later write.
 * Leaves whose memory was exported (buffer protocol, __array_interface__)
 * may be written behind our back: operators on them are never deferred.
 * Every kernel is the eager one (kernels.h), so results are bit-identical.
 *
 * Glue contract for the C sources: every read of an array goes through an
 * accessor that forces a pending array first; every write into an array's
 * memory calls pn_before_write first; exports call pn_note_export.
 */
#ifndef PICONUMPY_FUSED_H
#define PICONUMPY_FUSED_H

#include <stdlib.h>
#include "array_core.h"

#define PN_FUSE_MAX_OPS 16      /* operators in one tree: bounds the scratch */
#define PN_FUSE_BLOCK 512       /* elements per block: a 500-wide row is one
                                   block, and the scratch rows fit L1 */
#define PN_FUSE_MAX_PENDING 4096 /* then the oldest is computed: PyPy keeps
                                    dead pending arrays until its next GC,
                                    and computing them is what costs (the
                                    span checks keep a long list cheap) */
#define PN_FUSE_DEFAULT_MIN 4096

/* An operand: a leaf array, a pending value (its node), or a scalar.
 * A node refers to its pending operands' nodes, not to their arrays, and
 * the glue keeps only leaf arrays alive for it (the object fields arg_a,
 * arg_b): no pending array keeps another alive.  That matters on PyPy,
 * which runs the destructors of objects that refer to each other one
 * collection apart: the six pending values of one Laplace step then needed
 * four major collections to die, and RSS reached 1 GB for a 30 MB grid. */
typedef struct pn_snap pn_snap;

typedef struct {
    const pn_core *arr;   /* leaf array operand (not pending) */
    pn_lazy *node;        /* pending operand, one reference held */
    double scalar;        /* both NULL: this scalar */
    pn_snap *snap;        /* non-NULL: the leaf's memory was overwritten and
                             arr is &moved, the same view of the copy
                             (pn_snapshot_readers); one reference held */
    pn_core moved;
} pn_lz_arg;

/* A copy of memory that pending values read, taken just before it was
 * overwritten: their leaves read the copy instead (pn_snapshot_readers). */
struct pn_snap {
    int refs;             /* leaves reading it */
    pn_core buf;          /* 1-D owner */
};

/* A node lives while its array or a pending node refers to it (refs).  It
 * is pending until computed.  Once computed it lives on only when pending
 * nodes read it (its array may be dead by then): then it owns the value's
 * buffer (kept) and its array, if alive, reads that buffer (held). */
struct pn_lazy {
    const pn_binop *op;
    pn_lz_arg a, b;
    pn_core *self;        /* the array whose value this is; NULL once dead */
    int refs;             /* its array (pending or holding it) + readers */
    int done;             /* computed: the value is in kept */
    pn_core kept;         /* done: the value, owning its buffer */
    int ops;              /* operators in the tree, pending children included */
    const char *lo, *hi;  /* bytes the value may read: its leaves (through
                             pending children; copies once moved:
                             pn_snapshot_readers) and its children's
                             buffers (a pending child's, once it has one:
                             pn_readers_see) */
    pn_lazy *prev, *next; /* the pending list, oldest first */
};

static struct {
    pn_lazy *head, *tail;
    int count;
    const char *lo, *hi;  /* union of the pending values' spans (reset when
                             none is left): most writes are outside it */
    pn_ssize_t min_size;  /* smallest deferred result; 0: never defer */
    int snapshots;        /* PN_SNAP_AUTO, PN_SNAP_NEVER or PN_SNAP_ALWAYS */
    unsigned long fused, forced, snapped;   /* counters for tests and benchmarks */
} pn_fuse = {NULL, NULL, 0, NULL, NULL, PN_FUSE_DEFAULT_MIN, -1, 0, 0, 0};

/* pn_fuse.snapshots: copy overwritten memory for its pending readers
 * instead of computing them (pn_snapshot_readers): when it is cheaper and
 * dead values linger (AUTO: on PyPy, where recycling is on), or always,
 * or never (for tests). */
enum { PN_SNAP_AUTO = -1, PN_SNAP_NEVER = 0, PN_SNAP_ALWAYS = 1 };

/* PICONUMPY_FUSE_MIN=<elements> or "off" (read at import). */
static int pn_fuse_init(pn_err *e)
{
    const char *s = getenv("PICONUMPY_FUSE_MIN");
    char *end;
    if (s == NULL || *s == '\0')
        return 0;
    if (strcmp(s, "off") == 0) {
        pn_fuse.min_size = 0;
        return 0;
    }
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || v < 0)
        return pn_fail(e, PN_ERR_VALUE, "PICONUMPY_FUSE_MIN must be a number "
                       "of elements or 'off', not '%.40s'", s);
    /* arrays up to PN_INLINE_CAPACITY are the inline type, never deferred */
    pn_fuse.min_size = v <= PN_INLINE_CAPACITY ? PN_INLINE_CAPACITY + 1
                                               : (pn_ssize_t)v;
    return 0;
}

/* _fuse_snapshots(mode) of the glues: sets pn_fuse.snapshots, returns the
 * mode before (or -2 with e set). */
static int pn_fuse_set_snapshots(long mode, pn_err *e)
{
    int before = pn_fuse.snapshots;
    if (mode != PN_SNAP_AUTO && mode != PN_SNAP_NEVER && mode != PN_SNAP_ALWAYS) {
        pn_fail(e, PN_ERR_VALUE, "snapshot mode must be -1 (auto), 0 (never) "
                "or 1 (always)");
        return -2;
    }
    pn_fuse.snapshots = (int)mode;
    return before;
}

/* ---- exported memory ------------------------------------------------------
 * Spans handed out by the buffer protocol or __array_interface__; dropped
 * when the buffer that holds them is freed (an export keeps it alive). */
static struct {
    struct { const char *lo, *hi; } *span;
    int n, cap;
    int overflow;   /* out of memory for the table: all memory counts as exported */
} pn_exports;

static int pn_is_exported(const pn_core *c)
{
    const char *lo, *hi;
    if (pn_exports.overflow)
        return 1;
    if (pn_exports.n == 0)
        return 0;
    pn_extent(c, &lo, &hi);
    for (int i = 0; i < pn_exports.n; i++)
        if (lo < pn_exports.span[i].hi && pn_exports.span[i].lo < hi)
            return 1;
    return 0;
}

static void pn_forget_exports(const void *buffer, size_t nbytes)
{
    const char *lo = (const char *)buffer, *hi = lo + nbytes;
    for (int i = 0; i < pn_exports.n;) {
        if (pn_exports.span[i].lo >= lo && pn_exports.span[i].hi <= hi)
            pn_exports.span[i] = pn_exports.span[--pn_exports.n];
        else
            i++;
    }
}

static int pn_before_write(const pn_core *dst, pn_err *e);

/* c's memory is being handed out (memoryview asks read-only buffers yet
 * may be writable, so every export counts): pending values reading it are
 * computed now (or moved to a copy of it: pn_before_write), and no later
 * operator on it is deferred.  -1: no memory
 * for those values (nothing exported). */
static int pn_note_export(const pn_core *c, pn_err *e)
{
    const char *lo, *hi;
    if (pn_before_write(c, e) < 0)
        return -1;
    /* an inline owner (<= 8 elements) never holds a deferred operand */
    if (pn_exports.overflow || c->data == c->inline_buf)
        return 0;
    pn_extent(c, &lo, &hi);
    for (int i = 0; i < pn_exports.n; i++)
        if (pn_exports.span[i].lo <= lo && hi <= pn_exports.span[i].hi)
            return 0;   /* already covered */
    if (pn_exports.n == pn_exports.cap) {
        int cap = pn_exports.cap ? 2 * pn_exports.cap : 16;
        void *p = realloc(pn_exports.span, cap * sizeof(*pn_exports.span));
        if (p == NULL) {   /* from now on all memory counts as exported */
            pn_exports.overflow = 1;
            return 0;
        }
        pn_exports.span = p;
        pn_exports.cap = cap;
    }
    pn_exports.span[pn_exports.n].lo = lo;
    pn_exports.span[pn_exports.n].hi = hi;
    pn_exports.n++;
    return 0;
}

/* ---- the pending list ---------------------------------------------------- */

static void pn_pending_unlink(pn_lazy *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        pn_fuse.head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        pn_fuse.tail = n->prev;
    n->prev = n->next = NULL;
    if (--pn_fuse.count == 0)
        pn_fuse.lo = pn_fuse.hi = NULL;
}

static void pn_node_drop_args(pn_lazy *n);

/* One reference to n is gone (its array died or stopped holding it, or a
 * reader went); the last frees it, its kept buffer and its references. */
static void pn_node_unref(pn_lazy *n)
{
    if (--n->refs > 0)
        return;
    if (n->done)
        pn_core_free(&n->kept);
    else
        pn_pending_unlink(n);
    pn_node_drop_args(n);
    free(n);
}

static void pn_snap_unref(pn_snap *s)
{
    if (--s->refs > 0)
        return;
    pn_core_free(&s->buf);
    free(s);
}

static void pn_node_drop_args(pn_lazy *n)
{
    pn_lz_arg *args[2] = {&n->a, &n->b};
    for (int i = 0; i < 2; i++) {
        if (args[i]->node != NULL) {
            pn_lazy *child = args[i]->node;
            args[i]->node = NULL;
            pn_node_unref(child);
        }
        if (args[i]->snap != NULL) {
            pn_snap_unref(args[i]->snap);
            args[i]->snap = NULL;
        }
        args[i]->arr = NULL;
    }
}

/* n's array dies (pn_core_free) while n is pending, or while it reads n's
 * buffer (held): nodes that read n keep it. */
static void pn_lazy_release(pn_lazy *n)
{
    n->self = NULL;
    pn_node_unref(n);
}

/* ---- evaluation ---------------------------------------------------------- */

/* The tree flattened into steps.  Slots 0..nleaves-1 are leaves (read in
 * place or gathered into their scratch row), PN_FUSE_LEAVES + k scratch
 * rows for results, -1 a scalar operand.  Every result is read exactly
 * once (a tree), so a step writes over its first operand's scratch row:
 * the Laplace stencil uses two rows, not six. */
#define PN_FUSE_LEAVES (PN_FUSE_MAX_OPS + 1)

typedef struct {
    const pn_binop *op;
    int a, b, out;
    double sa, sb;
    pn_kernel_pair pair;   /* merged with the next operator: (a OP b) OP2 s2 */
    double s2;
} pn_fuse_step;

typedef struct {
    int nleaves, nsteps, nrows;
    const pn_core *leaf[PN_FUSE_LEAVES];
    pn_fuse_step step[PN_FUSE_MAX_OPS];
} pn_fuse_prog;

static int pn_fuse_compile(pn_fuse_prog *p, const pn_lazy *n);

static int pn_fuse_arg(pn_fuse_prog *p, const pn_lz_arg *x)
{
    const pn_core *leaf = x->arr;
    if (x->node != NULL) {
        if (!x->node->done)   /* a pending child: inline its operators */
            return pn_fuse_compile(p, x->node);
        leaf = &x->node->kept;
    }
    if (leaf == NULL)
        return -1;
    p->leaf[p->nleaves] = leaf;
    return p->nleaves++;
}

static int pn_fuse_compile(pn_fuse_prog *p, const pn_lazy *n)
{
    int a = pn_fuse_arg(p, &n->a);
    int b = pn_fuse_arg(p, &n->b);
    pn_fuse_step *s = &p->step[p->nsteps++];
    s->op = n->op;
    s->pair = NULL;
    s->a = a;
    s->b = b;
    s->sa = n->a.scalar;
    s->sb = n->b.scalar;
    s->out = a >= PN_FUSE_LEAVES ? a
           : b >= PN_FUSE_LEAVES ? b : PN_FUSE_LEAVES + p->nrows++;
    return s->out;
}

/* An array-array step followed by "that result OP scalar" becomes one
 * pair-kernel step (kernels.h): half the stores. */
static void pn_fuse_merge_pairs(pn_fuse_prog *p)
{
    int k = 0, j = 0;
    while (k < p->nsteps) {
        pn_fuse_step s = p->step[k];
        const pn_fuse_step *t = k + 1 < p->nsteps ? &p->step[k + 1] : NULL;
        if (t && s.a >= 0 && s.b >= 0 && s.op->pair_id >= 0 &&
            t->op->pair_id >= 0 &&
            ((t->a == s.out && t->b < 0) ||
             (t->b == s.out && t->a < 0 && t->op->commutative))) {
            s.pair = pn_simd->pair[s.op->pair_id][t->op->pair_id];
            s.s2 = t->a == s.out ? t->sb : t->sa;
            s.out = t->out;
            k += 2;
        }
        else
            k += 1;
        p->step[j++] = s;
    }
    p->nsteps = j;
}

/* A compiled tree over its iteration space: outer dimensions 0..last-1,
 * then rows of shape[last] elements cut into blocks of blk; a "unit" is
 * one block of one row, units are numbered in C order. */
enum { PN_FUSE_NOPS = PN_FUSE_LEAVES + 1 };   /* dst is operand 0 */
typedef struct {
    pn_fuse_prog p;
    int nops, last;
    pn_ssize_t shape[PN_MAXDIMS], str[PN_FUSE_NOPS][PN_MAXDIMS];
    char *base[PN_FUSE_NOPS];
    pn_ssize_t blk, nblk;   /* block length, blocks per row */
} pn_fuse_job;

typedef double pn_fuse_scratch[PN_FUSE_LEAVES + PN_FUSE_MAX_OPS][PN_FUSE_BLOCK];

/* Units [u0, u1) of job J, with scratch rows of this thread's own. */
static void pn_fuse_run_in(const pn_fuse_job *J, pn_ssize_t u0, pn_ssize_t u1,
                           pn_fuse_scratch scratch)
{
    const pn_fuse_prog *p = &J->p;
    const int nops = J->nops, last = J->last;
    const pn_ssize_t row = J->shape[last], blk = J->blk;
    const double *slot[PN_FUSE_LEAVES + PN_FUSE_MAX_OPS];
    pn_ssize_t idx[PN_MAXDIMS];
    char *base[PN_FUSE_NOPS];
    /* where unit u0 is */
    pn_ssize_t outer = u0 / J->nblk, b = u0 % J->nblk;
    for (int k = 0; k < nops; k++)
        base[k] = J->base[k];
    for (int d = last - 1; d >= 0; d--) {
        idx[d] = outer % J->shape[d];
        outer /= J->shape[d];
        for (int k = 0; k < nops; k++)
            base[k] += idx[d] * J->str[k][d];
    }
    for (pn_ssize_t u = u0; u < u1; u++) {
        const pn_ssize_t start = b * blk;
        const pn_ssize_t m = row - start < blk ? row - start : blk;
        for (int k = 0; k < p->nleaves; k++) {
            const pn_ssize_t s = J->str[k + 1][last];
            const char *src = base[k + 1] + start * s;
            if (s == PN_ITEM) {
                slot[k] = (const double *)src;
                continue;
            }
            for (pn_ssize_t i = 0; i < m; i++)
                scratch[k][i] = *(const double *)(src + i * s);
            slot[k] = scratch[k];
        }
        const pn_ssize_t ds = J->str[0][last];
        double *out_row = (double *)(base[0] + start * ds);
        const double *r = NULL;
        for (int k = 0; k < p->nsteps; k++) {
            const pn_fuse_step *s = &p->step[k];
            double *o = (k == p->nsteps - 1 && ds == PN_ITEM)
                            ? out_row : scratch[s->out];
            if (s->pair)
                s->pair(o, slot[s->a], slot[s->b], s->s2, m);
            else if (s->a >= 0 && s->b >= 0)
                s->op->vv(o, slot[s->a], slot[s->b], m);
            else if (s->a >= 0)
                s->op->vs(o, slot[s->a], s->sb, m);
            else
                s->op->sv(o, s->sa, slot[s->b], m);
            slot[s->out] = r = o;
        }
        if (ds != PN_ITEM) {
            for (pn_ssize_t i = 0; i < m; i++)
                *(double *)((char *)out_row + i * ds) = r[i];
        }
        if (++b < J->nblk)
            continue;
        b = 0;   /* next row: odometer over the outer dimensions */
        for (int d = last - 1; d >= 0; d--) {
            for (int k = 0; k < nops; k++)
                base[k] += J->str[k][d];
            if (++idx[d] < J->shape[d])
                break;
            for (int k = 0; k < nops; k++)
                base[k] -= J->str[k][d] * J->shape[d];
            idx[d] = 0;
        }
    }
}

/* A pool worker's scratch: on its own (2 MB) stack. */
static __attribute__((noinline)) void
pn_fuse_run_on_stack(const pn_fuse_job *J, pn_ssize_t u0, pn_ssize_t u1)
{
    pn_fuse_scratch scratch __attribute__((aligned(64)));
    pn_fuse_run_in(J, u0, u1, scratch);
}

/* threads.h's pn_range_fn.  The calling thread uses a static scratch (132
 * KB would not fit the stack of every Python thread; the GIL makes it one
 * caller at a time), the pool's workers their stack. */
static void pn_fuse_run(const void *jv, pn_ssize_t u0, pn_ssize_t u1)
{
    static pn_fuse_scratch scratch __attribute__((aligned(64)));
    if (pn_on_worker_thread())
        pn_fuse_run_on_stack(jv, u0, u1);
    else
        pn_fuse_run_in(jv, u0, u1, scratch);
}

/* dst[...] = value of n.  dst and every leaf have n's shape; dst's memory
 * overlaps no leaf (the caller checks, pn_lazy_reads).  Large values are
 * split across threads by rows and blocks (threads.h): each element is
 * computed by the same steps on any thread, so the bits do not change. */
static void pn_lazy_eval(const pn_lazy *n, pn_core *dst)
{
    pn_fuse_job J;
    pn_fuse_prog *p = &J.p;
    p->nleaves = p->nsteps = p->nrows = 0;
    pn_fuse_compile(p, n);
    pn_fuse_merge_pairs(p);
    const int nops = p->nleaves + 1, nd = dst->ndim > 0 ? dst->ndim : 1;
    if (dst->size == 0)
        return;
    pn_ssize_t *shape = J.shape;
    J.base[0] = (char *)dst->data;
    for (int i = 0; i < nd; i++) {   /* a 0-d array runs as shape (1,) */
        shape[i] = dst->ndim ? dst->shape[i] : 1;
        J.str[0][i] = dst->ndim ? dst->strides[i] : PN_ITEM;
    }
    for (int k = 0; k < p->nleaves; k++) {
        J.base[k + 1] = (char *)p->leaf[k]->data;
        for (int i = 0; i < nd; i++)
            J.str[k + 1][i] = dst->ndim ? p->leaf[k]->strides[i] : PN_ITEM;
    }
    /* merge dimensions contiguous for every operand (a whole contiguous
     * array becomes one long row) */
    int j = 0;
    for (int i = 1; i < nd; i++) {
        int merge = 1;
        for (int k = 0; k < nops && merge; k++)
            merge = J.str[k][j] == J.str[k][i] * shape[i];
        if (!merge)
            j++;
        shape[j] = merge ? shape[j] * shape[i] : shape[i];
        for (int k = 0; k < nops; k++)
            J.str[k][j] = J.str[k][i];
    }
    J.nops = nops;
    J.last = j;
    const pn_ssize_t row = shape[j];
    /* one step on contiguous rows needs no scratch: whole rows in one
     * kernel call each (blocks only keep intermediates in L1), or, with
     * fewer rows than threads, rows cut into one part per thread */
    int whole = p->nsteps == 1 && J.str[0][j] == PN_ITEM;
    for (int k = 0; k < p->nleaves && whole; k++)
        whole = J.str[k + 1][j] == PN_ITEM;
    pn_ssize_t rows = 1;
    int dst_distinct = J.str[0][j] != 0;   /* no element written twice */
    for (int d = 0; d < j; d++) {
        rows *= shape[d];
        dst_distinct &= J.str[0][d] != 0 || shape[d] == 1;
    }
    J.blk = row < PN_FUSE_BLOCK ? row : PN_FUSE_BLOCK;
    if (whole) {
        /* + - * / parts long enough to keep their streaming stores
         * (simd.h); pair kernels do not stream */
        const pn_ssize_t grain = p->step[0].pair ? PN_GRAIN_MEMORY
                                                 : pn_grain_arith(row);
        pn_ssize_t parts = row / grain < pn_nthreads ? row / grain : pn_nthreads;
        J.blk = row;
        if (rows < parts && parts >= 2)
            J.blk = ((row + parts - 1) / parts + 63) & ~(pn_ssize_t)63;
    }
    J.nblk = (row + J.blk - 1) / J.blk;
    const pn_ssize_t units = rows * J.nblk;
    pn_ssize_t grain = PN_GRAIN_MEMORY / J.blk;
    if (!dst_distinct)
        grain = units;   /* (writes to one element must stay in order) */
    pn_parallel_for(pn_fuse_run, &J, units, grain > 0 ? grain : 1, 1);
}

/* Does computing n read memory that dst's elements touch? */
static int pn_lazy_reads(const pn_lazy *n, const pn_core *dst)
{
    const pn_lz_arg *args[2] = {&n->a, &n->b};
    for (int i = 0; i < 2; i++) {
        const pn_lazy *child = args[i]->node;
        if (child != NULL && !child->done ? pn_lazy_reads(child, dst)
            : child != NULL ? pn_may_overlap(&child->kept, dst)
            : args[i]->arr != NULL && pn_may_overlap(args[i]->arr, dst))
            return 1;
    }
    return 0;
}

static void pn_span_add(const char **lo, const char **hi, const char *l,
                        const char *h)
{
    if (*lo == NULL || l < *lo)
        *lo = l;
    if (*hi == NULL || h > *hi)
        *hi = h;
}

/* Node n, just computed into its new buffer, is read by pending nodes
 * whose spans could not include that buffer: widen theirs (there are no
 * links to readers: a walk of the list, only when a value that has readers
 * is computed).  Their own readers need nothing: a node is older than its
 * readers, so a write that reaches the buffer computes n's readers first
 * (pn_before_write goes oldest first), and theirs read their buffers. */
static void pn_readers_see(const pn_lazy *n)
{
    const char *lo, *hi;
    pn_extent(&n->kept, &lo, &hi);
    pn_span_add(&pn_fuse.lo, &pn_fuse.hi, lo, hi);
    for (pn_lazy *m = pn_fuse.head; m != NULL; m = m->next)
        if (m->a.node == n || m->b.node == n)
            pn_span_add(&m->lo, &m->hi, lo, hi);
}

/* Compute n into a buffer allocated now.  Read by no other node: into its
 * array's own buffer, and the node goes.  Else the node keeps the buffer
 * for its readers and its array, if alive, holds the node and reads it.
 * -1: no memory (n stays pending, nothing changed). */
static int pn_lazy_force(pn_lazy *n, pn_err *e)
{
    pn_core *self = n->self;
    pn_core *value = n->refs > (self != NULL) ? &n->kept : self;
    if (value->data == NULL && pn_core_alloc_data(value, e) < 0)
        return -1;
    pn_lazy_eval(n, value);
    pn_core_now_used(value);
    pn_fuse.forced++;
    if (value == self) {
        self->lazy = NULL;
        pn_lazy_release(n);
        return 0;
    }
    n->done = 1;
    pn_pending_unlink(n);
    pn_node_drop_args(n);   /* (older nodes only: see pn_before_write) */
    pn_readers_see(n);
    if (self != NULL) {   /* its reference moves from lazy to held */
        self->data = n->kept.data;
        self->flags &= ~PN_OWNDATA;
        self->lazy = NULL;
        self->held = n;
    }
    return 0;
}

/* n's span from its operands: leaves, pending children's spans, computed
 * children's buffers (set by pn_defer, again after leaves moved). */
static void pn_node_respan(pn_lazy *n)
{
    const pn_lz_arg *args[2] = {&n->a, &n->b};
    const char *l, *h;
    n->lo = n->hi = NULL;
    for (int i = 0; i < 2; i++) {
        const pn_lazy *child = args[i]->node;
        if (child != NULL && !child->done)
            pn_span_add(&n->lo, &n->hi, child->lo, child->hi);
        else if (child != NULL || args[i]->arr != NULL) {
            pn_extent(child != NULL ? &child->kept : args[i]->arr, &l, &h);
            pn_span_add(&n->lo, &n->hi, l, h);
        }
    }
}

/* Leaf operand x of a pending node reads memory that dst's elements touch. */
static int pn_leaf_in(const pn_lz_arg *x, const pn_core *dst)
{
    return x->node == NULL && x->arr != NULL && pn_may_overlap(x->arr, dst);
}

/* dst's memory [lo, hi) is about to be written.  On PyPy most pending
 * values reading it are dead (their arrays wait for a major collection),
 * yet they must keep their value: computing them costs a pass per value
 * (the Laplace stencil: two sums over the grid, each iteration), copying
 * the memory they read costs one pass for all of them.  So when that is
 * clearly cheaper, copy it once and move their leaves into the copy;
 * values that read dst through a computed child's buffer are left to
 * pn_before_write, and so are all of them when no memory is left for
 * the copy.  Returns 0 when no pending value's span meets [lo, hi) (then
 * there is nothing to compute either). */
static int pn_snapshot_readers(const pn_core *dst, const char *lo, const char *hi)
{
    const char *slo = NULL, *shi = NULL;
    double cost_force = 0.0;
    int met = 0;
    for (pn_lazy *n = pn_fuse.head; n != NULL; n = n->next) {
        if (!(lo < n->hi && n->lo < hi))
            continue;
        met = 1;
        const pn_lz_arg *args[2] = {&n->a, &n->b};
        int arrays = 0, in = 0;
        for (int i = 0; i < 2; i++) {
            arrays += args[i]->node != NULL || args[i]->arr != NULL;
            if (pn_leaf_in(args[i], dst)) {
                const char *l, *h;
                pn_extent(args[i]->arr, &l, &h);
                pn_span_add(&slo, &shi, l, h);
                in = 1;
            }
        }
        if (in)   /* its operands read, its value written */
            cost_force += (double)(arrays + 1) * (double)n->kept.size * PN_ITEM;
    }
    if (slo == NULL)
        return met;
    /* the copy: read once, written once; "clearly": half the cost */
    if (pn_fuse.snapshots != PN_SNAP_ALWAYS &&
        4.0 * (double)(shi - slo) > cost_force)
        return 1;
    pn_snap *s = (pn_snap *)malloc(sizeof(pn_snap));
    pn_err ignored;
    if (s == NULL)
        return 1;
    if (pn_core_alloc(&s->buf, (pn_ssize_t)((shi - slo) / PN_ITEM), &ignored) < 0) {
        free(s);
        return 1;
    }
    s->refs = 0;
    pn_copy(s->buf.data, (const double *)slo, s->buf.size);
    pn_core_now_used(&s->buf);
    const char *cl = (const char *)s->buf.data;
    for (pn_lazy *n = pn_fuse.head; n != NULL; n = n->next) {
        if (!(lo < n->hi && n->lo < hi))
            continue;
        pn_lz_arg *args[2] = {&n->a, &n->b};
        for (int i = 0; i < 2; i++) {
            pn_lz_arg *x = args[i];
            if (!pn_leaf_in(x, dst))
                continue;
            pn_core_view_of(&x->moved, x->arr);
            x->moved.data = (double *)(cl + ((const char *)x->arr->data - slo));
            x->arr = &x->moved;
            x->snap = s;
            s->refs++;
        }
        /* what it reads now: the copy, not dst (its pending children come
         * first in the list: theirs are new already), so later writes into
         * dst (the grid's edges) pass it by */
        pn_node_respan(n);
    }
    /* (pn_fuse.lo/hi need not cover the copy: nothing but us writes it) */
    pn_fuse.snapped++;
    return 1;
}

static int pn_snapshots_on(void)
{
    return pn_fuse.snapshots == PN_SNAP_AUTO ? pn_recycle.on
                                             : pn_fuse.snapshots == PN_SNAP_ALWAYS;
}

/* dst's memory is about to be written: compute the pending values that
 * read it first (oldest first, so a child is ready before its parents),
 * unless their leaves could be moved to a copy (pn_snapshot_readers). */
static int pn_before_write(const pn_core *dst, pn_err *e)
{
    if (pn_fuse.head == NULL || dst->size == 0)
        return 0;
    const char *lo, *hi;
    pn_extent(dst, &lo, &hi);
    if (!(lo < pn_fuse.hi && pn_fuse.lo < hi))
        return 0;
    if (pn_snapshots_on() && !pn_snapshot_readers(dst, lo, hi))
        return 0;
    pn_lazy *n = pn_fuse.head;
    while (n != NULL) {
        pn_lazy *next = n->next;
        if (lo < n->hi && n->lo < hi && pn_lazy_reads(n, dst) &&
            pn_lazy_force(n, e) < 0)
            return -1;
        n = next;
    }
    return 0;
}

/* ---- deferring an operator ----------------------------------------------- */

static int pn_arg_ops(const pn_core *c)
{
    return (c != NULL && c->lazy != NULL) ? c->lazy->ops : 0;
}

/* Can out = a OP b (a or b NULL: scalar) be deferred?  Only for big
 * results, operands of exactly out's shape (no broadcasting) and memory
 * nobody else can write.  Pending operands count as their trees. */
static int pn_fuse_eligible(const pn_core *a, const pn_core *b, int nd,
                            const pn_ssize_t *shape)
{
    const pn_core *args[2] = {a, b};
    pn_ssize_t size;
    pn_err e;
    if (pn_fuse.min_size == 0 || (nd == 1 && shape[0] < pn_fuse.min_size))
        return 0;   /* the tiny 1-D arrays of ODE code leave here */
    if (pn_shape_size(nd, shape, &size, &e) < 0 || size < pn_fuse.min_size)
        return 0;
    for (int i = 0; i < 2; i++) {
        const pn_core *c = args[i];
        if (c == NULL)
            continue;
        if (c->ndim != nd ||
            memcmp(c->shape, shape, (size_t)nd * sizeof(pn_ssize_t)) != 0)
            return 0;
        if (c->lazy == NULL && pn_is_exported(c))
            return 0;
    }
    return 1;
}

/* Would a tree with these operands exceed PN_FUSE_MAX_OPS?  (Then the
 * caller forces the pending operands first and defers one operator.) */
static int pn_fuse_too_big(const pn_core *a, const pn_core *b)
{
    return 1 + pn_arg_ops(a) + pn_arg_ops(b) > PN_FUSE_MAX_OPS;
}

static void pn_lz_arg_set(pn_lz_arg *x, const pn_core *c, double scalar)
{
    x->scalar = scalar;
    x->snap = NULL;
    x->node = c != NULL && c->lazy != NULL ? c->lazy : NULL;
    x->arr = x->node == NULL ? c : NULL;
    if (x->node != NULL)
        x->node->refs++;
}

/* out's value becomes a OP b, pending.  Returns -1 (nothing changed) when
 * out of memory. */
static int pn_defer(const pn_binop *op, pn_core *out, const pn_core *a,
                    double sa, const pn_core *b, double sb)
{
    pn_lazy *n = (pn_lazy *)malloc(sizeof(pn_lazy));
    if (n == NULL)
        return -1;
    n->op = op;
    pn_lz_arg_set(&n->a, a, sa);
    pn_lz_arg_set(&n->b, b, sb);
    n->self = out;
    n->refs = 1;
    n->done = 0;
    n->kept = *out;   /* the shape; its buffer only if computed with readers */
    n->ops = 1 + pn_arg_ops(a) + pn_arg_ops(b);
    pn_node_respan(n);
    pn_span_add(&pn_fuse.lo, &pn_fuse.hi, n->lo, n->hi);
    n->next = NULL;
    n->prev = pn_fuse.tail;
    if (pn_fuse.tail)
        pn_fuse.tail->next = n;
    else
        pn_fuse.head = n;
    pn_fuse.tail = n;
    pn_fuse.count++;
    out->lazy = n;
    if (pn_fuse.count > PN_FUSE_MAX_PENDING) {
        pn_err ignored;   /* no memory: the cap is soft, it stays pending */
        (void)pn_lazy_force(pn_fuse.head, &ignored);
    }
    return 0;
}

/* dst[...] = value of the pending array v, computed straight into dst when
 * possible.  Returns 1 when done, 0 when the caller must force v and assign
 * normally (other shape, or dst overlaps what v reads), -1 when no memory
 * (for values that read dst's memory, computed first). */
static int pn_assign_pending(pn_core *dst, const pn_core *v, pn_err *e)
{
    if (v->lazy == NULL || dst->ndim != v->ndim ||
        memcmp(dst->shape, v->shape, (size_t)v->ndim * sizeof(pn_ssize_t)) != 0 ||
        pn_lazy_reads(v->lazy, dst))
        return 0;
    if (pn_before_write(dst, e) < 0)
        return -1;
    pn_lazy_eval(v->lazy, dst);
    pn_fuse.fused++;
    return 1;
}

#endif /* PICONUMPY_FUSED_H */
