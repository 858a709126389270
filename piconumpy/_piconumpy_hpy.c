/* _piconumpy_hpy.c -- the piconumpy array type written once against HPy.
 *
 * Built three ways by setup.py: HPy CPython ABI (module _piconumpy_hpy),
 * HPy universal ABI on CPython with hpy 0.9 and on PyPy with its own HPy
 * 0.0.4 (module _piconumpy_hpy_universal).  hpy_compat.h hides the API
 * differences; kernels.h holds the numeric loops; array_core.h the storage
 * and index arithmetic shared with _piconumpy_cpython.c.
 */
#include <stdio.h>
#include "hpy_compat.h"
#include "array_core.h"

#ifndef PN_MODNAME
#define PN_MODNAME _piconumpy_hpy
#endif

typedef struct {
    pn_core core;
} ArrayObject;

HPyType_HELPERS(ArrayObject)

/* Handles kept across calls: HPyGlobals (see pn_global in hpy_compat.h). */
static pn_global g_array_type;      /* piconumpy.ndarray, inline data */
static pn_global g_array_big_type;  /* its subtype owning a malloc'd buffer */
static pn_global g_slice_type;
static pn_global g_hook_repr;      /* piconumpy._format.array_repr */
static pn_global g_hook_str;       /* piconumpy._format.array_str */
static pn_global g_hook_coerce;    /* piconumpy._coerce.to_float_source */
static pn_global g_hook_dtype;     /* piconumpy._dtype.float64 */
static pn_global g_hook_pressure;  /* __pypy__.add_memory_pressure or None */
static int hooks_ready = 0;        /* set by _setup */
static int pressure_enabled = 0;

/* ------------------------------------------------------------------ */
/* errors                                                              */

static void set_status_error(HPyContext *ctx, pn_status st)
{
    switch (st) {
    case PN_ERR_NEGATIVE_SIZE:
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_MSG_NEGATIVE_SIZE);
        break;
    case PN_ERR_ZERO_STEP:
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_MSG_ARANGE_ZERO_STEP);
        break;
    case PN_ERR_BAD_RANGE:
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_MSG_BAD_RANGE);
        break;
    default:
        HPyErr_NoMemory(ctx);
    }
}

static void set_size_mismatch(HPyContext *ctx, pn_ssize_t n1, pn_ssize_t n2)
{
    char msg[128];
    snprintf(msg, sizeof(msg), PN_MSG_SIZE_MISMATCH, n1, n2);
    HPyErr_SetString(ctx, ctx->h_ValueError, msg);
}

static int error_is_type_error(HPyContext *ctx)
{
    return HPyErr_ExceptionMatches(ctx, ctx->h_TypeError);
}

/* ------------------------------------------------------------------ */
/* allocation                                                          */

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

/* New array of n (uninitialised) elements; *out gets its storage.
 * base_type is the borrowed piconumpy.ndarray type.
 * Arrays whose data fits inline get the base type, which has no tp_destroy:
 * on PyPy an object with a destructor costs ~300 ns more to create (measured
 * with zeros(4)), the dominant cost of tiny temporaries.  Larger arrays get
 * the subtype that frees their malloc'd buffer. */
static HPy new_array_of(HPyContext *ctx, HPy base_type, pn_ssize_t n,
                        pn_core **out)
{
    ArrayObject *obj;
    HPy h;
    if (n > PN_INLINE_CAPACITY) {
        HPy big = PN_GLOBAL_BORROW(ctx, g_array_big_type);
        h = HPy_New(ctx, big, &obj);
        PN_GLOBAL_RELEASE(ctx, big);
    }
    else {
        h = HPy_New(ctx, base_type, &obj);
    }
    if (HPy_IsNull(h))
        return HPy_NULL;
    pn_status st = pn_core_alloc(&obj->core, n);
    if (st != PN_OK) {
        HPy_Close(ctx, h);
        set_status_error(ctx, st);
        return HPy_NULL;
    }
    if (pressure_enabled && pn_core_needs_pressure(&obj->core)) {
        if (report_pressure(ctx, n * (pn_ssize_t)sizeof(double)) < 0) {
            HPy_Close(ctx, h);
            return HPy_NULL;
        }
    }
    *out = &obj->core;
    return h;
}

/* The same, for callers that do not hold the base type already. */
static HPy new_array(HPyContext *ctx, pn_ssize_t n, pn_core **out)
{
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    HPy res = new_array_of(ctx, type, n, out);
    PN_GLOBAL_RELEASE(ctx, type);
    return res;
}

PN_SLOT(array_destroy, HPy_tp_destroy)
static void array_destroy_impl(void *obj)
{
    pn_core_free(&((ArrayObject *)obj)->core);
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

/* Fill dst[0..n) from a list or tuple of reals. */
static int fill_from_sequence(HPyContext *ctx, HPy seq, double *dst,
                              pn_ssize_t n)
{
    for (pn_ssize_t i = 0; i < n; i++) {
        HPy item = HPy_GetItem_i(ctx, seq, i);
        if (HPy_IsNull(item))
            return -1;
        double v = as_double(ctx, item);
        HPy_Close(ctx, item);
        if (v == -1.0 && HPyErr_Occurred(ctx))
            return -1;
        dst[i] = v;
    }
    return 0;
}

static HPy array_from_object(HPyContext *ctx, HPy obj);

/* Anything that is not a list, tuple or array goes through the Python hook
 * (iterables, buffers such as numpy arrays): it returns a list or the
 * float64 bytes. */
static HPy array_from_coerced(HPyContext *ctx, HPy obj)
{
    if (!hooks_ready) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "array() needs a list or tuple of numbers");
        return HPy_NULL;
    }
    HPy src = call_hook1(ctx, g_hook_coerce, obj);
    if (HPy_IsNull(src))
        return HPy_NULL;
    HPy res;
    if (HPyBytes_Check(ctx, src)) {
        pn_ssize_t nbytes = HPyBytes_Size(ctx, src);
        pn_core *c;
        res = new_array(ctx, nbytes / (pn_ssize_t)sizeof(double), &c);
        if (!HPy_IsNull(res))
            memcpy(c->data, HPyBytes_AsString(ctx, src),
                   (size_t)c->size * sizeof(double));
    }
    else if (HPyList_Check(ctx, src)) {
        res = array_from_object(ctx, src);
    }
    else {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "piconumpy coercion hook returned a bad value");
        res = HPy_NULL;
    }
    HPy_Close(ctx, src);
    return res;
}

/* array(obj): always a new array. */
static HPy array_from_object(HPyContext *ctx, HPy obj)
{
    pn_core *c;
    if (is_array(ctx, obj)) {
        pn_core *src = &ArrayObject_AsStruct(ctx, obj)->core;
        HPy res = new_array(ctx, src->size, &c);
        if (!HPy_IsNull(res))
            memcpy(c->data, src->data, (size_t)src->size * sizeof(double));
        return res;
    }
    if (!HPyList_Check(ctx, obj) && !HPyTuple_Check(ctx, obj))
        return array_from_coerced(ctx, obj);
    pn_ssize_t n = HPy_Length(ctx, obj);
    if (n < 0)
        return HPy_NULL;
    HPy res = new_array(ctx, n, &c);
    if (HPy_IsNull(res))
        return HPy_NULL;
    if (fill_from_sequence(ctx, obj, c->data, n) < 0) {
        HPy_Close(ctx, res);
        return HPy_NULL;
    }
    return res;
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
static void classify(HPyContext *ctx, HPy type, HPy obj, operand *op,
                     int known_array)
{
    op->owned = HPy_NULL;
    op->core = NULL;
    op->scalar = 0.0;
    if (known_array || HPy_TypeCheck(ctx, obj, type)) {
        op->kind = OPD_ARRAY;
        op->core = &ArrayObject_AsStruct(ctx, obj)->core;
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
        op->kind = OPD_ARRAY;
        op->core = &ArrayObject_AsStruct(ctx, op->owned)->core;
        return;
    }
    op->kind = OPD_OTHER;
}

static void release(HPyContext *ctx, operand *op)
{
    if (!HPy_IsNull(op->owned))
        HPy_Close(ctx, op->owned);
}


/* Run op on classified operands into dst (size n); -1 on size mismatch. */
static int apply_binop(HPyContext *ctx, const pn_binop *op, operand *l,
                       operand *r, double *dst)
{
    if (l->kind == OPD_ARRAY && r->kind == OPD_ARRAY) {
        if (l->core->size != r->core->size) {
            set_size_mismatch(ctx, l->core->size, r->core->size);
            return -1;
        }
        op->vv(dst, l->core->data, r->core->data, l->core->size);
    }
    else if (l->kind == OPD_ARRAY) {
        op->vs(dst, l->core->data, r->scalar, l->core->size);
    }
    else {
        op->sv(dst, l->scalar, r->core->data, r->core->size);
    }
    return 0;
}

/* a OP b where at least one side is an array (CPython calls the slot for
 * both orders; the reflected methods below call it with swapped args). */
enum { KNOWN_NONE, KNOWN_LEFT, KNOWN_RIGHT };

static HPy binary_op(HPyContext *ctx, HPy left, HPy right, const pn_binop *op,
                     int known)
{
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand l, r;
    HPy res = HPy_NULL;
    classify(ctx, type, left, &l, known == KNOWN_LEFT);
    if (l.kind == OPD_ERROR)
        goto done_type;
    classify(ctx, type, right, &r, known == KNOWN_RIGHT);
    if (r.kind == OPD_ERROR)
        goto done_l;
    if (l.kind == OPD_OTHER || r.kind == OPD_OTHER ||
        (l.kind == OPD_SCALAR && r.kind == OPD_SCALAR)) {
        res = HPy_Dup(ctx, ctx->h_NotImplemented);
        goto done_r;
    }
    pn_ssize_t n = (l.kind == OPD_ARRAY) ? l.core->size : r.core->size;
    if (l.kind == OPD_ARRAY && r.kind == OPD_ARRAY && l.core->size != r.core->size) {
        set_size_mismatch(ctx, l.core->size, r.core->size);
        goto done_r;
    }
    pn_core *c;
    res = new_array_of(ctx, type, n, &c);
    if (!HPy_IsNull(res))
        apply_binop(ctx, op, &l, &r, c->data);
done_r:
    release(ctx, &r);
done_l:
    release(ctx, &l);
done_type:
    PN_GLOBAL_RELEASE(ctx, type);
    return res;
}

/* a OP= b: computed into a's own buffer, no allocation. */
static HPy inplace_op(HPyContext *ctx, HPy self, HPy other, const pn_binop *op)
{
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand l, r;
    HPy res = HPy_NULL;
    classify(ctx, type, self, &l, 1);   /* the in-place slot of self's type */
    classify(ctx, type, other, &r, 0);
    if (r.kind == OPD_OTHER)
        res = HPy_Dup(ctx, ctx->h_NotImplemented);
    else if (r.kind != OPD_ERROR && apply_binop(ctx, op, &l, &r, l.core->data) == 0)
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

PN_SLOT(array_pow, HPy_nb_power)
static HPy array_pow_impl(HPyContext *ctx, HPy a, HPy b, HPy mod)
{
    if (!HPy_Is(ctx, mod, ctx->h_None)) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "pow() with a modulus is not supported for arrays");
        return HPy_NULL;
    }
    return binary_op(ctx, a, b, &PN_OP_POW,
                     PN_NB_SELF_FIRST ? KNOWN_LEFT : KNOWN_NONE);
}

PN_METH(array_rpow, "__rpow__", HPyFunc_VARARGS)
static HPy array_rpow_impl(HPyContext *ctx, HPy self, PN_VARARGS)
{
    if (nargs < 1 || nargs > 2 ||
        (nargs == 2 && !HPy_Is(ctx, args[1], ctx->h_None))) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "__rpow__ takes one argument (no modulus)");
        return HPy_NULL;
    }
    return binary_op(ctx, args[0], self, &PN_OP_POW, KNOWN_RIGHT);
}

/* ------------------------------------------------------------------ */
/* unary operators and element-wise functions                          */


/* f(obj) for any array-like obj (converted with array() when needed). */
static HPy unary_apply(HPyContext *ctx, HPy obj, pn_kernel_unary kernel)
{
    HPy tmp = HPy_NULL;
    if (!is_array(ctx, obj)) {
        tmp = array_from_object(ctx, obj);
        if (HPy_IsNull(tmp))
            return HPy_NULL;
        obj = tmp;
    }
    pn_core *src = &ArrayObject_AsStruct(ctx, obj)->core;
    pn_core *c;
    HPy res = new_array(ctx, src->size, &c);
    if (!HPy_IsNull(res))
        kernel(c->data, src->data, src->size);
    if (!HPy_IsNull(tmp))
        HPy_Close(ctx, tmp);
    return res;
}

PN_SLOT(array_neg, HPy_nb_negative)
static HPy array_neg_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_neg);
}

PN_SLOT(array_pos, HPy_nb_positive)
static HPy array_pos_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_copy);
}

PN_SLOT(array_abs, HPy_nb_absolute)
static HPy array_abs_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_absolute);
}

PN_METH(array_copy, "copy", HPyFunc_NOARGS)
static HPy array_copy_impl(HPyContext *ctx, HPy self)
{
    return unary_apply(ctx, self, pn_copy);
}

#define PN_MODULE_UNARY(NAME)                                                \
    PN_METH(mod_##NAME, #NAME, HPyFunc_O)                                    \
    static HPy mod_##NAME##_impl(HPyContext *ctx, HPy mod, HPy obj)          \
    {                                                                        \
        return unary_apply(ctx, obj, pn_##NAME);                             \
    }

PN_MODULE_UNARY(sin)
PN_MODULE_UNARY(cos)
PN_MODULE_UNARY(tan)
PN_MODULE_UNARY(exp)
PN_MODULE_UNARY(log)
PN_MODULE_UNARY(sqrt)
PN_MODULE_UNARY(absolute)

/* ------------------------------------------------------------------ */
/* reductions                                                          */

typedef enum { RED_SUM, RED_MIN, RED_MAX, RED_MEAN } reduction;

static HPy reduce(HPyContext *ctx, HPy obj, reduction kind)
{
    static const char *const names[] = {"sum", "minimum", "maximum", "mean"};
    HPy tmp = HPy_NULL;
    if (!is_array(ctx, obj)) {
        tmp = array_from_object(ctx, obj);
        if (HPy_IsNull(tmp))
            return HPy_NULL;
        obj = tmp;
    }
    pn_core *c = &ArrayObject_AsStruct(ctx, obj)->core;
    HPy res = HPy_NULL;
    double r;
    if (c->size == 0 && (kind == RED_MIN || kind == RED_MAX)) {
        char msg[128];
        snprintf(msg, sizeof(msg), PN_MSG_EMPTY_REDUCTION, names[kind]);
        HPyErr_SetString(ctx, ctx->h_ValueError, msg);
        goto done;
    }
    switch (kind) {
    case RED_SUM: r = pn_sum(c->data, c->size); break;
    case RED_MIN: r = pn_min(c->data, c->size); break;
    case RED_MAX: r = pn_max(c->data, c->size); break;
    default: r = c->size ? pn_sum(c->data, c->size) / (double)c->size : NAN;
    }
    res = HPyFloat_FromDouble(ctx, r);
done:
    if (!HPy_IsNull(tmp))
        HPy_Close(ctx, tmp);
    return res;
}

#define PN_REDUCTION(NAME, KIND)                                             \
    PN_METH(mod_##NAME, #NAME, HPyFunc_O)                                    \
    static HPy mod_##NAME##_impl(HPyContext *ctx, HPy mod, HPy obj)          \
    {                                                                        \
        return reduce(ctx, obj, KIND);                                       \
    }                                                                        \
    PN_METH(array_##NAME, #NAME, HPyFunc_NOARGS)                             \
    static HPy array_##NAME##_impl(HPyContext *ctx, HPy self)                \
    {                                                                        \
        return reduce(ctx, self, KIND);                                      \
    }

PN_REDUCTION(sum, RED_SUM)
PN_REDUCTION(min, RED_MIN)
PN_REDUCTION(max, RED_MAX)
PN_REDUCTION(mean, RED_MEAN)

static HPy dot2(HPyContext *ctx, HPy a, HPy b)
{
    HPy ta = HPy_NULL, tb = HPy_NULL, res = HPy_NULL;
    if (!is_array(ctx, a)) {
        if (HPy_IsNull(ta = array_from_object(ctx, a)))
            return HPy_NULL;
        a = ta;
    }
    if (!is_array(ctx, b)) {
        if (HPy_IsNull(tb = array_from_object(ctx, b)))
            goto done;
        b = tb;
    }
    pn_core *ca = &ArrayObject_AsStruct(ctx, a)->core;
    pn_core *cb = &ArrayObject_AsStruct(ctx, b)->core;
    if (ca->size != cb->size)
        set_size_mismatch(ctx, ca->size, cb->size);
    else
        res = HPyFloat_FromDouble(ctx, pn_dot(ca->data, cb->data, ca->size));
done:
    if (!HPy_IsNull(ta))
        HPy_Close(ctx, ta);
    if (!HPy_IsNull(tb))
        HPy_Close(ctx, tb);
    return res;
}

PN_METH(mod_dot, "dot", HPyFunc_VARARGS)
static HPy mod_dot_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "dot() takes 2 arguments");
        return HPy_NULL;
    }
    return dot2(ctx, args[0], args[1]);
}

PN_METH(array_dot, "dot", HPyFunc_O)
static HPy array_dot_impl(HPyContext *ctx, HPy self, HPy other)
{
    return dot2(ctx, self, other);
}

/* ------------------------------------------------------------------ */
/* sequence protocol, indexing                                         */

PN_SLOT(array_len, HPy_sq_length)
static HPy_ssize_t array_len_impl(HPyContext *ctx, HPy self)
{
    return ArrayObject_AsStruct(ctx, self)->core.size;
}

PN_SLOT(array_mp_len, HPy_mp_length)
static HPy_ssize_t array_mp_len_impl(HPyContext *ctx, HPy self)
{
    return ArrayObject_AsStruct(ctx, self)->core.size;
}

/* sq_item makes iteration work everywhere (the sequence-iteration fallback
 * stops at IndexError). */
PN_SLOT(array_item, HPy_sq_item)
static HPy array_item_impl(HPyContext *ctx, HPy self, HPy_ssize_t i)
{
    pn_core *c = &ArrayObject_AsStruct(ctx, self)->core;
    if (i < 0 || i >= c->size) {
        HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
        return HPy_NULL;
    }
    return HPyFloat_FromDouble(ctx, c->data[i]);
}

/* Resolve key (a slice object) against size n. */
#if PN_HPY_09
static int unpack_slice(HPyContext *ctx, HPy key, pn_ssize_t n,
                        pn_ssize_t *start, pn_ssize_t *step, pn_ssize_t *len)
{
    HPy_ssize_t b, e, st;   /* raises ValueError for a zero step */
    if (HPySlice_Unpack(ctx, key, &b, &e, &st) < 0)
        return -1;
    pn_ssize_t stop = e;
    *start = b;
    *step = st;
    *len = pn_slice_adjust(n, start, &stop, *step);
    return 0;
}
#else  /* HPy 0.0.4 has no HPySlice_Unpack: read the attributes */
/* Clamp a huge slice bound (beyond pn_ssize_t) by its sign, like CPython. */
static int slice_bound(HPyContext *ctx, HPy v, pn_ssize_t dflt, pn_ssize_t *out)
{
    if (HPy_Is(ctx, v, ctx->h_None)) {
        *out = dflt;
        return 0;
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

static int unpack_slice(HPyContext *ctx, HPy key, pn_ssize_t n,
                        pn_ssize_t *start, pn_ssize_t *step, pn_ssize_t *len)
{
    HPy h_start = HPy_GetAttr_s(ctx, key, "start");
    HPy h_stop = HPy_GetAttr_s(ctx, key, "stop");
    HPy h_step = HPy_GetAttr_s(ctx, key, "step");
    pn_ssize_t stop;
    int ok = !HPy_IsNull(h_start) && !HPy_IsNull(h_stop) && !HPy_IsNull(h_step)
             && slice_bound(ctx, h_step, 1, step) == 0;
    if (ok && *step == 0) {
        HPyErr_SetString(ctx, ctx->h_ValueError, PN_MSG_ZERO_STEP);
        ok = 0;
    }
    ok = ok && slice_bound(ctx, h_start, PN_SLICE_START_DEFAULT(*step), start) == 0
            && slice_bound(ctx, h_stop, PN_SLICE_STOP_DEFAULT(*step), &stop) == 0;
    if (ok) {
        if (*step == PTRDIFF_MIN)   /* -step must not overflow */
            *step = -PTRDIFF_MAX;
        *len = pn_slice_adjust(n, start, &stop, *step);
    }
    if (!HPy_IsNull(h_start)) HPy_Close(ctx, h_start);
    if (!HPy_IsNull(h_stop)) HPy_Close(ctx, h_stop);
    if (!HPy_IsNull(h_step)) HPy_Close(ctx, h_step);
    return ok ? 0 : -1;
}

#endif

typedef enum { KEY_INT, KEY_SLICE, KEY_ERROR } key_kind;

/* Classify an index: an int (or __index__ object) resolved to [0, n), or a
 * slice.  Out of range, and anything else, raise IndexError like numpy. */
static key_kind parse_key(HPyContext *ctx, HPy key, pn_ssize_t n,
                          pn_ssize_t *i)
{
    pn_ssize_t v = HPyLong_AsSsize_t(ctx, key);
    if (v == -1 && HPyErr_Occurred(ctx)) {
        HPyErr_Clear(ctx);
        HPy slice_type = PN_GLOBAL_BORROW(ctx, g_slice_type);
        int is_slice = HPy_TypeCheck(ctx, key, slice_type);
        PN_GLOBAL_RELEASE(ctx, slice_type);
        if (is_slice)
            return KEY_SLICE;
        HPy idx = HPy_Index(ctx, key);
        if (HPy_IsNull(idx)) {
            HPyErr_Clear(ctx);
            HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_TYPE);
            return KEY_ERROR;
        }
        v = HPyLong_AsSsize_t(ctx, idx);
        HPy_Close(ctx, idx);
        if (v == -1 && HPyErr_Occurred(ctx)) {
            HPyErr_Clear(ctx);
            HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
            return KEY_ERROR;
        }
    }
    *i = pn_normalize_index(v, n);
    if (*i < 0) {
        HPyErr_SetString(ctx, ctx->h_IndexError, PN_MSG_INDEX_RANGE);
        return KEY_ERROR;
    }
    return KEY_INT;
}

PN_SLOT(array_subscript, HPy_mp_subscript)
static HPy array_subscript_impl(HPyContext *ctx, HPy self, HPy key)
{
    pn_core *c = &ArrayObject_AsStruct(ctx, self)->core;
    pn_ssize_t i, start, step, len;
    switch (parse_key(ctx, key, c->size, &i)) {
    case KEY_INT:
        return HPyFloat_FromDouble(ctx, c->data[i]);
    case KEY_SLICE:
        if (unpack_slice(ctx, key, c->size, &start, &step, &len) < 0)
            return HPy_NULL;
        pn_core *dst;
        HPy res = new_array(ctx, len, &dst);
        if (!HPy_IsNull(res) && len > 0)
            pn_gather(dst->data, c->data + start, step, len);
        return res;
    default:
        return HPy_NULL;
    }
}

PN_SLOT(array_ass_subscript, HPy_mp_ass_subscript)
static int array_ass_subscript_impl(HPyContext *ctx, HPy self, HPy key,
                                    HPy value)
{
    pn_core *c = &ArrayObject_AsStruct(ctx, self)->core;
    pn_ssize_t i, start, step, len;
    if (HPy_IsNull(value)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, PN_MSG_NO_DELETE);
        return -1;
    }
    switch (parse_key(ctx, key, c->size, &i)) {
    case KEY_INT: {
        double v = as_double(ctx, value);
        if (v == -1.0 && HPyErr_Occurred(ctx))
            return -1;
        c->data[i] = v;
        return 0;
    }
    case KEY_SLICE:
        break;
    default:
        return -1;
    }
    if (unpack_slice(ctx, key, c->size, &start, &step, &len) < 0)
        return -1;
    if (len == 0)
        start = 0;      /* keep c->data + start inside the buffer */
    HPy type = PN_GLOBAL_BORROW(ctx, g_array_type);
    operand v;
    classify(ctx, type, value, &v, 0);
    PN_GLOBAL_RELEASE(ctx, type);
    int rc = -1;
    if (v.kind == OPD_OTHER) {
        /* any other array-like (numpy array, range...): convert it */
        v.owned = array_from_object(ctx, value);
        v.kind = HPy_IsNull(v.owned) ? OPD_ERROR : OPD_ARRAY;
        if (v.kind == OPD_ARRAY)
            v.core = &ArrayObject_AsStruct(ctx, v.owned)->core;
    }
    if (v.kind == OPD_SCALAR) {
        pn_scatter_scalar(c->data + start, step, v.scalar, len);
        rc = 0;
    }
    else if (v.kind == OPD_ARRAY) {
        if (v.core->size != len) {
            set_size_mismatch(ctx, v.core->size, len);
        }
        else if (v.core == c) {
            /* a[::-1] = a: read everything before writing */
            double *tmp = (double *)malloc((size_t)len * sizeof(double) + 1);
            if (tmp == NULL) {
                HPyErr_NoMemory(ctx);
            }
            else {
                memcpy(tmp, c->data, (size_t)len * sizeof(double));
                pn_scatter(c->data + start, step, tmp, len);
                free(tmp);
                rc = 0;
            }
        }
        else {
            pn_scatter(c->data + start, step, v.core->data, len);
            rc = 0;
        }
    }
    release(ctx, &v);
    return rc;
}

/* ------------------------------------------------------------------ */
/* attributes and conversions                                          */

PN_METH(array_tolist, "tolist", HPyFunc_NOARGS)
static HPy array_tolist_impl(HPyContext *ctx, HPy self)
{
    pn_core *c = &ArrayObject_AsStruct(ctx, self)->core;
    HPyListBuilder b = HPyListBuilder_New(ctx, c->size);
    for (pn_ssize_t i = 0; i < c->size; i++) {
        HPy f = HPyFloat_FromDouble(ctx, c->data[i]);
        if (HPy_IsNull(f)) {
            HPyListBuilder_Cancel(ctx, b);
            return HPy_NULL;
        }
        HPyListBuilder_Set(ctx, b, i, f);
        HPy_Close(ctx, f);
    }
    return HPyListBuilder_Build(ctx, b);
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
    return HPyLong_FromSsize_t(ctx, ArrayObject_AsStruct(ctx, self)->core.size);
}

PN_READONLY(array_shape, "shape")
static HPy array_shape_get(HPyContext *ctx, HPy self, void *closure)
{
    HPy n = HPyLong_FromSsize_t(ctx, ArrayObject_AsStruct(ctx, self)->core.size);
    if (HPy_IsNull(n))
        return HPy_NULL;
    HPy res = HPyTuple_FromArray(ctx, &n, 1);
    HPy_Close(ctx, n);
    return res;
}

PN_READONLY(array_ndim, "ndim")
static HPy array_ndim_get(HPyContext *ctx, HPy self, void *closure)
{
    return HPyLong_FromLong(ctx, 1);
}

PN_READONLY(array_dtype, "dtype")
static HPy array_dtype_get(HPyContext *ctx, HPy self, void *closure)
{
    if (!hooks_ready)
        return HPyUnicode_FromString(ctx, "float64");
    return PN_GLOBAL_LOAD(ctx, g_hook_dtype);
}

/* numpy's array interface (version 3): lets numpy share the buffer even
 * where the buffer protocol is not available. */
PN_READONLY(array_interface, "__array_interface__")
static HPy array_interface_get(HPyContext *ctx, HPy self, void *closure)
{
    pn_core *c = &ArrayObject_AsStruct(ctx, self)->core;
    HPy d = HPyDict_New(ctx);
    HPy n = HPyLong_FromSsize_t(ctx, c->size);
    HPy ptr = HPyLong_FromSize_t(ctx, (size_t)(uintptr_t)c->data);
    HPy typestr = HPyUnicode_FromString(ctx, "<f8");
    HPy version = HPyLong_FromLong(ctx, 3);
    HPy shape = HPy_NULL, data = HPy_NULL;
    HPy res = HPy_NULL;
    if (HPy_IsNull(d) || HPy_IsNull(n) || HPy_IsNull(ptr) ||
        HPy_IsNull(typestr) || HPy_IsNull(version))
        goto done;
    HPy pair[2] = {ptr, ctx->h_False};   /* (address, read-only flag) */
    shape = HPyTuple_FromArray(ctx, &n, 1);
    data = HPyTuple_FromArray(ctx, pair, 2);
    if (HPy_IsNull(shape) || HPy_IsNull(data) ||
        HPy_SetItem_s(ctx, d, "shape", shape) < 0 ||
        HPy_SetItem_s(ctx, d, "typestr", typestr) < 0 ||
        HPy_SetItem_s(ctx, d, "data", data) < 0 ||
        HPy_SetItem_s(ctx, d, "version", version) < 0)
        goto done;
    res = HPy_Dup(ctx, d);
done:
    {
        HPy all[] = {d, n, ptr, typestr, version, shape, data};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            if (!HPy_IsNull(all[i]))
                HPy_Close(ctx, all[i]);
    }
    return res;
}

/* Buffer export: memoryview(a) and numpy.asarray(a) share a's memory.
 * The storage never moves or resizes, so no export counting is needed. */
PN_SLOT(array_getbuffer, HPy_bf_getbuffer)
static int array_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view,
                                int flags)
{
    pn_core *c = &ArrayObject_AsStruct(ctx, self)->core;
    view->buf = c->data;
    view->obj = HPy_Dup(ctx, self);
    view->len = c->size * (pn_ssize_t)sizeof(double);
    view->itemsize = sizeof(double);
    view->readonly = 0;
    view->ndim = 1;
    view->format = (flags & PN_BUF_FORMAT) ? (char *)"d" : NULL;
    view->shape = (flags & PN_BUF_ND) ? &c->size : NULL;
    view->strides = ((flags & PN_BUF_STRIDES) == PN_BUF_STRIDES)
                        ? (HPy_ssize_t *)pn_contiguous_strides : NULL;
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
    HPyErr_SetString(ctx, ctx->h_TypeError,
                     "use piconumpy.array(), zeros(), empty()... to create "
                     "arrays");
    return HPy_NULL;
}

static HPyDef *array_defines[] = {
    &array_new,
    &array_add, &array_iadd, &array_radd,
    &array_sub, &array_isub, &array_rsub,
    &array_mul, &array_imul, &array_rmul,
    &array_div, &array_idiv, &array_rdiv,
    &array_pow, &array_rpow,
    &array_neg, &array_pos, &array_abs,
    &array_len, &array_mp_len, &array_item,
    &array_subscript, &array_ass_subscript,
    &array_repr, &array_str, &array_getbuffer,
    &array_tolist, &array_copy, &array_sum, &array_min, &array_max,
    &array_mean, &array_dot,
    &array_size, &array_shape, &array_ndim, &array_dtype, &array_interface,
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

/* The subtype for arrays with a malloc'd buffer (see new_array). */
static HPyDef *array_big_defines[] = {&array_destroy, NULL};

static HPyType_Spec array_big_spec = {
    .name = "piconumpy.ndarray",
    .basicsize = sizeof(ArrayObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .defines = array_big_defines,
    .doc = "piconumpy float64 array (create with piconumpy.array())",
};

/* ------------------------------------------------------------------ */
/* constructors                                                        */

PN_METH(mod_array, "array", HPyFunc_O)
static HPy mod_array_impl(HPyContext *ctx, HPy mod, HPy obj)
{
    return array_from_object(ctx, obj);
}

/* A size argument: an int, an __index__ object or a 1-tuple of those. */
static int parse_size(HPyContext *ctx, HPy obj, pn_ssize_t *n)
{
    HPy item = HPy_NULL;
    if (HPyTuple_Check(ctx, obj)) {
        if (HPy_Length(ctx, obj) != 1) {
            HPyErr_SetString(ctx, ctx->h_ValueError,
                             "only 1-D shapes are supported");
            return -1;
        }
        item = HPy_GetItem_i(ctx, obj, 0);
        if (HPy_IsNull(item))
            return -1;
        obj = item;
    }
    HPy idx = HPy_Index(ctx, obj);
    if (!HPy_IsNull(item))
        HPy_Close(ctx, item);
    if (HPy_IsNull(idx))
        return -1;
    *n = HPyLong_AsSsize_t(ctx, idx);
    HPy_Close(ctx, idx);
    if (*n == -1 && HPyErr_Occurred(ctx)) {
        if (!HPyErr_ExceptionMatches(ctx, ctx->h_OverflowError))
            return -1;
        HPyErr_Clear(ctx);
        HPyErr_SetString(ctx, ctx->h_ValueError, "array size is too large");
        return -1;
    }
    return 0;
}

static HPy filled(HPyContext *ctx, HPy size, int do_fill, double v)
{
    pn_ssize_t n;
    pn_core *c;
    if (parse_size(ctx, size, &n) < 0)
        return HPy_NULL;
    HPy res = new_array(ctx, n, &c);
    if (!HPy_IsNull(res) && do_fill)
        pn_fill(c->data, v, n);
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
    if (nargs != 2) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "full() takes 2 arguments");
        return HPy_NULL;
    }
    double v = as_double(ctx, args[1]);
    if (v == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    return filled(ctx, args[0], 1, v);
}

PN_METH(mod_arange, "arange", HPyFunc_VARARGS)
static HPy mod_arange_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    double v[3] = {0.0, 0.0, 1.0};   /* start, stop, step */
    if (nargs < 1 || nargs > 3) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "arange() takes 1 to 3 arguments");
        return HPy_NULL;
    }
    for (pn_ssize_t i = 0; i < (pn_ssize_t)nargs; i++) {
        double x = as_double(ctx, args[i]);
        if (x == -1.0 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        v[nargs == 1 ? 1 : i] = x;
    }
    pn_ssize_t n;
    pn_status st = pn_arange_length(v[0], v[1], v[2], &n);
    if (st != PN_OK) {
        set_status_error(ctx, st);
        return HPy_NULL;
    }
    pn_core *c;
    HPy res = new_array(ctx, n, &c);
    if (!HPy_IsNull(res))
        pn_arange(c->data, v[0], v[2], n);
    return res;
}

PN_METH(mod_linspace, "linspace", HPyFunc_VARARGS)
static HPy mod_linspace_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 3) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "linspace() takes 3 arguments (start, stop, num)");
        return HPy_NULL;
    }
    double a = as_double(ctx, args[0]);
    if (a == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    double b = as_double(ctx, args[1]);
    if (b == -1.0 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    pn_ssize_t n;
    if (parse_size(ctx, args[2], &n) < 0)
        return HPy_NULL;
    pn_core *c;
    HPy res = new_array(ctx, n, &c);
    if (!HPy_IsNull(res))
        pn_linspace(c->data, a, b, n);
    return res;
}

/* _setup(repr, str, coerce, dtype, pressure_hook_or_None): called once by
 * piconumpy._loader right after loading. */
PN_METH(mod_setup, "_setup", HPyFunc_VARARGS)
static HPy mod_setup_impl(HPyContext *ctx, HPy mod, PN_VARARGS)
{
    if (nargs != 5) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "_setup() takes 5 arguments");
        return HPy_NULL;
    }
    PN_GLOBAL_STORE(ctx, g_hook_repr, args[0]);
    PN_GLOBAL_STORE(ctx, g_hook_str, args[1]);
    PN_GLOBAL_STORE(ctx, g_hook_coerce, args[2]);
    PN_GLOBAL_STORE(ctx, g_hook_dtype, args[3]);
    PN_GLOBAL_STORE(ctx, g_hook_pressure, args[4]);
    pressure_enabled = !HPy_Is(ctx, args[4], ctx->h_None);
    hooks_ready = 1;
    return HPy_Dup(ctx, ctx->h_None);
}

/* ------------------------------------------------------------------ */
/* module                                                              */

static int module_exec(HPyContext *ctx, HPy m)
{
    HPy type = HPyType_FromSpec(ctx, &array_spec, NULL);
    if (HPy_IsNull(type))
        return -1;
    PN_GLOBAL_STORE(ctx, g_array_type, type);
    HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, type}, {0}};
    HPy big = HPyType_FromSpec(ctx, &array_big_spec, params);
    int rc = HPy_IsNull(big) ? -1 : HPy_SetAttr_s(ctx, m, "ndarray", type);
    HPy_Close(ctx, type);
    if (!HPy_IsNull(big)) {
        if (rc == 0)
            PN_GLOBAL_STORE(ctx, g_array_big_type, big);
        HPy_Close(ctx, big);
    }
    if (rc < 0)
        return -1;
    HPy builtins = HPyImport_ImportModule(ctx, "builtins");
    if (HPy_IsNull(builtins))
        return -1;
    HPy slice = HPy_GetAttr_s(ctx, builtins, "slice");
    HPy_Close(ctx, builtins);
    if (HPy_IsNull(slice))
        return -1;
    PN_GLOBAL_STORE(ctx, g_slice_type, slice);
    HPy_Close(ctx, slice);
    hooks_ready = 0;
    pressure_enabled = 0;
    return 0;
}

PN_DECLARE_MODULE_EXEC(module_exec)

static HPyDef *module_defines[] = {
    &mod_array, &mod_empty, &mod_zeros, &mod_ones, &mod_full, &mod_arange,
    &mod_linspace,
    &mod_sin, &mod_cos, &mod_tan, &mod_exp, &mod_log, &mod_sqrt,
    &mod_absolute,
    &mod_sum, &mod_min, &mod_max, &mod_mean, &mod_dot,
    &mod_setup,
    PN_MODULE_EXEC_DEF
    NULL,
};

static HPyGlobal *module_globals[] = PN_GLOBALS_ARRAY(
    &g_array_type, &g_array_big_type, &g_slice_type, &g_hook_repr, &g_hook_str, &g_hook_coerce,
    &g_hook_dtype, &g_hook_pressure);

PN_MODULE(PN_MODNAME, "piconumpy array type, HPy implementation",
          module_defines, module_globals, module_exec)
