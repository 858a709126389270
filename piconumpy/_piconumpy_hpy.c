/* _piconumpy_hpy.c -- the piconumpy array type written once against HPy.
 *
 * Built three ways by setup.py: HPy CPython ABI (module _piconumpy_hpy),
 * HPy universal ABI on CPython with hpy 0.9 and on PyPy with its own HPy
 * 0.0.4 (module _piconumpy_hpy_universal).  hpy_compat.h hides the API
 * differences; kernels.h holds the numeric loops, array_core.h the N-D
 * storage, indexing and loops, linalg.h the dense linear algebra, all
 * shared with _piconumpy_cpython.c.  This file is only the Python glue.
 */
#include <stdio.h>
#include "hpy_compat.h"
#include "array_core.h"
#include "linalg.h"

#ifndef PN_MODNAME
#define PN_MODNAME _piconumpy_hpy
#endif

typedef struct {
    pn_core core;
    HPyField base;   /* views: the array that owns the data */
    HPyField arg_a, arg_b;   /* pending value (fused.h): the leaf arrays its
                                operands read (leaves_of) */
} ArrayObject;

HPyType_HELPERS(ArrayObject)

/* Handles kept across calls: HPyGlobals (see pn_global in hpy_compat.h). */
static pn_global g_array_type;     /* piconumpy.ndarray: small arrays, data inline */
static pn_global g_heap_type;      /* its subtype: malloc'd data */
static pn_global g_view_type;      /* its subtype: a view (keeps its base) */
static pn_global g_slice_type;
static pn_global g_ellipsis;
static pn_global g_hook_repr;      /* piconumpy._format.array_repr */
static pn_global g_hook_str;       /* piconumpy._format.array_str */
static pn_global g_hook_coerce;    /* piconumpy._coerce.to_float_source */
static pn_global g_hook_dtype;     /* piconumpy._dtype.float64 */
static pn_global g_hook_pressure;  /* __pypy__.add_memory_pressure or None */
static pn_global g_hook_collect;   /* PyPy: runs gc.collect() (array_core.h's
                                      recycling); None on CPython */
static int hooks_ready = 0;        /* set by _setup */
static int pressure_enabled = 0;

/* An array's core for reading: a pending value (fused.h) is computed
 * first, which needs its buffer: NULL with MemoryError set when there is
 * no memory.  RAW_CORE: as it is, for the places that defer or assign
 * pending values themselves and for what a pending value already knows
 * (shape, size, strides). */
#define RAW_CORE(ctx, h) (&ArrayObject_AsStruct(ctx, h)->core)

static void raise_err(HPyContext *ctx, const pn_err *e);

/* Computes a pending value, and drops the operands a computed value kept.
 * -1: MemoryError (the value's buffer is allocated now). */
static int settle(HPyContext *ctx, HPy h, ArrayObject *o)
{
    pn_err e;
    if (o->core.lazy != NULL && pn_lazy_force(o->core.lazy, &e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    HPyField_Store(ctx, h, &o->arg_a, HPy_NULL);
    HPyField_Store(ctx, h, &o->arg_b, HPy_NULL);
    return 0;
}

/* NULL (MemoryError set) when a pending value cannot get its buffer */
static inline pn_core *core_of(HPyContext *ctx, HPy h)
{
    ArrayObject *o = ArrayObject_AsStruct(ctx, h);
    if ((o->core.lazy != NULL || !HPyField_IsNull(o->arg_a) ||
         !HPyField_IsNull(o->arg_b)) && settle(ctx, h, o) < 0)
        return NULL;
    return &o->core;
}

/* f(c) of fused.h (computing the pending values that read c's memory),
 * its MemoryError raised: -1 */
static int raising(HPyContext *ctx, int (*f)(const pn_core *, pn_err *), const pn_core *c)
{
    pn_err e;
    if (f(c, &e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    return 0;
}

static int before_write(HPyContext *ctx, const pn_core *dst)
{
    return raising(ctx, pn_before_write, dst);
}

static int note_export(HPyContext *ctx, const pn_core *c)
{
    return raising(ctx, pn_note_export, c);
}
#define CORE(ctx, h) core_of(ctx, h)

/* ------------------------------------------------------------------ */
/* errors                                                              */

static void raise_err(HPyContext *ctx, const pn_err *e)
{
    switch (e->status) {
    case PN_ERR_NO_MEMORY:
        HPyErr_SetString(ctx, ctx->h_MemoryError, e->msg);
        break;
    case PN_ERR_INDEX:
    case PN_ERR_AXIS:
        HPyErr_SetString(ctx, ctx->h_IndexError, e->msg);
        break;
    case PN_ERR_TYPE:
        HPyErr_SetString(ctx, ctx->h_TypeError, e->msg);
        break;
    default:
        HPyErr_SetString(ctx, ctx->h_ValueError, e->msg);
    }
}

static int error_is_type_error(HPyContext *ctx)
{
    return HPyErr_ExceptionMatches(ctx, ctx->h_TypeError);
}

static HPy raise_type(HPyContext *ctx, const char *msg)
{
    HPyErr_SetString(ctx, ctx->h_TypeError, msg);
    return HPy_NULL;
}

/* ------------------------------------------------------------------ */
/* hooks and allocation                                                */

/* hook(arg) for a Python hook installed by _setup. */
static HPy call_hook1(HPyContext *ctx, pn_global g, HPy arg)
{
    HPy hook = PN_GLOBAL_BORROW(ctx, g);
    HPy args = HPyTuple_FromArray(ctx, &arg, 1);
    HPy res = HPy_IsNull(args) ? HPy_NULL
                               : HPy_CallTupleDict(ctx, hook, args, HPy_NULL);
    if (!HPy_IsNull(args))
        HPy_Close(ctx, args);
    PN_GLOBAL_RELEASE(ctx, hook);
    return res;
}

/* Report a large malloc'd buffer to PyPy's GC, which cannot see it. */
static int report_pressure(HPyContext *ctx, pn_ssize_t nbytes)
{
    HPy arg = HPyLong_FromSsize_t(ctx, nbytes);
    if (HPy_IsNull(arg))
        return -1;
    HPy res = call_hook1(ctx, g_hook_pressure, arg);
    HPy_Close(ctx, arg);
    if (HPy_IsNull(res))
        return -1;
    HPy_Close(ctx, res);
    return 0;
}

/* array_core.h's recycling collection, at a safe point: binary operators
 * run it before looking at anything, new_owner_ex before creating
 * anything, so no C frame holds a core whose array may be dead (the
 * destructors it runs free buffers and pending values).  new_owner_ex
 * skips it for a pending value (which takes no buffer now): its caller
 * decided to defer before, and the destructors' Python code could export
 * an operand in between (a deferred value must never read exported
 * memory). */
static int recycle_collect(HPyContext *ctx)
{
    if (!pn_recycle_begin())
        return 0;
    HPy res = call_hook1(ctx, g_hook_collect, ctx->h_None);
    pn_recycle_end(!HPy_IsNull(res));
    if (HPy_IsNull(res))
        return -1;
    HPy_Close(ctx, res);
    return 0;
}

/* A new C-contiguous array owning its (uninitialised) data; *out gets its
 * core.  base_type is the borrowed piconumpy.ndarray type.
 * Arrays whose data fits inline get the base type, which has no
 * tp_destroy: on PyPy an object with a destructor costs ~300 ns more to
 * create (measured with zeros(4)), the dominant cost of tiny temporaries.
 * Larger arrays and views get the subtype that frees / keeps its data. */
static HPy new_owner_ex(HPyContext *ctx, HPy base_type, int nd,
                        const pn_ssize_t *shape, pn_core **out, int pending)
{
    ArrayObject *obj;
    pn_ssize_t n = 0;
    pn_err e;
    HPy h;
    if (pn_recycle.wanted && !pending && recycle_collect(ctx) < 0)
        return HPy_NULL;
    if (nd == 1 && shape[0] >= 0 && shape[0] <= PN_INLINE_CAPACITY)
        n = shape[0];   /* tiny 1-D temporaries: nothing to check */
    else if (pn_shape_size(nd, shape, &n, &e) < 0) {
        raise_err(ctx, &e);
        return HPy_NULL;
    }
    if (n > PN_INLINE_CAPACITY) {
        HPy heap = PN_GLOBAL_BORROW(ctx, g_heap_type);
        h = HPy_New(ctx, heap, &obj);
        PN_GLOBAL_RELEASE(ctx, heap);
    }
    else {
        h = HPy_New(ctx, base_type, &obj);
    }
    if (HPy_IsNull(h))
        return HPy_NULL;
    if (pn_core_alloc_shape_ex(&obj->core, nd, shape, &e, pending) < 0) {
        HPy_Close(ctx, h);
        raise_err(ctx, &e);
        return HPy_NULL;
    }
    pn_ssize_t due = pressure_enabled ? pn_core_pressure_due(&obj->core) : 0;
    if (due > 0 && report_pressure(ctx, due) < 0) {
        HPy_Close(ctx, h);
        return HPy_NULL;
    }
    *out = &obj->core;
    return h;
}

static HPy new_owner_of(HPyContext *ctx, HPy base_type, int nd,
                        const pn_ssize_t *shape, pn_core **out)
{
    return new_owner_ex(ctx, base_type, nd, shape, out, 0);
}

static HPy new_owner(HPyContext *ctx, int nd, const pn_ssize_t *shape,
                     pn_core **out)
{
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    HPy res = new_owner_of(ctx, type, nd, shape, out);
    PN_GLOBAL_RELEASE(ctx, type);
    return res;
}

static HPy new_1d(HPyContext *ctx, pn_ssize_t n, pn_core **out)
{
    return new_owner(ctx, 1, &n, out);
}

/* A view described by desc on the data of src (an array). */
static HPy new_view(HPyContext *ctx, HPy src, const pn_core *desc)
{
    ArrayObject *obj, *s = ArrayObject_AsStruct(ctx, src);
    HPy view_type = PN_GLOBAL_BORROW(ctx, g_view_type);
    HPy h = HPy_New(ctx, view_type, &obj);
    PN_GLOBAL_RELEASE(ctx, view_type);
    if (HPy_IsNull(h))
        return HPy_NULL;
    pn_core_view_of(&obj->core, desc);
    /* keep the owner alive: src itself, or the owner src is a view of */
    HPy owner = HPyField_IsNull(s->base) ? HPy_Dup(ctx, src)
                                         : HPyField_Load(ctx, src, s->base);
    HPyField_Store(ctx, h, &obj->base, owner);
    HPy_Close(ctx, owner);
    return h;
}

PN_SLOT(array_destroy, HPy_tp_destroy)
static void array_destroy_impl(void *obj)
{
    pn_core_free(&((ArrayObject *)obj)->core);
}

PN_SLOT(array_traverse, HPy_tp_traverse)
static int array_traverse_impl(void *obj, HPyFunc_visitproc visit, void *arg)
{
    HPy_VISIT(&((ArrayObject *)obj)->base);
    HPy_VISIT(&((ArrayObject *)obj)->arg_a);
    HPy_VISIT(&((ArrayObject *)obj)->arg_b);
    return 0;
}

/* ------------------------------------------------------------------ */
/* conversion from Python objects                                     */

static int is_array(HPyContext *ctx, HPy obj)
{
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    int res = HPy_TypeCheck(ctx, obj, type);
    PN_GLOBAL_RELEASE(ctx, type);
    return res;
}

static double as_double(HPyContext *ctx, HPy obj)
{
    return HPyFloat_AsDouble(ctx, obj);
}

static HPy array_from_object(HPyContext *ctx, HPy obj);
static HPy array_from_sequence(HPyContext *ctx, HPy obj, int nested_ok);

/* A shape from an int or a sequence of ints (__index__ objects too). */
static int parse_shape(HPyContext *ctx, HPy obj, int *nd, pn_ssize_t *shape)
{
    int is_seq = HPyTuple_Check(ctx, obj) || HPyList_Check(ctx, obj);
    pn_ssize_t n = is_seq ? HPy_Length(ctx, obj) : 1;
    if (n < 0)
        return -1;
    if (n > PN_MAXDIMS) {
        HPyErr_SetString(ctx, ctx->h_ValueError,
                         "too many dimensions (piconumpy supports 8)");
        return -1;
    }
    for (pn_ssize_t i = 0; i < n; i++) {
        HPy item = is_seq ? HPy_GetItem_i(ctx, obj, i) : HPy_Dup(ctx, obj);
        if (HPy_IsNull(item))
            return -1;
        HPy idx = HPy_Index(ctx, item);
        HPy_Close(ctx, item);
        if (HPy_IsNull(idx))
            return -1;
        shape[i] = HPyLong_AsSsize_t(ctx, idx);
        HPy_Close(ctx, idx);
        if (shape[i] == -1 && HPyErr_Occurred(ctx)) {
            if (!HPyErr_ExceptionMatches(ctx, ctx->h_OverflowError))
                return -1;
            HPyErr_Clear(ctx);
            HPyErr_SetString(ctx, ctx->h_ValueError, "array size is too large");
            return -1;
        }
    }
    *nd = (int)n;
    return 0;
}

/* Anything but a flat list/tuple of numbers or an array goes through the
 * Python hook (nested sequences, iterables, buffers): it returns a flat
 * list of numbers or (shape, float64 bytes). */
static HPy array_from_coerced(HPyContext *ctx, HPy obj)
{
    if (!hooks_ready)
        return raise_type(ctx, "array() needs a list or tuple of numbers");
    HPy src = call_hook1(ctx, g_hook_coerce, obj);
    if (HPy_IsNull(src))
        return HPy_NULL;
    HPy res = HPy_NULL;
    if (HPyList_Check(ctx, src)) {
        res = array_from_sequence(ctx, src, 0);   /* flat: no second trip */
    }
    else if (HPyTuple_Check(ctx, src) && HPy_Length(ctx, src) == 2) {
        HPy shape_obj = HPy_GetItem_i(ctx, src, 0);
        HPy data = HPy_GetItem_i(ctx, src, 1);
        int nd;
        pn_ssize_t shape[PN_MAXDIMS];
        pn_core *c;
        if (!HPy_IsNull(shape_obj) && !HPy_IsNull(data) &&
            parse_shape(ctx, shape_obj, &nd, shape) == 0) {
            res = new_owner(ctx, nd, shape, &c);
            if (!HPy_IsNull(res) &&
                HPyBytes_Size(ctx, data) != c->size * PN_ITEM) {
                HPy_Close(ctx, res);
                res = raise_type(ctx, "piconumpy coercion hook: size mismatch");
            }
            else if (!HPy_IsNull(res)) {
                memcpy(c->data, HPyBytes_AsString(ctx, data),
                       (size_t)c->size * sizeof(double));
            }
        }
        if (!HPy_IsNull(shape_obj))
            HPy_Close(ctx, shape_obj);
        if (!HPy_IsNull(data))
            HPy_Close(ctx, data);
    }
    else {
        res = raise_type(ctx, "piconumpy coercion hook returned a bad value");
    }
    HPy_Close(ctx, src);
    return res;
}

static HPy array_copy_of(HPyContext *ctx, HPy obj)
{
    pn_core *src = CORE(ctx, obj), *c;
    if (src == NULL)
        return HPy_NULL;
    HPy res = new_owner(ctx, src->ndim, src->shape, &c);
    if (!HPy_IsNull(res))
        pn_to_contiguous(c->data, src);
    return res;
}

/* A flat list/tuple of numbers; nested_ok: a nested sequence goes to the
 * Python hook, else it is a TypeError (the hook's own output). */
static HPy array_from_sequence(HPyContext *ctx, HPy obj, int nested_ok)
{
    pn_core *c;
    pn_ssize_t n = HPy_Length(ctx, obj);
    if (n < 0)
        return HPy_NULL;
    HPy res = new_1d(ctx, n, &c);
    if (HPy_IsNull(res))
        return HPy_NULL;
    for (pn_ssize_t i = 0; i < n; i++) {
        HPy item = HPy_GetItem_i(ctx, obj, i);
        if (HPy_IsNull(item))
            goto fail;
        double v = as_double(ctx, item);
        if (v == -1.0 && HPyErr_Occurred(ctx)) {
            /* a nested sequence: the N-D rules live in the Python hook */
            int nested = nested_ok && error_is_type_error(ctx) &&
                         (HPyList_Check(ctx, item) || HPyTuple_Check(ctx, item) ||
                          is_array(ctx, item));
            HPy_Close(ctx, item);
            if (!nested)
                goto fail;
            HPyErr_Clear(ctx);
            HPy_Close(ctx, res);
            return array_from_coerced(ctx, obj);
        }
        HPy_Close(ctx, item);
        c->data[i] = v;
    }
    return res;
fail:
    HPy_Close(ctx, res);
    return HPy_NULL;
}

/* array(obj): always a new array. */
static HPy array_from_object(HPyContext *ctx, HPy obj)
{
    if (is_array(ctx, obj))
        return array_copy_of(ctx, obj);
    if (!HPyList_Check(ctx, obj) && !HPyTuple_Check(ctx, obj))
        return array_from_coerced(ctx, obj);
    return array_from_sequence(ctx, obj, 1);
}

/* ------------------------------------------------------------------ */
/* operands of arithmetic                                              */

typedef enum { OPD_ARRAY, OPD_SCALAR, OPD_OTHER, OPD_ERROR } opd_kind;

typedef struct {
    opd_kind kind;
    double scalar;
    pn_core *core;
    HPy owned;    /* temporary array made from a list/tuple, or HPy_NULL */
} operand;

/* Sort an operand into array / real scalar / other.  known_array: the
 * caller knows obj is an array (saves a type check, a handle round trip on
 * PyPy).  Scalars are tried before lists and tuples: they are the common
 * case in numerical code. */
static void classify_as(HPyContext *ctx, HPy type, HPy obj, operand *op,
                        int known_array, int raw)
{
    op->owned = HPy_NULL;
    op->core = NULL;
    op->scalar = 0.0;
    if (known_array || HPy_TypeCheck(ctx, obj, type)) {
        op->core = raw ? RAW_CORE(ctx, obj) : CORE(ctx, obj);
        op->kind = op->core != NULL ? OPD_ARRAY : OPD_ERROR;
        return;
    }
    op->scalar = as_double(ctx, obj);
    if (op->scalar != -1.0 || !HPyErr_Occurred(ctx)) {
        op->kind = OPD_SCALAR;
        return;
    }
    if (!error_is_type_error(ctx)) {
        op->kind = OPD_ERROR;       /* e.g. OverflowError from a huge int */
        return;
    }
    HPyErr_Clear(ctx);
    if (HPyList_Check(ctx, obj) || HPyTuple_Check(ctx, obj)) {
        op->owned = array_from_object(ctx, obj);
        if (HPy_IsNull(op->owned)) {
            op->kind = OPD_ERROR;
            return;
        }
        op->core = CORE(ctx, op->owned);   /* (a new array: never pending) */
        op->kind = OPD_ARRAY;
        return;
    }
    op->kind = OPD_OTHER;
}

/* Array operands are read: pending values computed. */
static void classify(HPyContext *ctx, HPy type, HPy obj, operand *op,
                     int known_array)
{
    classify_as(ctx, type, obj, op, known_array, 0);
}

/* A pending array operand is computed now (it will not be deferred).
 * -1: MemoryError. */
static int settle_operand(HPyContext *ctx, HPy obj, operand *op)
{
    if (op->kind == OPD_ARRAY && HPy_IsNull(op->owned) && op->core->lazy) {
        pn_core *c = CORE(ctx, obj);
        if (c == NULL)
            return -1;
        op->core = c;
    }
    return 0;
}

/* An operand computed behind its back (by a write or an export) still
 * holds its own operands: drop them before it becomes a leaf, so that
 * x = x + y in a loop cannot grow a chain of old arrays. */
static void tidy_operand(HPyContext *ctx, HPy obj, operand *op)
{
    if (op->kind == OPD_ARRAY && HPy_IsNull(op->owned) && !op->core->lazy)
        op->core = CORE(ctx, obj);   /* (not pending: cannot fail) */
}

/* OPD_OTHER -> any array-like (numpy array, range...) converted, for the
 * places that accept them (assignment, functions). */
static void classify_convert(HPyContext *ctx, HPy obj, operand *op)
{
    if (op->kind != OPD_OTHER)
        return;
    op->owned = array_from_object(ctx, obj);
    op->kind = HPy_IsNull(op->owned) ? OPD_ERROR : OPD_ARRAY;
    if (op->kind == OPD_ARRAY)
        op->core = CORE(ctx, op->owned);   /* (a new array: never pending) */
}

static void release(HPyContext *ctx, operand *op)
{
    if (!HPy_IsNull(op->owned))
        HPy_Close(ctx, op->owned);
}

enum { KNOWN_NONE, KNOWN_LEFT, KNOWN_RIGHT };

/* What a pending value keeps alive for an operand (fused.h): the operand
 * itself if it is a leaf; for a pending operand, the leaves it keeps (its
 * fields, in a tuple if two), never the pending array itself.  HPy_NULL
 * (error set) when out of memory. */
static HPy leaves_of(HPyContext *ctx, HPy obj, const pn_core *c)
{
    if (c->lazy == NULL)
        return HPy_Dup(ctx, obj);
    ArrayObject *o = ArrayObject_AsStruct(ctx, obj);
    HPy items[2];
    int n = 0;
    if (!HPyField_IsNull(o->arg_a))
        items[n++] = HPyField_Load(ctx, obj, o->arg_a);
    if (!HPyField_IsNull(o->arg_b))
        items[n++] = HPyField_Load(ctx, obj, o->arg_b);
    if (n == 1)
        return items[0];
    HPy res = n == 0 ? HPy_Dup(ctx, ctx->h_None) : HPyTuple_FromArray(ctx, items, n);
    for (int i = 0; i < n; i++)
        HPy_Close(ctx, items[i]);
    return res;
}

/* Stores leaves_of(obj) in res's field f.  -1: out of memory. */
static int keep_leaves(HPyContext *ctx, HPy res, HPyField *f, HPy obj,
                       const pn_core *c)
{
    HPy keep = leaves_of(ctx, obj, c);
    if (HPy_IsNull(keep))
        return -1;
    HPyField_Store(ctx, res, f, keep);
    HPy_Close(ctx, keep);
    return 0;
}

/* a OP b as a pending value (fused.h): the new array keeps the leaf
 * arrays its value reads alive in its fields until it is computed. */
static HPy deferred_op(HPyContext *ctx, HPy type, const pn_binop *op,
                       HPy left, operand *l, HPy right, operand *r, int nd,
                       const pn_ssize_t *shape)
{
    pn_core *c;
    if (pn_fuse_too_big(l->core, r->core) &&
        (settle_operand(ctx, left, l) < 0 || settle_operand(ctx, right, r) < 0))
        return HPy_NULL;
    HPy res = new_owner_ex(ctx, type, nd, shape, &c, 1);
    if (HPy_IsNull(res))
        return res;
    if (pn_defer(op, c, l->core, l->scalar, r->core, r->scalar) < 0) {
        HPy_Close(ctx, res);
        return HPyErr_NoMemory(ctx);
    }
    ArrayObject *o = ArrayObject_AsStruct(ctx, res);
    if ((l->core && keep_leaves(ctx, res, &o->arg_a, left, l->core) < 0) ||
        (r->core && keep_leaves(ctx, res, &o->arg_b, right, r->core) < 0)) {
        HPy_Close(ctx, res);
        return HPy_NULL;
    }
    return res;
}

/* a OP b with numpy broadcasting (CPython calls the slot for both orders;
 * the reflected methods below call it with swapped args). */
static HPy binary_op(HPyContext *ctx, HPy left, HPy right, const pn_binop *op,
                     int known)
{
    /* before anything is looked at: a safe point for the recycling
     * collection, where a deferred value's checks cannot go stale */
    if (pn_recycle.wanted && recycle_collect(ctx) < 0)
        return HPy_NULL;
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand l, r;
    HPy res = HPy_NULL;
    pn_err e;
    classify_as(ctx, type, left, &l, known == KNOWN_LEFT, 1);
    if (l.kind == OPD_ERROR)
        goto done_type;
    classify_as(ctx, type, right, &r, known == KNOWN_RIGHT, 1);
    if (r.kind == OPD_ERROR)
        goto done_l;
    if (l.kind == OPD_OTHER || r.kind == OPD_OTHER ||
        (l.kind == OPD_SCALAR && r.kind == OPD_SCALAR)) {
        res = HPy_Dup(ctx, ctx->h_NotImplemented);
        goto done_r;
    }
    int nd;
    pn_ssize_t shape[PN_MAXDIMS];
    const pn_core *shaper = l.core ? l.core : r.core;
    if (l.core && r.core && !(l.core->ndim == 1 && r.core->ndim == 1 &&
                              l.core->shape[0] == r.core->shape[0])) {
        if (pn_broadcast_shapes(l.core->ndim, l.core->shape, r.core->ndim,
                                r.core->shape, &nd, shape, &e) < 0) {
            raise_err(ctx, &e);
            goto done_r;
        }
    }
    else {
        nd = shaper->ndim;
        memcpy(shape, shaper->shape, (size_t)nd * sizeof(pn_ssize_t));
    }
    tidy_operand(ctx, left, &l);
    tidy_operand(ctx, right, &r);
    if (HPy_IsNull(l.owned) && HPy_IsNull(r.owned) &&
        pn_fuse_eligible(l.core, r.core, nd, shape)) {
        res = deferred_op(ctx, type, op, left, &l, right, &r, nd, shape);
        goto done_r;
    }
    if (settle_operand(ctx, left, &l) < 0 || settle_operand(ctx, right, &r) < 0)
        goto done_r;
    pn_core *c;
    res = new_owner_of(ctx, type, nd, shape, &c);
    if (!HPy_IsNull(res))
        pn_nd_binop(op, c, l.core, &l.scalar, r.core, &r.scalar);
done_r:
    release(ctx, &r);
done_l:
    release(ctx, &l);
done_type:
    PN_GLOBAL_RELEASE(ctx, type);
    return res;
}

/* dst OP= operand (broadcast into dst's shape), in place.  Shared by the
 * in-place operators; reads a temporary copy when the memory overlaps. */
static int inplace_apply(HPyContext *ctx, pn_core *dst, operand *r,
                         const pn_binop *op)
{
    pn_err e;
    if (r->kind == OPD_ARRAY &&
        pn_check_assignable(dst, r->core->ndim, r->core->shape, &e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    if (before_write(ctx, dst) < 0)
        return -1;
    if (pn_binop_into(op, dst, dst, NULL, r->core, &r->scalar, &e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    return 0;
}

/* a OP= b: computed into a's own buffer, no allocation. */
static HPy inplace_op(HPyContext *ctx, HPy self, HPy other, const pn_binop *op)
{
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand r;
    HPy res = HPy_NULL;
    pn_core *dst;
    classify(ctx, type, other, &r, 0);
    if (r.kind == OPD_OTHER)
        res = HPy_Dup(ctx, ctx->h_NotImplemented);
    else if (r.kind != OPD_ERROR && (dst = CORE(ctx, self)) != NULL &&
             inplace_apply(ctx, dst, &r, op) == 0)
        res = HPy_Dup(ctx, self);
    release(ctx, &r);
    PN_GLOBAL_RELEASE(ctx, type);
    return res;
}

#define PN_BINARY_SLOTS(NAME, OPSTRUCT, SLOT, ISLOT, RNAME)                  \
    PN_SLOT(array_##NAME, SLOT)                                              \
    static HPy array_##NAME##_impl(HPyContext *ctx, HPy a, HPy b)            \
    {                                                                        \
        return binary_op(ctx, a, b, &OPSTRUCT,                               \
                         PN_NB_SELF_FIRST ? KNOWN_LEFT : KNOWN_NONE);        \
    }                                                                        \
    PN_SLOT(array_i##NAME, ISLOT)                                            \
    static HPy array_i##NAME##_impl(HPyContext *ctx, HPy a, HPy b)           \
    {                                                                        \
        return inplace_op(ctx, a, b, &OPSTRUCT);                             \
    }                                                                        \
    PN_METH(array_r##NAME, RNAME, HPyFunc_O)                                 \
    static HPy array_r##NAME##_impl(HPyContext *ctx, HPy self, HPy other)    \
    {                                                                        \
        return binary_op(ctx, other, self, &OPSTRUCT, KNOWN_RIGHT);          \
    }

PN_BINARY_SLOTS(add, PN_OP_ADD, HPy_nb_add, HPy_nb_inplace_add, "__radd__")
PN_BINARY_SLOTS(sub, PN_OP_SUB, HPy_nb_subtract, HPy_nb_inplace_subtract, "__rsub__")
PN_BINARY_SLOTS(mul, PN_OP_MUL, HPy_nb_multiply, HPy_nb_inplace_multiply, "__rmul__")
PN_BINARY_SLOTS(div, PN_OP_DIV, HPy_nb_true_divide, HPy_nb_inplace_true_divide,
                "__rtruediv__")

static const pn_binop *const binops[] = {
    &PN_OP_ADD, &PN_OP_SUB, &PN_OP_MUL, &PN_OP_DIV, &PN_OP_POW};

static int parse_kind(HPyContext *ctx, HPy h, int count, int *kind);

/* _binary(kind, a, b, out): out[...] = a OP b (broadcast into out's shape),
 * no allocation unless an operand overlaps out (then it is copied first). */
PN_METH(mod_binary, "_binary", HPyFunc_VARARGS)
static HPy mod_binary_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    int kind;
    pn_err e;
    HPy res = HPy_NULL;
    if (nargs != 4)
        return raise_type(ctx, "_binary(kind, a, b, out) takes 4 arguments");
    if (parse_kind(ctx, args[0], 5, &kind) < 0)
        return HPy_NULL;
    if (!is_array(ctx, args[3]))
        return raise_type(ctx, "out must be a piconumpy array");
    pn_core *out = CORE(ctx, args[3]);
    if (out == NULL)
        return HPy_NULL;
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand l, r;
    classify(ctx, type, args[1], &l, 0);
    classify_convert(ctx, args[1], &l);
    classify(ctx, type, args[2], &r, 0);
    classify_convert(ctx, args[2], &r);
    PN_GLOBAL_RELEASE(ctx, type);
    if (l.kind == OPD_ERROR || r.kind == OPD_ERROR)
        goto done;
    if (pn_check_output(out, l.core, r.core, &e) < 0) {
        raise_err(ctx, &e);
        goto done;
    }
    if (before_write(ctx, out) < 0)
        goto done;
    if (pn_binop_into(binops[kind], out, l.core, &l.scalar, r.core, &r.scalar,
                      &e) < 0) {
        raise_err(ctx, &e);
        goto done;
    }
    res = HPy_Dup(ctx, args[3]);
done:
    release(ctx, &l);
    release(ctx, &r);
    return res;
}

PN_SLOT(array_pow, HPy_nb_power)
static HPy array_pow_impl(HPyContext *ctx, HPy a, HPy b, HPy mod)
{
    if (!HPy_Is(ctx, mod, ctx->h_None))
        return raise_type(ctx, "pow() with a modulus is not supported for arrays");
    return binary_op(ctx, a, b, &PN_OP_POW,
                     PN_NB_SELF_FIRST ? KNOWN_LEFT : KNOWN_NONE);
}

PN_METH(array_rpow, "__rpow__", HPyFunc_VARARGS)
static HPy array_rpow_impl(HPyContext *ctx, HPy self, PN_VARARGS)
{
    if (nargs < 1 || nargs > 2 ||
        (nargs == 2 && !HPy_Is(ctx, args[1], ctx->h_None)))
        return raise_type(ctx, "__rpow__ takes one argument (no modulus)");
    return binary_op(ctx, args[0], self, &PN_OP_POW, KNOWN_RIGHT);
}

/* ------------------------------------------------------------------ */
/* unary operators and element-wise functions                          */

/* Converts obj to an array when needed; *tmp owns a temporary. */
static pn_core *as_array(HPyContext *ctx, HPy obj, HPy *tmp, HPy *arr)
{
    *tmp = HPy_NULL;
    if (!is_array(ctx, obj)) {
        *tmp = array_from_object(ctx, obj);
        if (HPy_IsNull(*tmp))
            return NULL;
        obj = *tmp;
    }
    if (arr)
        *arr = obj;
    pn_core *c = CORE(ctx, obj);
    if (c == NULL && !HPy_IsNull(*tmp)) {
        HPy_Close(ctx, *tmp);
        *tmp = HPy_NULL;
    }
    return c;
}

static void close_tmp(HPyContext *ctx, HPy tmp)
{
    if (!HPy_IsNull(tmp))
        HPy_Close(ctx, tmp);
}

/* out (c) can take src's shape, and the pending values that read it are
 * computed: -1 with the error raised. */
static int out_ready(HPyContext *ctx, pn_core *c, const pn_core *src)
{
    pn_err e;
    if (pn_check_assignable(c, src->ndim, src->shape, &e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    return before_write(ctx, c);
}

/* k(obj) into a new array, or into out (not NULL) of the same shape. */
static HPy unary_apply(HPyContext *ctx, HPy obj, pn_kernel_unary k, HPy out)
{
    HPy tmp;
    if (HPy_IsNull(out) && !is_array(ctx, obj)) {   /* sqrt(2.0): a float */
        double x = as_double(ctx, obj), r;
        if (x != -1.0 || !HPyErr_Occurred(ctx)) {
            k(&r, &x, 1);
            return HPyFloat_FromDouble(ctx, r);
        }
        HPyErr_Clear(ctx);
    }
    pn_core *src = as_array(ctx, obj, &tmp, NULL);
    pn_core *c;
    HPy res = HPy_NULL;
    pn_err e;
    if (src == NULL)
        return HPy_NULL;
    if (HPy_IsNull(out)) {
        res = new_owner(ctx, src->ndim, src->shape, &c);
        if (!HPy_IsNull(res))
            pn_nd_unary(k, c, src);
    }
    else if (!is_array(ctx, out)) {
        raise_type(ctx, "out must be a piconumpy array");
    }
    else if ((c = CORE(ctx, out)) == NULL || out_ready(ctx, c, src) < 0) {
        /* the error is raised */
    }
    else if (src != c && pn_may_overlap(c, src)) {
        pn_core t;
        if (pn_core_alloc_shape(&t, src->ndim, src->shape, &e) < 0) {
            raise_err(ctx, &e);
        }
        else {
            pn_to_contiguous(t.data, src);
            pn_nd_unary(k, c, &t);
            pn_core_free(&t);
            res = HPy_Dup(ctx, out);
        }
    }
    else {
        pn_nd_unary(k, c, src);
        res = HPy_Dup(ctx, out);
    }
    close_tmp(ctx, tmp);
    return res;
}

PN_SLOT(array_neg, HPy_nb_negative)
static HPy array_neg_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_neg, HPy_NULL);
}

PN_SLOT(array_pos, HPy_nb_positive)
static HPy array_pos_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_copy, HPy_NULL);
}

PN_SLOT(array_abs, HPy_nb_absolute)
static HPy array_abs_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_absolute, HPy_NULL);
}

PN_METH(array_copy, "copy", HPyFunc_NOARGS)
static HPy array_copy_impl(HPyContext *ctx, HPy self)
{
    return array_copy_of(ctx, self);
}

/* sin(x) etc.: the no-`out` fast path; _unary(kind, x, out) does both. */
#define PN_MODULE_UNARY(NAME)                                                \
    PN_METH(mod_##NAME, #NAME, HPyFunc_O)                                    \
    static HPy mod_##NAME##_impl(HPyContext *ctx, HPy mod, HPy obj)          \
    {                                                                        \
        return unary_apply(ctx, obj, pn_##NAME, HPy_NULL);                   \
    }

PN_MODULE_UNARY(sin)
PN_MODULE_UNARY(cos)
PN_MODULE_UNARY(tan)
PN_MODULE_UNARY(exp)
PN_MODULE_UNARY(log)
PN_MODULE_UNARY(sqrt)
PN_MODULE_UNARY(absolute)

static const pn_kernel_unary unary_kernels[] = {
    pn_sin, pn_cos, pn_tan, pn_exp, pn_log, pn_sqrt, pn_absolute};

static int parse_kind(HPyContext *ctx, HPy h, int count, int *kind)
{
    long k = HPyLong_AsLong(ctx, h);
    if (k == -1 && HPyErr_Occurred(ctx))
        return -1;
    if (k < 0 || k >= count) {
        HPyErr_SetString(ctx, ctx->h_ValueError, "bad operation code");
        return -1;
    }
    *kind = (int)k;
    return 0;
}

PN_METH(mod_unary, "_unary", HPyFunc_VARARGS)
static HPy mod_unary_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    int kind;
    if (nargs != 3)
        return raise_type(ctx, "_unary(kind, x, out) takes 3 arguments");
    if (parse_kind(ctx, args[0], 7, &kind) < 0)
        return HPy_NULL;
    HPy out = HPy_Is(ctx, args[2], ctx->h_None) ? HPy_NULL : args[2];
    return unary_apply(ctx, args[1], unary_kernels[kind], out);
}

/* ------------------------------------------------------------------ */
/* reductions                                                          */

static HPy reduction_scalar(HPyContext *ctx, pn_reduction k, double v)
{
    if (k == PN_RED_ARGMIN || k == PN_RED_ARGMAX)
        return HPyLong_FromSsize_t(ctx, (pn_ssize_t)v);
    return HPyFloat_FromDouble(ctx, v);
}

/* _reduce(a, kind, axis_or_None, keepdims) */
PN_METH(mod_reduce, "_reduce", HPyFunc_VARARGS)
static HPy mod_reduce_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    int kind, axis = -1, has_axis, keepdims, nd;
    long ax = 0;
    HPy tmp, res = HPy_NULL;
    pn_core *c, *o;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_err e;
    double v;
    if (nargs != 4)
        return raise_type(ctx, "_reduce(a, kind, axis, keepdims) takes 4 arguments");
    if (parse_kind(ctx, args[1], PN_RED_COUNT, &kind) < 0)
        return HPy_NULL;
    has_axis = !HPy_Is(ctx, args[2], ctx->h_None);
    if (has_axis && (ax = HPyLong_AsLong(ctx, args[2])) == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    keepdims = HPy_IsTrue(ctx, args[3]);
    if (keepdims < 0 || (c = as_array(ctx, args[0], &tmp, NULL)) == NULL)
        return HPy_NULL;
    const pn_reduction k = (pn_reduction)kind;
    if (pn_reduce_check(k, c, ax, &has_axis, &axis, &e) < 0) {
        raise_err(ctx, &e);
    }
    else if (!has_axis && !keepdims) {
        if (pn_reduce_into(k, c, 0, 0, &v, &e) < 0)
            raise_err(ctx, &e);
        else
            res = reduction_scalar(ctx, k, v);
    }
    else {
        nd = pn_reduced_shape(c, has_axis, axis, keepdims, shape);
        res = new_owner(ctx, nd, shape, &o);
        if (!HPy_IsNull(res) &&
            pn_reduce_into(k, c, has_axis, axis, o->data, &e) < 0) {
            HPy_Close(ctx, res);
            res = HPy_NULL;
            raise_err(ctx, &e);
        }
    }
    close_tmp(ctx, tmp);
    return res;
}

/* ------------------------------------------------------------------ */
/* matmul and linear algebra                                           */

/* A contiguous read-only copy of c when it is not contiguous already. */
static const double *contiguous_data(const pn_core *c, double **owned)
{
    *owned = NULL;
    if (c->flags & PN_CONTIG)
        return c->data;
    *owned = (double *)malloc((size_t)c->size * sizeof(double) + 1);
    if (*owned != NULL)
        pn_to_contiguous(*owned, c);
    return *owned;
}

static HPy matmul(HPyContext *ctx, HPy a_obj, HPy b_obj)
{
    HPy ta, tb, res = HPy_NULL;
    pn_core *a = as_array(ctx, a_obj, &ta, NULL), *b = NULL, *o;
    double *fa = NULL, *fb = NULL;
    if (a == NULL)
        return HPy_NULL;
    if ((b = as_array(ctx, b_obj, &tb, NULL)) == NULL)
        goto done;
    if (a->ndim < 1 || a->ndim > 2 || b->ndim < 1 || b->ndim > 2) {
        HPyErr_SetString(ctx, ctx->h_ValueError,
                         "matmul: piconumpy supports 1-D and 2-D operands");
        goto done;
    }
    /* (n, k) @ (k, m); a 1-D left operand is a row, a 1-D right a column */
    pn_ssize_t n = a->ndim == 2 ? a->shape[0] : 1;
    pn_ssize_t k = a->shape[a->ndim - 1];
    pn_ssize_t kb = b->shape[0];
    pn_ssize_t m = b->ndim == 2 ? b->shape[1] : 1;
    if (k != kb) {
        char msg[200];
        snprintf(msg, sizeof(msg), "matmul: Input operand 1 has a mismatch in "
                 "its core dimension 0, with gufunc signature (n?,k),(k,m?)->"
                 "(n?,m?) (size %zd is different from %zd)", (ssize_t)kb,
                 (ssize_t)k);
        HPyErr_SetString(ctx, ctx->h_ValueError, msg);
        goto done;
    }
    const double *da = contiguous_data(a, &fa), *db = contiguous_data(b, &fb);
    if (da == NULL || db == NULL) {
        HPyErr_NoMemory(ctx);
        goto done;
    }
    if (a->ndim == 1 && b->ndim == 1) {
        res = HPyFloat_FromDouble(ctx, pn_dot(da, db, k));
        goto done;
    }
    pn_ssize_t shape[2];
    int nd = 0;
    if (a->ndim == 2)
        shape[nd++] = n;
    if (b->ndim == 2)
        shape[nd++] = m;
    res = new_owner(ctx, nd, shape, &o);
    if (!HPy_IsNull(res))
        pn_matmul(o->data, da, db, n, k, m);
done:
    free(fa);
    free(fb);
    close_tmp(ctx, ta);
    if (b != NULL || !HPy_IsNull(tb))
        close_tmp(ctx, tb);
    return res;
}

PN_SLOT(array_matmul, HPy_nb_matrix_multiply)
static HPy array_matmul_impl(HPyContext *ctx, HPy a, HPy b)
{
    return matmul(ctx, a, b);
}

PN_METH(array_rmatmul, "__rmatmul__", HPyFunc_O)
static HPy array_rmatmul_impl(HPyContext *ctx, HPy self, HPy other)
{
    return matmul(ctx, other, self);
}

PN_METH(mod_matmul, "_matmul", HPyFunc_VARARGS)
static HPy mod_matmul_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 2)
        return raise_type(ctx, "_matmul(a, b) takes 2 arguments");
    return matmul(ctx, args[0], args[1]);
}

/* A square matrix as a private contiguous copy (LU works in place). */
static double *square_copy(HPyContext *ctx, HPy obj, pn_ssize_t *n)
{
    HPy tmp;
    pn_core *c = as_array(ctx, obj, &tmp, NULL);
    double *m = NULL;
    if (c == NULL)
        return NULL;
    if (c->ndim != 2 || c->shape[0] != c->shape[1]) {
        HPyErr_SetString(ctx, ctx->h_ValueError,
                         "Last 2 dimensions of the array must be square");
    }
    else if ((m = (double *)malloc((size_t)c->size * sizeof(double) + 1)) == NULL) {
        HPyErr_NoMemory(ctx);
    }
    else {
        pn_to_contiguous(m, c);
        *n = c->shape[0];
    }
    close_tmp(ctx, tmp);
    return m;
}

/* _solve(A, b): the solution, or None when A is singular. */
PN_METH(mod_solve, "_solve", HPyFunc_VARARGS)
static HPy mod_solve_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    pn_ssize_t n, *piv = NULL;
    HPy tmp = HPy_NULL, res = HPy_NULL;
    pn_core *b, *o;
    int sign;
    if (nargs != 2)
        return raise_type(ctx, "_solve(A, b) takes 2 arguments");
    double *lu = square_copy(ctx, args[0], &n);
    if (lu == NULL)
        return HPy_NULL;
    if ((b = as_array(ctx, args[1], &tmp, NULL)) == NULL)
        goto done;
    if (b->ndim < 1 || b->ndim > 2 || b->shape[0] != n) {
        char msg[160];
        snprintf(msg, sizeof(msg), "solve: the right-hand side must have %zd "
                 "rows (1-D or 2-D)", (ssize_t)n);
        HPyErr_SetString(ctx, ctx->h_ValueError, msg);
        goto done;
    }
    piv = (pn_ssize_t *)malloc((size_t)n * sizeof(pn_ssize_t) + 1);
    if (piv == NULL) {
        HPyErr_NoMemory(ctx);
        goto done;
    }
    if (pn_lu_factor(lu, n, piv, &sign) != 0) {
        res = HPy_Dup(ctx, ctx->h_None);
        goto done;
    }
    res = new_owner(ctx, b->ndim, b->shape, &o);
    if (HPy_IsNull(res))
        goto done;
    pn_to_contiguous(o->data, b);
    pn_lu_solve(lu, piv, n, o->data, b->ndim == 2 ? b->shape[1] : 1);
done:
    free(lu);
    free(piv);
    close_tmp(ctx, tmp);
    return res;
}

PN_METH(mod_det, "_det", HPyFunc_O)
static HPy mod_det_impl(HPyContext *ctx, HPy mod, HPy a)
{
    pn_ssize_t n;
    double *m = square_copy(ctx, a, &n);
    if (m == NULL)
        return HPy_NULL;
    pn_ssize_t *piv = (pn_ssize_t *)malloc((size_t)n * sizeof(pn_ssize_t) + 1);
    HPy res = piv ? HPyFloat_FromDouble(ctx, pn_det(m, n, piv))
                  : HPyErr_NoMemory(ctx);
    free(piv);
    free(m);
    return res;
}

/* _inv(A): the inverse, or None when A is singular. */
PN_METH(mod_inv, "_inv", HPyFunc_O)
static HPy mod_inv_impl(HPyContext *ctx, HPy mod, HPy a)
{
    pn_ssize_t n;
    pn_core *o;
    double *m = square_copy(ctx, a, &n);
    if (m == NULL)
        return HPy_NULL;
    pn_ssize_t shape[2] = {n, n};
    HPy res = new_owner(ctx, 2, shape, &o);
    pn_ssize_t *piv = (pn_ssize_t *)malloc((size_t)n * sizeof(pn_ssize_t) + 1);
    if (!HPy_IsNull(res) && piv == NULL) {
        HPy_Close(ctx, res);
        res = HPyErr_NoMemory(ctx);
    }
    if (!HPy_IsNull(res) && pn_inv(m, n, piv, o->data) != 0) {
        HPy_Close(ctx, res);
        res = HPy_Dup(ctx, ctx->h_None);
    }
    free(piv);
    free(m);
    return res;
}

/* ------------------------------------------------------------------ */
/* shape manipulation                                                  */

/* _reshape(a, shape): a view when a is contiguous, else a copy. */
PN_METH(mod_reshape, "_reshape", HPyFunc_VARARGS)
static HPy mod_reshape_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    HPy tmp, arr, res = HPy_NULL;
    int nd;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_core view, *o;
    pn_err e;
    if (nargs != 2)
        return raise_type(ctx, "_reshape(a, shape) takes 2 arguments");
    pn_core *c = as_array(ctx, args[0], &tmp, &arr);
    if (c == NULL)
        return HPy_NULL;
    if (parse_shape(ctx, args[1], &nd, shape) < 0)
        goto done;
    if (pn_resolve_shape(c->size, nd, shape, c, &e) < 0) {
        raise_err(ctx, &e);
        goto done;
    }
    if (pn_reshape_view(c, nd, shape, &view) == 0) {
        res = new_view(ctx, arr, &view);
    }
    else {
        res = new_owner(ctx, nd, shape, &o);
        if (!HPy_IsNull(res))
            pn_to_contiguous(o->data, c);
    }
done:
    close_tmp(ctx, tmp);
    return res;
}

/* _transpose(a, axes_or_None): always a view. */
PN_METH(mod_transpose, "_transpose", HPyFunc_VARARGS)
static HPy mod_transpose_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    HPy tmp, arr, res = HPy_NULL;
    int nd, axes[PN_MAXDIMS];
    pn_ssize_t raw[PN_MAXDIMS];
    pn_core view;
    pn_err e;
    if (nargs != 2)
        return raise_type(ctx, "_transpose(a, axes) takes 2 arguments");
    pn_core *c = as_array(ctx, args[0], &tmp, &arr);
    if (c == NULL)
        return HPy_NULL;
    int has_axes = !HPy_Is(ctx, args[1], ctx->h_None);
    if (has_axes) {
        if (parse_shape(ctx, args[1], &nd, raw) < 0)
            goto done;
        if (nd != c->ndim) {
            HPyErr_SetString(ctx, ctx->h_ValueError,
                             "axes don't match array");
            goto done;
        }
        for (int i = 0; i < nd; i++)   /* pn_transpose_view checks the range */
            axes[i] = (raw[i] >= -PN_MAXDIMS && raw[i] < PN_MAXDIMS) ? (int)raw[i]
                                                                   : PN_MAXDIMS;
    }
    if (pn_transpose_view(c, has_axes ? axes : NULL, &view, &e) < 0) {
        raise_err(ctx, &e);
        goto done;
    }
    res = new_view(ctx, arr, &view);
done:
    close_tmp(ctx, tmp);
    return res;
}

/* ------------------------------------------------------------------ */
/* indexing                                                            */

/* len(): the first dimension; a 0-d array has none, as in numpy. */
static HPy_ssize_t array_length(HPyContext *ctx, HPy self)
{
    pn_core *c = RAW_CORE(ctx, self);   /* the shape is known while pending */
    if (c->ndim == 0) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "len() of unsized object");
        return -1;
    }
    return c->shape[0];
}

PN_SLOT(array_len, HPy_sq_length)
static HPy_ssize_t array_len_impl(HPyContext *ctx, HPy self)
{
    return array_length(ctx, self);
}

PN_SLOT(array_mp_len, HPy_mp_length)
static HPy_ssize_t array_mp_len_impl(HPyContext *ctx, HPy self)
{
    return array_length(ctx, self);
}

/* sq_item makes iteration work everywhere (the sequence-iteration fallback
 * stops at IndexError): floats for 1-D, row views otherwise. */
PN_SLOT(array_item, HPy_sq_item)
static HPy array_item_impl(HPyContext *ctx, HPy self, HPy_ssize_t i)
{
    pn_core *c = CORE(ctx, self), view;
    pn_err e;
    if (c == NULL)
        return HPy_NULL;
    if (c->ndim == 0)
        return raise_type(ctx, "iteration over a 0-d array");
    if (i < 0 || i >= c->shape[0]) {
        HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
        return HPy_NULL;
    }
    if (c->ndim == 1)
        return HPyFloat_FromDouble(ctx, *(double *)((char *)c->data +
                                                    i * c->strides[0]));
    pn_index_item item = {PN_IDX_INT, i, 0, 0};
    if (pn_index_view(c, &item, 1, &view, &e) < 0) {
        raise_err(ctx, &e);
        return HPy_NULL;
    }
    return new_view(ctx, self, &view);
}

/* A slice bound: None -> dflt; huge values clamp by sign, like CPython. */
static int slice_bound(HPyContext *ctx, HPy v, pn_ssize_t dflt, pn_ssize_t *out)
{
    if (HPy_Is(ctx, v, ctx->h_None)) {
        *out = dflt;
        return 0;
    }
    if (HPy_TypeCheck(ctx, v, ctx->h_LongType)) {   /* no new handle */
        pn_ssize_t r = HPyLong_AsSsize_t(ctx, v);
        if (r != -1 || !HPyErr_Occurred(ctx)) {
            *out = r;
            return 0;
        }
        HPyErr_Clear(ctx);   /* huge: clamped below */
    }
    HPy idx = HPy_Index(ctx, v);
    if (HPy_IsNull(idx)) {
        HPyErr_Clear(ctx);
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "slice indices must be integers or None or have an "
                         "__index__ method");
        return -1;
    }
    pn_ssize_t r = HPyLong_AsSsize_t(ctx, idx);
    if (r == -1 && HPyErr_Occurred(ctx)) {
        HPyErr_Clear(ctx);
        HPy zero = HPyLong_FromLong(ctx, 0);
        int neg = HPy_IsNull(zero) ? -1 : HPy_RichCompareBool(ctx, idx, zero, HPy_LT);
        if (!HPy_IsNull(zero))
            HPy_Close(ctx, zero);
        if (neg < 0) {
            HPy_Close(ctx, idx);
            return -1;
        }
        r = neg ? PTRDIFF_MIN : PTRDIFF_MAX;
    }
    HPy_Close(ctx, idx);
    *out = r;
    return 0;
}

/* A slice object into a pn_index_item (raw bounds, defaults for None). */
static int parse_slice(HPyContext *ctx, HPy key, pn_index_item *it)
{
    it->kind = PN_IDX_SLICE;
#if PN_HPY_09
    HPy_ssize_t b, e, st;   /* clamps huge bounds, raises for a zero step */
    if (HPySlice_Unpack(ctx, key, &b, &e, &st) < 0)
        return -1;
    it->start = b;
    it->stop = e;
    it->step = st;
    return 0;
#else  /* HPy 0.0.4 has no HPySlice_Unpack: read the attributes */
    HPy h_start = HPy_GetAttr_s(ctx, key, "start");
    HPy h_stop = HPy_GetAttr_s(ctx, key, "stop");
    HPy h_step = HPy_GetAttr_s(ctx, key, "step");
    int ok = !HPy_IsNull(h_start) && !HPy_IsNull(h_stop) && !HPy_IsNull(h_step)
             && slice_bound(ctx, h_step, 1, &it->step) == 0;
    if (ok && it->step == 0) {
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_MSG_ZERO_STEP);
        ok = 0;
    }
    ok = ok && slice_bound(ctx, h_start, PN_SLICE_START_DEFAULT(it->step),
                           &it->start) == 0
            && slice_bound(ctx, h_stop, PN_SLICE_STOP_DEFAULT(it->step),
                           &it->stop) == 0;
    if (!HPy_IsNull(h_start)) HPy_Close(ctx, h_start);
    if (!HPy_IsNull(h_stop)) HPy_Close(ctx, h_stop);
    if (!HPy_IsNull(h_step)) HPy_Close(ctx, h_step);
    return ok ? 0 : -1;
#endif
}

/* One index item: int (or __index__), slice, None or Ellipsis. */
static int parse_index_item(HPyContext *ctx, HPy key, pn_index_item *it)
{
    pn_ssize_t v;
    /* the type first: a failed conversion costs an exception, and on PyPy
     * that was most of the time of a[1:-1, 1:-1] */
    if (HPy_TypeCheck(ctx, key, ctx->h_LongType)) {
        v = HPyLong_AsSsize_t(ctx, key);
        if (v == -1 && HPyErr_Occurred(ctx)) {
            HPyErr_Clear(ctx);
            HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
            return -1;
        }
        it->kind = PN_IDX_INT;
        it->start = v;
        return 0;
    }
    if (HPy_Is(ctx, key, ctx->h_None)) {
        it->kind = PN_IDX_NEWAXIS;
        return 0;
    }
    HPy slice_type = PN_GLOBAL_BORROW(ctx, g_slice_type);
    int is_slice = HPy_TypeCheck(ctx, key, slice_type);
    PN_GLOBAL_RELEASE(ctx, slice_type);
    if (is_slice)
        return parse_slice(ctx, key, it);
    HPy ellipsis = PN_GLOBAL_BORROW(ctx, g_ellipsis);
    int is_ellipsis = HPy_Is(ctx, key, ellipsis);
    PN_GLOBAL_RELEASE(ctx, ellipsis);
    if (is_ellipsis) {
        it->kind = PN_IDX_ELLIPSIS;
        return 0;
    }
    HPy idx = HPy_Index(ctx, key);
    if (HPy_IsNull(idx)) {
        HPyErr_Clear(ctx);
        HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_TYPE);
        return -1;
    }
    v = HPyLong_AsSsize_t(ctx, idx);
    HPy_Close(ctx, idx);
    if (v == -1 && HPyErr_Occurred(ctx)) {
        HPyErr_Clear(ctx);
        HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
        return -1;
    }
    it->kind = PN_IDX_INT;
    it->start = v;
    return 0;
}

/* key (an item or a tuple of items) -> view description of c. */
static int index_view(HPyContext *ctx, pn_core *c, HPy key, pn_core *view)
{
    pn_index_item items[2 * PN_MAXDIMS];
    int n = 1;
    pn_err e;
    if (HPyTuple_Check(ctx, key)) {
        pn_ssize_t len = HPy_Length(ctx, key);
        if (len < 0)
            return -1;
        if (len > 2 * PN_MAXDIMS) {
            HPyErr_SetString(ctx, ctx->h_IndexError, "too many indices for array");
            return -1;
        }
        n = (int)len;
        for (int i = 0; i < n; i++) {
            HPy item = HPy_GetItem_i(ctx, key, i);
            if (HPy_IsNull(item))
                return -1;
            int rc = parse_index_item(ctx, item, &items[i]);
            HPy_Close(ctx, item);
            if (rc < 0)
                return -1;
        }
    }
    else if (parse_index_item(ctx, key, &items[0]) < 0) {
        return -1;
    }
    if (pn_index_view(c, items, n, view, &e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    return 0;
}

PN_SLOT(array_subscript, HPy_mp_subscript)
static HPy array_subscript_impl(HPyContext *ctx, HPy self, HPy key)
{
    pn_core *c = CORE(ctx, self), view;
    if (c == NULL)
        return HPy_NULL;
    if (c->ndim == 1) {   /* a[i]: the hot path of 1-D code */
        pn_ssize_t i = HPyLong_AsSsize_t(ctx, key);
        if (i != -1 || !HPyErr_Occurred(ctx)) {
            pn_ssize_t k = pn_normalize_index(i, c->shape[0]);
            if (k < 0) {
                HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
                return HPy_NULL;
            }
            return HPyFloat_FromDouble(ctx, *(double *)((char *)c->data +
                                                        k * c->strides[0]));
        }
        HPyErr_Clear(ctx);
    }
    if (index_view(ctx, c, key, &view) < 0)
        return HPy_NULL;
    if (view.ndim == 0)
        return HPyFloat_FromDouble(ctx, *view.data);
    return new_view(ctx, self, &view);
}

PN_SLOT(array_ass_subscript, HPy_mp_ass_subscript)
static int array_ass_subscript_impl(HPyContext *ctx, HPy self, HPy key,
                                    HPy value)
{
    pn_core *c = CORE(ctx, self), view;
    pn_err e;
    if (c == NULL)
        return -1;
    if (HPy_IsNull(value)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, PN_MSG_NO_DELETE);
        return -1;
    }
    if (index_view(ctx, c, key, &view) < 0)
        return -1;
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand v;
    classify_as(ctx, type, value, &v, 0, 1);
    PN_GLOBAL_RELEASE(ctx, type);
    classify_convert(ctx, value, &v);
    int rc = -1, fused = 0;
    if (v.kind == OPD_ARRAY && HPy_IsNull(v.owned) && v.core->lazy &&
        (fused = pn_assign_pending(&view, v.core, &e)) != 0) {
        if (fused > 0)   /* fused: u[...] = a + b */
            rc = 0;
        else
            raise_err(ctx, &e);
    }
    else if (v.kind == OPD_SCALAR) {
        if (before_write(ctx, &view) == 0) {
            pn_nd_fill(&view, v.scalar);
            rc = 0;
        }
    }
    else if (v.kind == OPD_ARRAY) {
        if (settle_operand(ctx, value, &v) < 0 || before_write(ctx, &view) < 0)
            goto done;
        pn_core src;
        pn_drop_leading_ones(v.core, view.ndim, &src);
        if (pn_check_assignable(&view, src.ndim, src.shape, &e) < 0)
            raise_err(ctx, &e);
        else if (pn_nd_assign_safe(&view, &src, &e) < 0)
            raise_err(ctx, &e);
        else
            rc = 0;
    }
done:
    release(ctx, &v);
    return rc;
}

/* ------------------------------------------------------------------ */
/* attributes and conversions                                          */

/* Nested lists of floats, dimension by dimension. */
static HPy tolist_dim(HPyContext *ctx, const pn_core *c, int dim,
                      const char *p)
{
    pn_ssize_t n = c->shape[dim];
    HPyListBuilder b = HPyListBuilder_New(ctx, n);
    for (pn_ssize_t i = 0; i < n; i++, p += c->strides[dim]) {
        HPy item = dim + 1 == c->ndim
                       ? HPyFloat_FromDouble(ctx, *(const double *)p)
                       : tolist_dim(ctx, c, dim + 1, p);
        if (HPy_IsNull(item)) {
            HPyListBuilder_Cancel(ctx, b);
            return HPy_NULL;
        }
        HPyListBuilder_Set(ctx, b, i, item);
        HPy_Close(ctx, item);
    }
    return HPyListBuilder_Build(ctx, b);
}

PN_METH(array_tolist, "tolist", HPyFunc_NOARGS)
static HPy array_tolist_impl(HPyContext *ctx, HPy self)
{
    pn_core *c = CORE(ctx, self);
    if (c == NULL)
        return HPy_NULL;
    if (c->ndim == 0)
        return HPyFloat_FromDouble(ctx, *c->data);
    return tolist_dim(ctx, c, 0, (const char *)c->data);
}

static HPy ssize_tuple(HPyContext *ctx, int n, const pn_ssize_t *values)
{
    HPy items[PN_MAXDIMS];
    HPy res = HPy_NULL;
    int i;
    for (i = 0; i < n; i++)
        if (HPy_IsNull(items[i] = HPyLong_FromSsize_t(ctx, values[i])))
            goto done;
    res = HPyTuple_FromArray(ctx, items, n);
done:
    while (--i >= 0)
        HPy_Close(ctx, items[i]);
    return res;
}

/* Read-only attributes get a setter that raises: without one, assigning
 * them aborts PyPy 7.3.11 ("Fatal RPython error: NotImplementedError").
 * PyPy 7.3.11 also ignores a setter's error return, so for HPy 0.0.4 a
 * __setattr__ method (which PyPy honours) raises instead; see below. */
static int readonly_set(HPyContext *ctx, const char *name)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "attribute '%s' of 'ndarray' objects is not "
             "writable", name);
    HPyErr_SetString(ctx, ctx->h_AttributeError, msg);
    return -1;
}

#define PN_READONLY(SYM, NAME)                                               \
    PN_GETSET(SYM, NAME)                                                     \
    static int SYM##_set(HPyContext *ctx, HPy self, HPy value, void *closure)\
    {                                                                        \
        return readonly_set(ctx, NAME);                                      \
    }

PN_READONLY(array_size, "size")
static HPy array_size_get(HPyContext *ctx, HPy self, void *closure)
{
    return HPyLong_FromSsize_t(ctx, RAW_CORE(ctx, self)->size);
}

PN_READONLY(array_shape, "shape")
static HPy array_shape_get(HPyContext *ctx, HPy self, void *closure)
{
    pn_core *c = RAW_CORE(ctx, self);   /* known while pending */
    return ssize_tuple(ctx, c->ndim, c->shape);
}

PN_READONLY(array_strides, "strides")
static HPy array_strides_get(HPyContext *ctx, HPy self, void *closure)
{
    pn_core *c = RAW_CORE(ctx, self);   /* known while pending: contiguous */
    return ssize_tuple(ctx, c->ndim, c->strides);
}

PN_READONLY(array_ndim, "ndim")
static HPy array_ndim_get(HPyContext *ctx, HPy self, void *closure)
{
    return HPyLong_FromLong(ctx, RAW_CORE(ctx, self)->ndim);
}

PN_READONLY(array_dtype, "dtype")
static HPy array_dtype_get(HPyContext *ctx, HPy self, void *closure)
{
    if (!hooks_ready)
        return HPyUnicode_FromString(ctx, "float64");
    return PN_GLOBAL_LOAD(ctx, g_hook_dtype);
}

/* numpy's array interface (version 3): lets numpy share the memory even
 * where the buffer protocol is not available.  A method, made the
 * __array_interface__ property by _ndapi.install: it can fail (pending
 * values reading the memory are computed first, MemoryError), and PyPy's
 * HPy 0.0.4 turns a getter's error into a None result and a later crash. */
PN_METH(array_interface, "_array_interface", HPyFunc_NOARGS)
static HPy array_interface_impl(HPyContext *ctx, HPy self)
{
    pn_core *c = CORE(ctx, self);
    if (c == NULL)
        return HPy_NULL;
    if (note_export(ctx, c) < 0)
        return HPy_NULL;
    HPy d = HPyDict_New(ctx);
    HPy shape = ssize_tuple(ctx, c->ndim, c->shape);
    HPy strides = ssize_tuple(ctx, c->ndim, c->strides);
    HPy ptr = HPyLong_FromSize_t(ctx, (size_t)(uintptr_t)c->data);
    HPy typestr = HPyUnicode_FromString(ctx, "<f8");
    HPy version = HPyLong_FromLong(ctx, 3);
    HPy data = HPy_NULL;
    HPy res = HPy_NULL;
    if (HPy_IsNull(d) || HPy_IsNull(shape) || HPy_IsNull(strides) ||
        HPy_IsNull(ptr) || HPy_IsNull(typestr) || HPy_IsNull(version))
        goto done;
    HPy pair[2] = {ptr, ctx->h_False};   /* (address, read-only flag) */
    data = HPyTuple_FromArray(ctx, pair, 2);
    if (HPy_IsNull(data) ||
        HPy_SetItem_s(ctx, d, "shape", shape) < 0 ||
        HPy_SetItem_s(ctx, d, "strides", strides) < 0 ||
        HPy_SetItem_s(ctx, d, "typestr", typestr) < 0 ||
        HPy_SetItem_s(ctx, d, "data", data) < 0 ||
        HPy_SetItem_s(ctx, d, "version", version) < 0)
        goto done;
    res = HPy_Dup(ctx, d);
done:
    {
        HPy all[] = {d, shape, strides, ptr, typestr, version, data};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            if (!HPy_IsNull(all[i]))
                HPy_Close(ctx, all[i]);
    }
    return res;
}

/* Buffer export: memoryview(a) and numpy.asarray(a) share a's memory.
 * shape/strides point into the array object, which the view keeps alive;
 * the storage never moves or resizes, so no export counting is needed. */
PN_SLOT(array_getbuffer, HPy_bf_getbuffer)
static int array_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view,
                                int flags)
{
    pn_core *c = CORE(ctx, self);
    if (c == NULL)
        return -1;
    if (!pn_buffer_request_ok(c, flags)) {
        HPyErr_SetString(ctx, ctx->h_BufferError,
                         "ndarray is not contiguous in the requested order");
        return -1;
    }
    if (note_export(ctx, c) < 0)   /* memoryview asks read-only, yet may write */
        return -1;
    view->buf = c->data;
    view->obj = HPy_Dup(ctx, self);
    view->len = c->size * PN_ITEM;
    view->itemsize = sizeof(double);
    view->readonly = 0;
    view->ndim = c->ndim;
    view->format = (flags & PN_BUF_FORMAT) ? (char *)"d" : NULL;
    view->shape = (flags & PN_BUF_ND) ? (HPy_ssize_t *)c->shape : NULL;
    view->strides = ((flags & PN_BUF_STRIDES) == PN_BUF_STRIDES)
                        ? (HPy_ssize_t *)c->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

/* repr/str: one formatter in Python (piconumpy/_format.py) for all backends. */
static HPy format_array(HPyContext *ctx, HPy self, pn_global g)
{
    if (!hooks_ready)
        return HPyUnicode_FromString(ctx, "<piconumpy array>");
    return call_hook1(ctx, g, self);
}

PN_SLOT(array_repr, HPy_tp_repr)
static HPy array_repr_impl(HPyContext *ctx, HPy self)
{
    return format_array(ctx, self, g_hook_repr);
}

#if PN_HAS_TP_STR
PN_SLOT(array_str, HPy_tp_str)
static HPy array_str_impl(HPyContext *ctx, HPy self)
{
    return format_array(ctx, self, g_hook_str);
}
#else
PN_METH(array_str, "__str__", HPyFunc_NOARGS)
static HPy array_str_impl(HPyContext *ctx, HPy self)
{
    return format_array(ctx, self, g_hook_str);
}
#endif

#if !PN_HPY_09
PN_METH(array_setattr, "__setattr__", HPyFunc_VARARGS)
static HPy array_setattr_impl(HPyContext *ctx, HPy self, PN_VARARGS)
{
    HPyErr_SetString(ctx, ctx->h_AttributeError,
                     "piconumpy arrays have no writable attributes");
    return HPy_NULL;
}
#define PN_SETATTR_DEF &array_setattr,
#else
#define PN_SETATTR_DEF
#endif

PN_SLOT(array_new, HPy_tp_new)
static HPy array_new_impl(HPyContext *ctx, HPy type, PN_NEWARGS)
{
    return raise_type(ctx, "use piconumpy.array(), zeros(), empty()... to "
                           "create arrays");
}

static HPyDef *array_defines[] = {
    &array_new,
    &array_add, &array_iadd, &array_radd,
    &array_sub, &array_isub, &array_rsub,
    &array_mul, &array_imul, &array_rmul,
    &array_div, &array_idiv, &array_rdiv,
    &array_pow, &array_rpow, &array_matmul, &array_rmatmul,
    &array_neg, &array_pos, &array_abs,
    &array_len, &array_mp_len, &array_item,
    &array_subscript, &array_ass_subscript,
    &array_repr, &array_str, &array_getbuffer,
    &array_tolist, &array_copy,
    &array_size, &array_shape, &array_strides, &array_ndim, &array_dtype,
    &array_interface,
    PN_SETATTR_DEF
    NULL,
};

static HPyType_Spec array_spec = {
    .name = "piconumpy.ndarray",
    .basicsize = sizeof(ArrayObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,  /* for the subtype */
    .defines = array_defines,
    .doc = "piconumpy float64 array (create with piconumpy.array())",
};

/* The subtypes of piconumpy.ndarray: the same name and layout, with
 * fields the GC must see (HPyField base, arg_a, arg_b). */
#define PN_SUBTYPE_SPEC(DEFINES) {                                           \
    .name = "piconumpy.ndarray",                                             \
    .basicsize = sizeof(ArrayObject),                                        \
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,                      \
    .defines = DEFINES,                                                      \
    .doc = "piconumpy float64 array (create with piconumpy.array())",        \
}

/* The subtype for arrays with a malloc'd buffer (see new_owner_of): frees
 * its data, keeps the leaves of a pending value alive. */
static HPyDef *heap_defines[] = {&array_destroy, &array_traverse, NULL};

static HPyType_Spec heap_spec = PN_SUBTYPE_SPEC(heap_defines);

/* The subtype for views (new_view): keeps its base alive and owns nothing
 * in C, so it has no tp_destroy, which costs ~300 ns per object on PyPy
 * (a view's core is never pending, never holds a node: pn_core_view_of). */
static HPyDef *view_defines[] = {&array_traverse, NULL};

static HPyType_Spec view_spec = PN_SUBTYPE_SPEC(view_defines);

/* ------------------------------------------------------------------ */
/* constructors                                                        */

PN_METH(mod_array, "array", HPyFunc_O)
static HPy mod_array_impl(HPyContext *ctx, HPy mod, HPy obj)
{
    return array_from_object(ctx, obj);
}

static HPy filled(HPyContext *ctx, HPy shape_obj, int do_fill, double v)
{
    int nd;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_core *c;
    if (parse_shape(ctx, shape_obj, &nd, shape) < 0)
        return HPy_NULL;
    HPy res = new_owner(ctx, nd, shape, &c);
    if (!HPy_IsNull(res) && do_fill)
        pn_fill(c->data, v, c->size);
    return res;
}

PN_METH(mod_empty, "empty", HPyFunc_O)
static HPy mod_empty_impl(HPyContext *ctx, HPy mod, HPy n)
{
    return filled(ctx, n, 0, 0.0);
}

PN_METH(mod_zeros, "zeros", HPyFunc_O)
static HPy mod_zeros_impl(HPyContext *ctx, HPy mod, HPy n)
{
    return filled(ctx, n, 1, 0.0);
}

PN_METH(mod_ones, "ones", HPyFunc_O)
static HPy mod_ones_impl(HPyContext *ctx, HPy mod, HPy n)
{
    return filled(ctx, n, 1, 1.0);
}

PN_METH(mod_full, "full", HPyFunc_VARARGS)
static HPy mod_full_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 2)
        return raise_type(ctx, "full() takes 2 arguments");
    double v = as_double(ctx, args[1]);
    if (v == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return filled(ctx, args[0], 1, v);
}

PN_METH(mod_arange, "arange", HPyFunc_VARARGS)
static HPy mod_arange_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    double v[3] = {0.0, 0.0, 1.0};   /* start, stop, step */
    pn_err e;
    if (nargs < 1 || nargs > 3)
        return raise_type(ctx, "arange() takes 1 to 3 arguments");
    for (pn_ssize_t i = 0; i < (pn_ssize_t)nargs; i++) {
        double x = as_double(ctx, args[i]);
        if (x == -1.0 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        v[nargs == 1 ? 1 : i] = x;
    }
    pn_ssize_t n;
    if (pn_arange_length(v[0], v[1], v[2], &n, &e) < 0) {
        raise_err(ctx, &e);
        return HPy_NULL;
    }
    pn_core *c;
    HPy res = new_1d(ctx, n, &c);
    if (!HPy_IsNull(res))
        pn_arange(c->data, v[0], v[2], n);
    return res;
}

PN_METH(mod_linspace, "linspace", HPyFunc_VARARGS)
static HPy mod_linspace_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 3)
        return raise_type(ctx, "linspace() takes 3 arguments (start, stop, num)");
    double a = as_double(ctx, args[0]);
    if (a == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    double b = as_double(ctx, args[1]);
    if (b == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    int nd;
    pn_ssize_t n;
    if (HPyTuple_Check(ctx, args[2]) || HPyList_Check(ctx, args[2]))
        return raise_type(ctx, "linspace: num must be an integer");
    if (parse_shape(ctx, args[2], &nd, &n) < 0)
        return HPy_NULL;
    pn_core *c;
    HPy res = new_1d(ctx, n, &c);
    if (!HPy_IsNull(res))
        pn_linspace(c->data, a, b, n);
    return res;
}

/* _setup(repr, str, coerce, dtype, pressure_hook_or_None,
 * collect_hook_or_None): called once by piconumpy._loader right after
 * loading. */
PN_METH(mod_setup, "_setup", HPyFunc_VARARGS)
static HPy mod_setup_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 6)
        return raise_type(ctx, "_setup() takes 6 arguments");
    PN_GLOBAL_STORE(ctx, g_hook_repr, args[0]);
    PN_GLOBAL_STORE(ctx, g_hook_str, args[1]);
    PN_GLOBAL_STORE(ctx, g_hook_coerce, args[2]);
    PN_GLOBAL_STORE(ctx, g_hook_dtype, args[3]);
    PN_GLOBAL_STORE(ctx, g_hook_pressure, args[4]);
    pressure_enabled = !HPy_Is(ctx, args[4], ctx->h_None);
    PN_GLOBAL_STORE(ctx, g_hook_collect, args[5]);
    pn_recycle_enable(!HPy_Is(ctx, args[5], ctx->h_None));
    hooks_ready = 1;
    return HPy_Dup(ctx, ctx->h_None);
}

/* ------------------------------------------------------------------ */
/* module                                                              */

static int store_builtin(HPyContext *ctx, HPy builtins, const char *name,
                         pn_global *g)
{
    HPy h = HPy_GetAttr_s(ctx, builtins, name);
    if (HPy_IsNull(h))
        return -1;
    PN_GLOBAL_STORE(ctx, *g, h);
    HPy_Close(ctx, h);
    return 0;
}

static int module_exec(HPyContext *ctx, HPy m)
{
    HPy type = HPyType_FromSpec(ctx, &array_spec, NULL);
    if (HPy_IsNull(type))
        return -1;
    PN_GLOBAL_STORE(ctx, g_array_type, type);
    HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, type}, {0}};
    HPy heap = HPyType_FromSpec(ctx, &heap_spec, params);
    HPy view = HPy_IsNull(heap) ? HPy_NULL : HPyType_FromSpec(ctx, &view_spec, params);
    int rc = HPy_IsNull(view) ? -1 : HPy_SetAttr_s(ctx, m, "ndarray", type);
    HPy_Close(ctx, type);
    if (!HPy_IsNull(heap)) {
        if (rc == 0)
            PN_GLOBAL_STORE(ctx, g_heap_type, heap);
        HPy_Close(ctx, heap);
    }
    if (!HPy_IsNull(view)) {
        if (rc == 0)
            PN_GLOBAL_STORE(ctx, g_view_type, view);
        HPy_Close(ctx, view);
    }
    if (rc < 0)
        return -1;
    HPy builtins = HPyImport_ImportModule(ctx, "builtins");
    if (HPy_IsNull(builtins))
        return -1;
    rc = store_builtin(ctx, builtins, "slice", &g_slice_type) |
         store_builtin(ctx, builtins, "Ellipsis", &g_ellipsis);
    HPy_Close(ctx, builtins);
    hooks_ready = 0;
    pressure_enabled = 0;
    pn_recycle_enable(0);
    if (rc == 0 && pn_simd_init() < 0) {
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_SIMD_ENV_ERROR);
        return -1;
    }
    if (rc == 0 && pn_threads_init() < 0) {
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_THREADS_ENV_ERROR);
        return -1;
    }
    pn_err e;
    if (rc == 0 && pn_fuse_init(&e) < 0) {
        raise_err(ctx, &e);
        return -1;
    }
    return rc ? -1 : 0;
}

/* A tuple of n ints, for the _info functions below. */
static HPy size_tuple(HPyContext *ctx, const size_t *v, int n)
{
    HPy items[8], res = HPy_NULL;
    int made = 0;
    while (made < n && !HPy_IsNull(items[made] = HPyLong_FromSize_t(ctx, v[made])))
        made++;
    if (made == n)
        res = HPyTuple_FromArray(ctx, items, n);
    for (int i = 0; i < made; i++)
        HPy_Close(ctx, items[i]);
    return res;
}

/* _fused_info(): (smallest deferred size or 0, pending now, assignments
 * computed straight into their destination, values forced, memory copied
 * for pending readers), for tests and benchmarks. */
PN_METH(mod_fused_info, "_fused_info", HPyFunc_NOARGS)
static HPy mod_fused_info_impl(HPyContext *ctx, HPy mod)
{
    size_t v[5] = {(size_t)pn_fuse.min_size, (size_t)pn_fuse.count,
                   pn_fuse.fused, pn_fuse.forced, pn_fuse.snapped};
    return size_tuple(ctx, v, 5);
}

/* _fuse_snapshots(mode): fused.h's pn_fuse.snapshots (-1 auto, 0 never, 1
 * always) for tests; returns the mode before. */
PN_METH(mod_fuse_snapshots, "_fuse_snapshots", HPyFunc_O)
static HPy mod_fuse_snapshots_impl(HPyContext *ctx, HPy mod, HPy arg)
{
    pn_err e;
    if (!HPy_TypeCheck(ctx, arg, ctx->h_LongType))
        return raise_type(ctx, "snapshot mode must be an integer");
    long mode = HPyLong_AsLong(ctx, arg);
    if (mode == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    int before = pn_fuse_set_snapshots(mode, &e);
    if (before == -2) {
        raise_err(ctx, &e);
        return HPy_NULL;
    }
    return HPyLong_FromLong(ctx, before);
}

/* _recycle_info(): array_core.h's buffer recycling: (collection limit in
 * bytes, 0 when off; collections run; fresh big buffers allocated; bytes
 * of big buffers out of the cache; bytes in the cache), for tests and
 * benchmarks. */
PN_METH(mod_recycle_info, "_recycle_info", HPyFunc_NOARGS)
static HPy mod_recycle_info_impl(HPyContext *ctx, HPy mod)
{
    size_t v[5] = {pn_recycle_limit(), pn_recycle.collections, pn_recycle.fresh,
                   pn_recycle.live, pn_cache.total};
    return size_tuple(ctx, v, 5);
}

/* _simd_level(): the kernel level in use ("baseline", "avx2", "avx512"). */
PN_METH(mod_simd_level, "_simd_level", HPyFunc_NOARGS)
static HPy mod_simd_level_impl(HPyContext *ctx, HPy mod)
{
    return HPyUnicode_FromString(ctx, pn_simd->name);
}

/* _num_threads(n): threads of large element-wise loops (threads.h) set to
 * n (1..64); n == 0 only asks.  Returns the count before the call. */
PN_METH(mod_num_threads, "_num_threads", HPyFunc_O)
static HPy mod_num_threads_impl(HPyContext *ctx, HPy mod, HPy arg)
{
    /* (PyPy's HPy 0.0.4 would truncate a float) */
    if (!HPy_TypeCheck(ctx, arg, ctx->h_LongType)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "number of threads must be an integer");
        return HPy_NULL;
    }
    long n = HPyLong_AsLong(ctx, arg);
    if (n == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    if (n < 0 || n > PN_MAX_THREADS) {
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_THREADS_RANGE_ERROR);
        return HPy_NULL;
    }
    int before = pn_nthreads;
    if (n > 0)
        pn_set_num_threads((int)n);
    return HPyLong_FromLong(ctx, before);
}

/* _thread_stats(): (worker threads running, loops split so far) */
PN_METH(mod_thread_stats, "_thread_stats", HPyFunc_NOARGS)
static HPy mod_thread_stats_impl(HPyContext *ctx, HPy mod)
{
    int workers;
    unsigned long jobs;
    pn_thread_stats(&workers, &jobs);
    HPy items[2] = {HPyLong_FromLong(ctx, workers),
                    HPyLong_FromUnsignedLong(ctx, jobs)};
    HPy res = HPy_NULL;
    if (!HPy_IsNull(items[0]) && !HPy_IsNull(items[1]))
        res = HPyTuple_FromArray(ctx, items, 2);
    for (int i = 0; i < 2; i++)
        if (!HPy_IsNull(items[i]))
            HPy_Close(ctx, items[i]);
    return res;
}

PN_DECLARE_MODULE_EXEC(module_exec)

static HPyDef *module_defines[] = {
    &mod_array, &mod_empty, &mod_zeros, &mod_ones, &mod_full, &mod_arange,
    &mod_linspace,
    &mod_sin, &mod_cos, &mod_tan, &mod_exp, &mod_log, &mod_sqrt,
    &mod_absolute,
    &mod_unary, &mod_binary, &mod_reduce, &mod_matmul, &mod_solve, &mod_det, &mod_inv,
    &mod_reshape, &mod_transpose,
    &mod_setup, &mod_simd_level, &mod_num_threads, &mod_thread_stats,
    &mod_fused_info, &mod_fuse_snapshots, &mod_recycle_info,
    PN_MODULE_EXEC_DEF
    NULL,
};

static HPyGlobal *module_globals[] = PN_GLOBALS_ARRAY(
    &g_array_type, &g_heap_type, &g_view_type, &g_slice_type, &g_ellipsis, &g_hook_repr,
    &g_hook_str, &g_hook_coerce, &g_hook_dtype, &g_hook_pressure,
    &g_hook_collect);

PN_MODULE(PN_MODNAME, "piconumpy array type, HPy implementation",
          module_defines, module_globals, module_exec)
