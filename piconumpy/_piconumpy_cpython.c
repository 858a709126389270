/* _piconumpy_cpython.c -- the piconumpy array type on the classic CPython
 * C-API: the baseline the HPy version (_piconumpy_hpy.c) is measured
 * against.  Same behaviour, same shared code: numeric loops in kernels.h,
 * N-D storage, indexing and loops in array_core.h, linear algebra in
 * linalg.h; this file is only the Python glue.  Also builds on PyPy
 * (through cpyext).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "array_core.h"
#include "linalg.h"

/* PyPy 7.3.11 (Python 3.9) lacks these 3.10 conveniences. */
#ifndef Py_NewRef
static inline PyObject *pn_newref(PyObject *o) { Py_INCREF(o); return o; }
#define Py_NewRef(o) pn_newref((PyObject *)(o))
#endif
#define PN_SETREF(dst, value) do { PyObject *old_ = (dst); (dst) = (value); Py_XDECREF(old_); } while (0)

typedef struct {
    PyObject_HEAD
    pn_core core;
    PyObject *base;   /* views: the array that owns the data (no cycles:
                         owners reference nothing, so no GC is needed) */
    PyObject *arg_a, *arg_b;   /* pending value (fused.h): the leaf arrays
                                  its operands read (leaves_of), older
                                  objects, so still no cycles */
} ArrayObject;

static PyTypeObject *array_type;   /* set at module init */
static PyObject *hook_repr, *hook_str, *hook_coerce, *hook_dtype;
static PyObject *hook_pressure;    /* NULL unless on PyPy */
static PyObject *hook_collect;     /* PyPy: runs gc.collect() (array_core.h's
                                      recycling); NULL on CPython */

#define Array_Check(op) PyObject_TypeCheck(op, array_type)
/* An array's core for reading: a pending value (fused.h) is computed
 * first, which needs its buffer: NULL with MemoryError set when there is
 * no memory.  RAW_CORE: as it is, for the places that defer or assign
 * pending values themselves and for what a pending value already knows
 * (shape, size, strides). */
#define RAW_CORE(op) (&((ArrayObject *)(op))->core)

static void raise_err(const pn_err *e);

/* Computes a pending value, and drops the operands a computed value kept.
 * -1: MemoryError (the value's buffer is allocated now). */
static int settle(ArrayObject *o)
{
    pn_err e;
    if (o->core.lazy != NULL && pn_lazy_force(o->core.lazy, &e) < 0) {
        raise_err(&e);
        return -1;
    }
    Py_CLEAR(o->arg_a);
    Py_CLEAR(o->arg_b);
    return 0;
}

/* NULL (MemoryError set) when a pending value cannot get its buffer */
static inline pn_core *core_of(PyObject *op)
{
    ArrayObject *o = (ArrayObject *)op;
    if ((o->core.lazy != NULL || o->arg_a != NULL || o->arg_b != NULL) &&
        settle(o) < 0)
        return NULL;
    return &o->core;
}

/* f(c) of fused.h (computing the pending values that read c's memory),
 * its MemoryError raised: -1 */
static int raising(int (*f)(const pn_core *, pn_err *), const pn_core *c)
{
    pn_err e;
    if (f(c, &e) < 0) {
        raise_err(&e);
        return -1;
    }
    return 0;
}

static int before_write(const pn_core *dst)
{
    return raising(pn_before_write, dst);
}

static int note_export(const pn_core *c)
{
    return raising(pn_note_export, c);
}
#define CORE(op) core_of((PyObject *)(op))

/* ------------------------------------------------------------------ */
/* errors and allocation                                               */

static void raise_err(const pn_err *e)
{
    switch (e->status) {
    case PN_ERR_NO_MEMORY:
        PyErr_SetString(PyExc_MemoryError, e->msg);
        break;
    case PN_ERR_INDEX:
    case PN_ERR_AXIS:
        PyErr_SetString(PyExc_IndexError, e->msg);
        break;
    case PN_ERR_TYPE:
        PyErr_SetString(PyExc_TypeError, e->msg);
        break;
    default:
        PyErr_SetString(PyExc_ValueError, e->msg);
    }
}

/* array_core.h's recycling collection, at a safe point: binary operators
 * run it before looking at anything, new_owner_ex before creating
 * anything, so no C frame holds a core whose array may be dead (the
 * destructors it runs free buffers and pending values).  new_owner_ex
 * skips it for a pending value (which takes no buffer now): its caller
 * decided to defer before, and the destructors' Python code could export
 * an operand in between (a deferred value must never read exported
 * memory). */
static int recycle_collect(void)
{
    if (!pn_recycle_begin())
        return 0;
    PyObject *r = PyObject_CallFunctionObjArgs(hook_collect, Py_None, NULL);
    pn_recycle_end(r != NULL);
    Py_XDECREF(r);
    return r != NULL ? 0 : -1;
}

static PyObject *new_owner_ex(int nd, const pn_ssize_t *shape, pn_core **out,
                              int pending)
{
    pn_err e;
    if (pn_recycle.wanted && !pending && recycle_collect() < 0)
        return NULL;
    ArrayObject *obj = PyObject_New(ArrayObject, array_type);
    if (obj == NULL)
        return NULL;
    obj->base = obj->arg_a = obj->arg_b = NULL;
    if (pn_core_alloc_shape_ex(&obj->core, nd, shape, &e, pending) < 0) {
        obj->core.flags = 0;
        Py_DECREF(obj);
        raise_err(&e);
        return NULL;
    }
    pn_ssize_t due = hook_pressure != NULL ? pn_core_pressure_due(&obj->core) : 0;
    if (due > 0) {
        PyObject *r = PyObject_CallFunction(hook_pressure, "n", due);
        if (r == NULL) {
            Py_DECREF(obj);
            return NULL;
        }
        Py_DECREF(r);
    }
    *out = &obj->core;
    return (PyObject *)obj;
}

static PyObject *new_owner(int nd, const pn_ssize_t *shape, pn_core **out)
{
    return new_owner_ex(nd, shape, out, 0);
}

static PyObject *new_1d(pn_ssize_t n, pn_core **out)
{
    return new_owner(1, &n, out);
}

/* A view described by desc on the data of src (an array). */
static PyObject *new_view(PyObject *src, const pn_core *desc)
{
    ArrayObject *obj = PyObject_New(ArrayObject, array_type);
    if (obj == NULL)
        return NULL;
    pn_core_view_of(&obj->core, desc);
    obj->arg_a = obj->arg_b = NULL;
    PyObject *owner = ((ArrayObject *)src)->base;
    obj->base = Py_NewRef(owner ? owner : src);
    return (PyObject *)obj;
}

static void array_dealloc(PyObject *self)
{
    ArrayObject *a = (ArrayObject *)self;
    pn_core_free(&a->core);
    Py_XDECREF(a->base);
    Py_XDECREF(a->arg_a);
    Py_XDECREF(a->arg_b);
    PyTypeObject *tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *array_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    PyErr_SetString(PyExc_TypeError,
                    "use piconumpy.array(), zeros(), empty()... to create "
                    "arrays");
    return NULL;
}

/* ------------------------------------------------------------------ */
/* conversion from Python objects                                     */

static inline double as_double(PyObject *obj)
{
    if (PyFloat_CheckExact(obj))
        return PyFloat_AS_DOUBLE(obj);
    return PyFloat_AsDouble(obj);
}

static PyObject *array_from_object(PyObject *obj);
static PyObject *array_from_sequence(PyObject *obj, int nested_ok);

/* A shape from an int or a sequence of ints (__index__ objects too). */
static int parse_shape(PyObject *obj, int *nd, pn_ssize_t *shape)
{
    int is_seq = PyTuple_Check(obj) || PyList_Check(obj);
    Py_ssize_t n = is_seq ? PySequence_Fast_GET_SIZE(obj) : 1;
    if (n > PN_MAXDIMS) {
        PyErr_SetString(PyExc_ValueError,
                        "too many dimensions (piconumpy supports 8)");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = is_seq ? PySequence_Fast_GET_ITEM(obj, i) : obj;
        if (PyFloat_Check(item) || !PyIndex_Check(item)) {
            PyErr_Format(PyExc_TypeError,
                         "'%.100s' object cannot be interpreted as an integer",
                         Py_TYPE(item)->tp_name);
            return -1;
        }
        shape[i] = PyNumber_AsSsize_t(item, PyExc_OverflowError);
        if (shape[i] == -1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError))
                return -1;
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "array size is too large");
            return -1;
        }
    }
    *nd = (int)n;
    return 0;
}

/* Non-flat input goes through the Python hook (nested sequences, iterables,
 * buffers): it returns a flat list of numbers or (shape, float64 bytes). */
static PyObject *array_from_coerced(PyObject *obj)
{
    if (hook_coerce == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "array() needs a list or tuple of numbers");
        return NULL;
    }
    PyObject *src = PyObject_CallOneArg(hook_coerce, obj);
    if (src == NULL)
        return NULL;
    PyObject *res = NULL;
    if (PyList_Check(src)) {
        res = array_from_sequence(src, 0);   /* flat: no second trip */
    }
    else if (PyTuple_Check(src) && PyTuple_GET_SIZE(src) == 2 &&
             PyBytes_Check(PyTuple_GET_ITEM(src, 1))) {
        PyObject *data = PyTuple_GET_ITEM(src, 1);
        int nd;
        pn_ssize_t shape[PN_MAXDIMS];
        pn_core *c;
        if (parse_shape(PyTuple_GET_ITEM(src, 0), &nd, shape) == 0 &&
            (res = new_owner(nd, shape, &c)) != NULL) {
            if (PyBytes_GET_SIZE(data) != c->size * PN_ITEM) {
                Py_CLEAR(res);
                PyErr_SetString(PyExc_TypeError,
                                "piconumpy coercion hook: size mismatch");
            }
            else {
                memcpy(c->data, PyBytes_AS_STRING(data),
                       (size_t)c->size * sizeof(double));
            }
        }
    }
    else {
        PyErr_SetString(PyExc_TypeError,
                        "piconumpy coercion hook returned a bad value");
    }
    Py_DECREF(src);
    return res;
}

static PyObject *array_copy_of(PyObject *obj)
{
    pn_core *src = CORE(obj), *c;
    if (src == NULL)
        return NULL;
    PyObject *res = new_owner(src->ndim, src->shape, &c);
    if (res != NULL)
        pn_to_contiguous(c->data, src);
    return res;
}

/* A flat list/tuple of numbers; nested_ok: a nested sequence goes to the
 * Python hook, else it is a TypeError (the hook's own output). */
static PyObject *array_from_sequence(PyObject *obj, int nested_ok)
{
    pn_core *c;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
    PyObject *res = new_1d(n, &c);
    if (res == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* float() conversions may run Python code that shrinks the list */
        if (i >= PySequence_Fast_GET_SIZE(obj)) {
            PyErr_SetString(PyExc_RuntimeError, "list changed size");
            Py_DECREF(res);
            return NULL;
        }
        PyObject *item = PySequence_Fast_GET_ITEM(obj, i);
        if (nested_ok &&
            (PyList_Check(item) || PyTuple_Check(item) || Array_Check(item))) {
            /* nested: the N-D rules live in the Python hook */
            Py_DECREF(res);
            return array_from_coerced(obj);
        }
        Py_INCREF(item);
        double v = as_double(item);
        Py_DECREF(item);
        if (v == -1.0 && PyErr_Occurred()) {
            Py_DECREF(res);
            return NULL;
        }
        c->data[i] = v;
    }
    return res;
}

static PyObject *array_from_object(PyObject *obj)
{
    if (Array_Check(obj))
        return array_copy_of(obj);
    if (!PyList_Check(obj) && !PyTuple_Check(obj))
        return array_from_coerced(obj);
    return array_from_sequence(obj, 1);
}

/* ------------------------------------------------------------------ */
/* arithmetic                                                          */

typedef enum { OPD_ARRAY, OPD_SCALAR, OPD_OTHER, OPD_ERROR } opd_kind;

typedef struct {
    opd_kind kind;
    double scalar;
    pn_core *core;
    PyObject *owned;   /* temporary array made from a list/tuple */
} operand;

/* Sort an operand into array / real scalar / other; scalars are tried
 * before lists and tuples, the common case in numerical code. */
static void classify_as(PyObject *obj, operand *op, int raw)
{
    op->owned = NULL;
    op->core = NULL;
    op->scalar = 0.0;
    if (Array_Check(obj)) {
        op->core = raw ? RAW_CORE(obj) : CORE(obj);
        op->kind = op->core != NULL ? OPD_ARRAY : OPD_ERROR;
        return;
    }
    op->scalar = as_double(obj);
    if (op->scalar != -1.0 || !PyErr_Occurred()) {
        op->kind = OPD_SCALAR;
        return;
    }
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) {
        op->kind = OPD_ERROR;       /* e.g. OverflowError from a huge int */
        return;
    }
    PyErr_Clear();
    if (PyList_Check(obj) || PyTuple_Check(obj)) {
        op->owned = array_from_object(obj);
        op->kind = op->owned ? OPD_ARRAY : OPD_ERROR;
        if (op->owned)
            op->core = CORE(op->owned);   /* (a new array: never pending) */
        return;
    }
    op->kind = OPD_OTHER;
}

/* Array operands are read: pending values computed. */
static void classify(PyObject *obj, operand *op)
{
    classify_as(obj, op, 0);
}

/* A pending array operand is computed now (it will not be deferred).
 * -1: MemoryError. */
static int settle_operand(PyObject *obj, operand *op)
{
    if (op->kind == OPD_ARRAY && op->owned == NULL && op->core->lazy) {
        pn_core *c = CORE(obj);
        if (c == NULL)
            return -1;
        op->core = c;
    }
    return 0;
}

/* An operand computed behind its back (by a write or an export) still
 * holds its own operands: drop them before it becomes a leaf, so that
 * x = x + y in a loop cannot grow a chain of old arrays. */
static void tidy_operand(PyObject *obj, operand *op)
{
    if (op->kind == OPD_ARRAY && op->owned == NULL && !op->core->lazy)
        op->core = CORE(obj);   /* (not pending: cannot fail) */
}

/* What a pending value keeps alive for an operand (fused.h): the operand
 * itself if it is a leaf; for a pending operand, the leaves it keeps (its
 * fields, in a tuple if two), never the pending array itself.  NULL when
 * out of memory. */
static PyObject *leaves_of(PyObject *obj, const pn_core *c)
{
    if (c->lazy == NULL)
        return Py_NewRef(obj);
    ArrayObject *o = (ArrayObject *)obj;
    if (o->arg_a != NULL && o->arg_b != NULL)
        return PyTuple_Pack(2, o->arg_a, o->arg_b);
    return Py_NewRef(o->arg_a != NULL ? o->arg_a
                     : o->arg_b != NULL ? o->arg_b : Py_None);
}

/* a OP b as a pending value (fused.h): the new array keeps the leaf
 * arrays its value reads alive until it is computed. */
static PyObject *deferred_op(const pn_binop *op, PyObject *left, operand *l,
                             PyObject *right, operand *r, int nd,
                             const pn_ssize_t *shape);

/* OPD_OTHER -> any array-like (numpy array, range...) converted. */
static void classify_convert(PyObject *obj, operand *op)
{
    if (op->kind != OPD_OTHER)
        return;
    op->owned = array_from_object(obj);
    op->kind = op->owned ? OPD_ARRAY : OPD_ERROR;
    if (op->owned)
        op->core = CORE(op->owned);   /* (a new array: never pending) */
}

static PyObject *binary_op(PyObject *left, PyObject *right, const pn_binop *op)
{
    /* before anything is looked at: a safe point for the recycling
     * collection, where a deferred value's checks cannot go stale */
    if (pn_recycle.wanted && recycle_collect() < 0)
        return NULL;
    operand l, r;
    PyObject *res = NULL;
    pn_err e;
    classify_as(left, &l, 1);
    if (l.kind == OPD_ERROR)
        return NULL;
    classify_as(right, &r, 1);
    if (r.kind == OPD_ERROR)
        goto done;
    if (l.kind == OPD_OTHER || r.kind == OPD_OTHER ||
        (l.kind == OPD_SCALAR && r.kind == OPD_SCALAR)) {
        res = Py_NewRef(Py_NotImplemented);
        goto done;
    }
    int nd;
    pn_ssize_t shape[PN_MAXDIMS];
    const pn_core *shaper = l.core ? l.core : r.core;
    if (l.core && r.core && !(l.core->ndim == 1 && r.core->ndim == 1 &&
                              l.core->shape[0] == r.core->shape[0])) {
        if (pn_broadcast_shapes(l.core->ndim, l.core->shape, r.core->ndim,
                                r.core->shape, &nd, shape, &e) < 0) {
            raise_err(&e);
            goto done;
        }
    }
    else {
        nd = shaper->ndim;
        memcpy(shape, shaper->shape, (size_t)nd * sizeof(pn_ssize_t));
    }
    tidy_operand(left, &l);
    tidy_operand(right, &r);
    if (l.owned == NULL && r.owned == NULL &&
        pn_fuse_eligible(l.core, r.core, nd, shape)) {
        res = deferred_op(op, left, &l, right, &r, nd, shape);
        goto done;
    }
    if (settle_operand(left, &l) < 0 || settle_operand(right, &r) < 0)
        goto done;
    pn_core *c;
    res = new_owner(nd, shape, &c);
    if (res != NULL)
        pn_nd_binop(op, c, l.core, &l.scalar, r.core, &r.scalar);
done:
    Py_XDECREF(l.owned);
    Py_XDECREF(r.owned);
    return res;
}

static PyObject *deferred_op(const pn_binop *op, PyObject *left, operand *l,
                             PyObject *right, operand *r, int nd,
                             const pn_ssize_t *shape)
{
    pn_core *c;
    if (pn_fuse_too_big(l->core, r->core) &&
        (settle_operand(left, l) < 0 || settle_operand(right, r) < 0))
        return NULL;
    PyObject *res = new_owner_ex(nd, shape, &c, 1);
    if (res == NULL)
        return NULL;
    if (pn_defer(op, c, l->core, l->scalar, r->core, r->scalar) < 0) {
        Py_DECREF(res);
        return PyErr_NoMemory();
    }
    ArrayObject *o = (ArrayObject *)res;
    if ((l->core && (o->arg_a = leaves_of(left, l->core)) == NULL) ||
        (r->core && (o->arg_b = leaves_of(right, r->core)) == NULL)) {
        Py_DECREF(res);
        return NULL;
    }
    return res;
}

/* dst OP= operand (broadcast into dst's shape), reading a temporary copy
 * when the memory overlaps. */
static int inplace_apply(pn_core *dst, operand *r, const pn_binop *op)
{
    pn_err e;
    if (r->kind == OPD_ARRAY &&
        pn_check_assignable(dst, r->core->ndim, r->core->shape, &e) < 0) {
        raise_err(&e);
        return -1;
    }
    if (before_write(dst) < 0)
        return -1;
    if (pn_binop_into(op, dst, dst, NULL, r->core, &r->scalar, &e) < 0) {
        raise_err(&e);
        return -1;
    }
    return 0;
}

static PyObject *inplace_op(PyObject *self, PyObject *other, const pn_binop *op)
{
    operand r;
    PyObject *res = NULL;
    pn_core *dst;
    classify(other, &r);
    if (r.kind == OPD_OTHER)
        res = Py_NewRef(Py_NotImplemented);
    else if (r.kind != OPD_ERROR && (dst = CORE(self)) != NULL &&
             inplace_apply(dst, &r, op) == 0)
        res = Py_NewRef(self);
    Py_XDECREF(r.owned);
    return res;
}

#define PN_BINARY_SLOTS(NAME, OPSTRUCT)                                      \
    static PyObject *array_##NAME(PyObject *a, PyObject *b)                  \
    {                                                                        \
        return binary_op(a, b, &OPSTRUCT);                                   \
    }                                                                        \
    static PyObject *array_i##NAME(PyObject *a, PyObject *b)                 \
    {                                                                        \
        return inplace_op(a, b, &OPSTRUCT);                                  \
    }

PN_BINARY_SLOTS(add, PN_OP_ADD)
PN_BINARY_SLOTS(sub, PN_OP_SUB)
PN_BINARY_SLOTS(mul, PN_OP_MUL)
PN_BINARY_SLOTS(div, PN_OP_DIV)

static const pn_binop *const binops[] = {
    &PN_OP_ADD, &PN_OP_SUB, &PN_OP_MUL, &PN_OP_DIV, &PN_OP_POW};

static int parse_kind(PyObject *h, int count, int *kind);

/* _binary(kind, a, b, out): out[...] = a OP b (broadcast into out's shape),
 * no allocation unless an operand overlaps out (then it is copied first). */
static PyObject *mod_binary(PyObject *mod, PyObject *const *args,
                            Py_ssize_t nargs)
{
    int kind;
    pn_err e;
    PyObject *res = NULL;
    operand l = {OPD_ERROR, 0.0, NULL, NULL}, r = {OPD_ERROR, 0.0, NULL, NULL};
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_binary(kind, a, b, out) takes 4 arguments");
        return NULL;
    }
    if (parse_kind(args[0], 5, &kind) < 0)
        return NULL;
    if (!Array_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "out must be a piconumpy array");
        return NULL;
    }
    pn_core *out = CORE(args[3]);
    if (out == NULL)
        return NULL;
    classify(args[1], &l);
    classify_convert(args[1], &l);
    classify(args[2], &r);
    classify_convert(args[2], &r);
    if (l.kind == OPD_ERROR || r.kind == OPD_ERROR)
        goto done;
    if (pn_check_output(out, l.core, r.core, &e) < 0) {
        raise_err(&e);
        goto done;
    }
    if (before_write(out) < 0)
        goto done;
    if (pn_binop_into(binops[kind], out, l.core, &l.scalar, r.core, &r.scalar,
                      &e) < 0) {
        raise_err(&e);
        goto done;
    }
    res = Py_NewRef(args[3]);
done:
    Py_XDECREF(l.owned);
    Py_XDECREF(r.owned);
    return res;
}

static PyObject *array_pow(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None) {
        PyErr_SetString(PyExc_TypeError,
                        "pow() with a modulus is not supported for arrays");
        return NULL;
    }
    return binary_op(a, b, &PN_OP_POW);
}

/* ------------------------------------------------------------------ */
/* unary operators and element-wise functions                          */

/* obj as an array core; *tmp owns a temporary (NULL if none). */
static pn_core *as_array(PyObject *obj, PyObject **tmp, PyObject **arr)
{
    *tmp = NULL;
    if (!Array_Check(obj)) {
        if ((*tmp = array_from_object(obj)) == NULL)
            return NULL;
        obj = *tmp;
    }
    if (arr)
        *arr = obj;
    pn_core *c = CORE(obj);
    if (c == NULL)
        Py_CLEAR(*tmp);
    return c;
}

/* out (c) can take src's shape, and the pending values that read it are
 * computed: -1 with the error raised. */
static int out_ready(pn_core *c, const pn_core *src)
{
    pn_err e;
    if (pn_check_assignable(c, src->ndim, src->shape, &e) < 0) {
        raise_err(&e);
        return -1;
    }
    return before_write(c);
}

static PyObject *unary_apply(PyObject *obj, pn_kernel_unary k, PyObject *out)
{
    PyObject *tmp, *res = NULL;
    if (out == NULL && !Array_Check(obj)) {   /* sqrt(2.0): a float */
        double x = as_double(obj), r;
        if (x != -1.0 || !PyErr_Occurred()) {
            k(&r, &x, 1);
            return PyFloat_FromDouble(r);
        }
        PyErr_Clear();
    }
    pn_core *src = as_array(obj, &tmp, NULL), *c;
    pn_err e;
    if (src == NULL)
        return NULL;
    if (out == NULL) {
        res = new_owner(src->ndim, src->shape, &c);
        if (res != NULL)
            pn_nd_unary(k, c, src);
    }
    else if (!Array_Check(out)) {
        PyErr_SetString(PyExc_TypeError, "out must be a piconumpy array");
    }
    else if ((c = CORE(out)) == NULL || out_ready(c, src) < 0) {
        /* the error is raised */
    }
    else if (src != c && pn_may_overlap(c, src)) {
        pn_core t;
        if (pn_core_alloc_shape(&t, src->ndim, src->shape, &e) < 0) {
            raise_err(&e);
        }
        else {
            pn_to_contiguous(t.data, src);
            pn_nd_unary(k, c, &t);
            pn_core_free(&t);
            res = Py_NewRef(out);
        }
    }
    else {
        pn_nd_unary(k, c, src);
        res = Py_NewRef(out);
    }
    Py_XDECREF(tmp);
    return res;
}

static PyObject *array_neg(PyObject *self) { return unary_apply(self, pn_neg, NULL); }
static PyObject *array_pos(PyObject *self) { return unary_apply(self, pn_copy, NULL); }
static PyObject *array_abs(PyObject *self) { return unary_apply(self, pn_absolute, NULL); }

static PyObject *array_copy(PyObject *self, PyObject *unused)
{
    return array_copy_of(self);
}

#define PN_MODULE_UNARY(NAME)                                                \
    static PyObject *mod_##NAME(PyObject *mod, PyObject *obj)                \
    {                                                                        \
        return unary_apply(obj, pn_##NAME, NULL);                            \
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

static int parse_kind(PyObject *h, int count, int *kind)
{
    long k = PyLong_AsLong(h);
    if (k == -1 && PyErr_Occurred())
        return -1;
    if (k < 0 || k >= count) {
        PyErr_SetString(PyExc_ValueError, "bad operation code");
        return -1;
    }
    *kind = (int)k;
    return 0;
}

static PyObject *mod_unary(PyObject *mod, PyObject *const *args,
                           Py_ssize_t nargs)
{
    int kind;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_unary(kind, x, out) takes 3 arguments");
        return NULL;
    }
    if (parse_kind(args[0], 7, &kind) < 0)
        return NULL;
    return unary_apply(args[1], unary_kernels[kind],
                       args[2] == Py_None ? NULL : args[2]);
}

/* ------------------------------------------------------------------ */
/* reductions                                                          */

static PyObject *reduction_scalar(pn_reduction k, double v)
{
    if (k == PN_RED_ARGMIN || k == PN_RED_ARGMAX)
        return PyLong_FromSsize_t((Py_ssize_t)v);
    return PyFloat_FromDouble(v);
}

static PyObject *mod_reduce(PyObject *mod, PyObject *const *args,
                            Py_ssize_t nargs)
{
    int kind, axis = -1, has_axis, keepdims, nd;
    long ax = 0;
    PyObject *tmp, *res = NULL;
    pn_core *c, *o;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_err e;
    double v;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError,
                        "_reduce(a, kind, axis, keepdims) takes 4 arguments");
        return NULL;
    }
    if (parse_kind(args[1], PN_RED_COUNT, &kind) < 0)
        return NULL;
    has_axis = args[2] != Py_None;
    if (has_axis && (ax = PyLong_AsLong(args[2])) == -1 && PyErr_Occurred())
        return NULL;
    keepdims = PyObject_IsTrue(args[3]);
    if (keepdims < 0 || (c = as_array(args[0], &tmp, NULL)) == NULL)
        return NULL;
    const pn_reduction k = (pn_reduction)kind;
    if (pn_reduce_check(k, c, ax, &has_axis, &axis, &e) < 0) {
        raise_err(&e);
    }
    else if (!has_axis && !keepdims) {
        if (pn_reduce_into(k, c, 0, 0, &v, &e) < 0)
            raise_err(&e);
        else
            res = reduction_scalar(k, v);
    }
    else {
        nd = pn_reduced_shape(c, has_axis, axis, keepdims, shape);
        res = new_owner(nd, shape, &o);
        if (res != NULL && pn_reduce_into(k, c, has_axis, axis, o->data, &e) < 0) {
            Py_CLEAR(res);
            raise_err(&e);
        }
    }
    Py_XDECREF(tmp);
    return res;
}

/* ------------------------------------------------------------------ */
/* matmul and linear algebra                                           */

static const double *contiguous_data(const pn_core *c, double **owned)
{
    *owned = NULL;
    if (c->flags & PN_CONTIG)
        return c->data;
    *owned = (double *)PyMem_Malloc((size_t)c->size * sizeof(double) + 1);
    if (*owned != NULL)
        pn_to_contiguous(*owned, c);
    return *owned;
}

static PyObject *matmul(PyObject *a_obj, PyObject *b_obj)
{
    PyObject *ta, *tb = NULL, *res = NULL;
    pn_core *a = as_array(a_obj, &ta, NULL), *b, *o;
    double *fa = NULL, *fb = NULL;
    if (a == NULL)
        return NULL;
    if ((b = as_array(b_obj, &tb, NULL)) == NULL)
        goto done;
    if (a->ndim < 1 || a->ndim > 2 || b->ndim < 1 || b->ndim > 2) {
        PyErr_SetString(PyExc_ValueError,
                        "matmul: piconumpy supports 1-D and 2-D operands");
        goto done;
    }
    /* (n, k) @ (k, m); a 1-D left operand is a row, a 1-D right a column */
    pn_ssize_t n = a->ndim == 2 ? a->shape[0] : 1;
    pn_ssize_t k = a->shape[a->ndim - 1];
    pn_ssize_t kb = b->shape[0];
    pn_ssize_t m = b->ndim == 2 ? b->shape[1] : 1;
    if (k != kb) {
        PyErr_Format(PyExc_ValueError,
                     "matmul: Input operand 1 has a mismatch in its core "
                     "dimension 0, with gufunc signature (n?,k),(k,m?)->"
                     "(n?,m?) (size %zd is different from %zd)", kb, k);
        goto done;
    }
    const double *da = contiguous_data(a, &fa), *db = contiguous_data(b, &fb);
    if (da == NULL || db == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (a->ndim == 1 && b->ndim == 1) {
        res = PyFloat_FromDouble(pn_dot(da, db, k));
        goto done;
    }
    pn_ssize_t shape[2];
    int nd = 0;
    if (a->ndim == 2)
        shape[nd++] = n;
    if (b->ndim == 2)
        shape[nd++] = m;
    if ((res = new_owner(nd, shape, &o)) != NULL)
        pn_matmul(o->data, da, db, n, k, m);
done:
    PyMem_Free(fa);
    PyMem_Free(fb);
    Py_XDECREF(ta);
    Py_XDECREF(tb);
    return res;
}

static PyObject *array_matmul(PyObject *a, PyObject *b)
{
    if (!Array_Check(a) && !Array_Check(b))
        Py_RETURN_NOTIMPLEMENTED;
    return matmul(a, b);
}

static PyObject *mod_matmul(PyObject *mod, PyObject *const *args,
                            Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_matmul(a, b) takes 2 arguments");
        return NULL;
    }
    return matmul(args[0], args[1]);
}

static double *square_copy(PyObject *obj, pn_ssize_t *n)
{
    PyObject *tmp;
    pn_core *c = as_array(obj, &tmp, NULL);
    double *m = NULL;
    if (c == NULL)
        return NULL;
    if (c->ndim != 2 || c->shape[0] != c->shape[1])
        PyErr_SetString(PyExc_ValueError,
                        "Last 2 dimensions of the array must be square");
    else if ((m = (double *)PyMem_Malloc((size_t)c->size * sizeof(double) + 1)) == NULL)
        PyErr_NoMemory();
    else {
        pn_to_contiguous(m, c);
        *n = c->shape[0];
    }
    Py_XDECREF(tmp);
    return m;
}

static PyObject *mod_solve(PyObject *mod, PyObject *const *args,
                           Py_ssize_t nargs)
{
    pn_ssize_t n, *piv = NULL;
    PyObject *tmp = NULL, *res = NULL;
    pn_core *b, *o;
    int sign;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_solve(A, b) takes 2 arguments");
        return NULL;
    }
    double *lu = square_copy(args[0], &n);
    if (lu == NULL)
        return NULL;
    if ((b = as_array(args[1], &tmp, NULL)) == NULL)
        goto done;
    if (b->ndim < 1 || b->ndim > 2 || b->shape[0] != n) {
        PyErr_Format(PyExc_ValueError, "solve: the right-hand side must have "
                     "%zd rows (1-D or 2-D)", n);
        goto done;
    }
    if ((piv = (pn_ssize_t *)PyMem_Malloc((size_t)n * sizeof(pn_ssize_t) + 1)) == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (pn_lu_factor(lu, n, piv, &sign) != 0) {
        res = Py_NewRef(Py_None);
        goto done;
    }
    if ((res = new_owner(b->ndim, b->shape, &o)) == NULL)
        goto done;
    pn_to_contiguous(o->data, b);
    pn_lu_solve(lu, piv, n, o->data, b->ndim == 2 ? b->shape[1] : 1);
done:
    PyMem_Free(lu);
    PyMem_Free(piv);
    Py_XDECREF(tmp);
    return res;
}

static PyObject *mod_det(PyObject *mod, PyObject *a)
{
    pn_ssize_t n;
    double *m = square_copy(a, &n);
    if (m == NULL)
        return NULL;
    pn_ssize_t *piv = (pn_ssize_t *)PyMem_Malloc((size_t)n * sizeof(pn_ssize_t) + 1);
    PyObject *res = piv ? PyFloat_FromDouble(pn_det(m, n, piv)) : PyErr_NoMemory();
    PyMem_Free(piv);
    PyMem_Free(m);
    return res;
}

static PyObject *mod_inv(PyObject *mod, PyObject *a)
{
    pn_ssize_t n;
    pn_core *o;
    double *m = square_copy(a, &n);
    if (m == NULL)
        return NULL;
    pn_ssize_t shape[2] = {n, n};
    PyObject *res = new_owner(2, shape, &o);
    pn_ssize_t *piv = (pn_ssize_t *)PyMem_Malloc((size_t)n * sizeof(pn_ssize_t) + 1);
    if (res != NULL && piv == NULL) {
        Py_CLEAR(res);
        PyErr_NoMemory();
    }
    if (res != NULL && pn_inv(m, n, piv, o->data) != 0)
        PN_SETREF(res, Py_NewRef(Py_None));
    PyMem_Free(piv);
    PyMem_Free(m);
    return res;
}

/* ------------------------------------------------------------------ */
/* shape manipulation                                                  */

static PyObject *mod_reshape(PyObject *mod, PyObject *const *args,
                             Py_ssize_t nargs)
{
    PyObject *tmp, *arr, *res = NULL;
    int nd;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_core view, *o;
    pn_err e;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_reshape(a, shape) takes 2 arguments");
        return NULL;
    }
    pn_core *c = as_array(args[0], &tmp, &arr);
    if (c == NULL)
        return NULL;
    if (parse_shape(args[1], &nd, shape) < 0)
        goto done;
    if (pn_resolve_shape(c->size, nd, shape, c, &e) < 0) {
        raise_err(&e);
        goto done;
    }
    if (pn_reshape_view(c, nd, shape, &view) == 0)
        res = new_view(arr, &view);
    else if ((res = new_owner(nd, shape, &o)) != NULL)
        pn_to_contiguous(o->data, c);
done:
    Py_XDECREF(tmp);
    return res;
}

static PyObject *mod_transpose(PyObject *mod, PyObject *const *args,
                               Py_ssize_t nargs)
{
    PyObject *tmp, *arr, *res = NULL;
    int nd, axes[PN_MAXDIMS];
    pn_ssize_t raw[PN_MAXDIMS];
    pn_core view;
    pn_err e;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_transpose(a, axes) takes 2 arguments");
        return NULL;
    }
    pn_core *c = as_array(args[0], &tmp, &arr);
    if (c == NULL)
        return NULL;
    int has_axes = args[1] != Py_None;
    if (has_axes) {
        if (parse_shape(args[1], &nd, raw) < 0)
            goto done;
        if (nd != c->ndim) {
            PyErr_SetString(PyExc_ValueError, "axes don't match array");
            goto done;
        }
        for (int i = 0; i < nd; i++)   /* pn_transpose_view checks the range */
            axes[i] = (raw[i] >= -PN_MAXDIMS && raw[i] < PN_MAXDIMS) ? (int)raw[i]
                                                                   : PN_MAXDIMS;
    }
    if (pn_transpose_view(c, has_axes ? axes : NULL, &view, &e) < 0) {
        raise_err(&e);
        goto done;
    }
    res = new_view(arr, &view);
done:
    Py_XDECREF(tmp);
    return res;
}

/* ------------------------------------------------------------------ */
/* indexing                                                            */

/* len(): the first dimension; a 0-d array has none, as in numpy. */
static Py_ssize_t array_len(PyObject *self)
{
    if (RAW_CORE(self)->ndim == 0) {   /* the shape is known while pending */
        PyErr_SetString(PyExc_TypeError, "len() of unsized object");
        return -1;
    }
    return RAW_CORE(self)->shape[0];
}

static PyObject *array_item(PyObject *self, Py_ssize_t i)
{
    pn_core *c = CORE(self), view;
    pn_err e;
    if (c == NULL)
        return NULL;
    if (c->ndim == 0) {
        PyErr_SetString(PyExc_TypeError, "iteration over a 0-d array");
        return NULL;
    }
    if (i < 0 || i >= c->shape[0]) {
        PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_RANGE);
        return NULL;
    }
    if (c->ndim == 1)
        return PyFloat_FromDouble(*(double *)((char *)c->data + i * c->strides[0]));
    pn_index_item item = {PN_IDX_INT, i, 0, 0};
    if (pn_index_view(c, &item, 1, &view, &e) < 0) {
        raise_err(&e);
        return NULL;
    }
    return new_view(self, &view);
}

static int parse_index_item(PyObject *key, pn_index_item *it)
{
    if (PyLong_Check(key) || (PyIndex_Check(key) && !PyFloat_Check(key))) {
        it->kind = PN_IDX_INT;
        it->start = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (it->start == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_RANGE);
            return -1;
        }
        return 0;
    }
    if (PySlice_Check(key)) {
        it->kind = PN_IDX_SLICE;
        return PySlice_Unpack(key, &it->start, &it->stop, &it->step);
    }
    if (key == Py_None) {
        it->kind = PN_IDX_NEWAXIS;
        return 0;
    }
    if (key == Py_Ellipsis) {
        it->kind = PN_IDX_ELLIPSIS;
        return 0;
    }
    PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_TYPE);
    return -1;
}

static int index_view(pn_core *c, PyObject *key, pn_core *view)
{
    pn_index_item items[2 * PN_MAXDIMS];
    int n = 1;
    pn_err e;
    if (PyTuple_Check(key)) {
        if (PyTuple_GET_SIZE(key) > 2 * PN_MAXDIMS) {
            PyErr_SetString(PyExc_IndexError, "too many indices for array");
            return -1;
        }
        n = (int)PyTuple_GET_SIZE(key);
        for (int i = 0; i < n; i++)
            if (parse_index_item(PyTuple_GET_ITEM(key, i), &items[i]) < 0)
                return -1;
    }
    else if (parse_index_item(key, &items[0]) < 0) {
        return -1;
    }
    if (pn_index_view(c, items, n, view, &e) < 0) {
        raise_err(&e);
        return -1;
    }
    return 0;
}

static PyObject *array_subscript(PyObject *self, PyObject *key)
{
    pn_core *c = CORE(self), view;
    if (c == NULL)
        return NULL;
    if (c->ndim == 1 && PyLong_CheckExact(key)) {   /* the 1-D hot path */
        pn_ssize_t i = PyLong_AsSsize_t(key);
        pn_ssize_t k = (i == -1 && PyErr_Occurred())
                           ? -1 : pn_normalize_index(i, c->shape[0]);
        if (k < 0) {
            PyErr_Clear();
            PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_RANGE);
            return NULL;
        }
        return PyFloat_FromDouble(*(double *)((char *)c->data + k * c->strides[0]));
    }
    if (index_view(c, key, &view) < 0)
        return NULL;
    if (view.ndim == 0)
        return PyFloat_FromDouble(*view.data);
    return new_view(self, &view);
}

static int array_ass_subscript(PyObject *self, PyObject *key, PyObject *value)
{
    pn_core *c = CORE(self), view;
    pn_err e;
    if (c == NULL)
        return -1;
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, PN_MSG_NO_DELETE);
        return -1;
    }
    if (index_view(c, key, &view) < 0)
        return -1;
    operand v;
    int rc = -1, fused = 0;
    classify_as(value, &v, 1);
    classify_convert(value, &v);
    if (v.kind == OPD_ARRAY && v.owned == NULL && v.core->lazy &&
        (fused = pn_assign_pending(&view, v.core, &e)) != 0) {
        if (fused > 0)   /* fused: u[...] = a + b */
            rc = 0;
        else
            raise_err(&e);
    }
    else if (v.kind == OPD_SCALAR) {
        if (before_write(&view) == 0) {
            pn_nd_fill(&view, v.scalar);
            rc = 0;
        }
    }
    else if (v.kind == OPD_ARRAY) {
        if (settle_operand(value, &v) < 0 || before_write(&view) < 0)
            goto done;
        pn_core src;
        pn_drop_leading_ones(v.core, view.ndim, &src);
        if (pn_check_assignable(&view, src.ndim, src.shape, &e) < 0 ||
            pn_nd_assign_safe(&view, &src, &e) < 0)
            raise_err(&e);
        else
            rc = 0;
    }
done:
    Py_XDECREF(v.owned);
    return rc;
}

/* ------------------------------------------------------------------ */
/* attributes, conversions, buffer                                     */

static PyObject *tolist_dim(const pn_core *c, int dim, const char *p)
{
    pn_ssize_t n = c->shape[dim];
    PyObject *list = PyList_New(n);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++, p += c->strides[dim]) {
        PyObject *item = dim + 1 == c->ndim
                             ? PyFloat_FromDouble(*(const double *)p)
                             : tolist_dim(c, dim + 1, p);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *array_tolist(PyObject *self, PyObject *unused)
{
    pn_core *c = CORE(self);
    if (c == NULL)
        return NULL;
    if (c->ndim == 0)
        return PyFloat_FromDouble(*c->data);
    return tolist_dim(c, 0, (const char *)c->data);
}

static PyObject *ssize_tuple(int n, const pn_ssize_t *values)
{
    PyObject *t = PyTuple_New(n);
    for (int i = 0; t != NULL && i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(values[i]);
        if (v == NULL)
            Py_CLEAR(t);
        else
            PyTuple_SET_ITEM(t, i, v);
    }
    return t;
}

static PyObject *array_get_size(PyObject *self, void *closure)
{
    return PyLong_FromSsize_t(RAW_CORE(self)->size);
}

static PyObject *array_get_shape(PyObject *self, void *closure)
{
    return ssize_tuple(RAW_CORE(self)->ndim, RAW_CORE(self)->shape);
}

static PyObject *array_get_strides(PyObject *self, void *closure)
{
    /* known while pending: contiguous */
    return ssize_tuple(RAW_CORE(self)->ndim, RAW_CORE(self)->strides);
}

static PyObject *array_get_ndim(PyObject *self, void *closure)
{
    return PyLong_FromLong(RAW_CORE(self)->ndim);
}

static PyObject *array_get_dtype(PyObject *self, void *closure)
{
    if (hook_dtype == NULL)
        return PyUnicode_FromString("float64");
    return Py_NewRef(hook_dtype);
}

static PyObject *array_get_interface(PyObject *self, void *closure)
{
    pn_core *c = CORE(self);
    if (c == NULL)
        return NULL;
    if (note_export(c) < 0)
        return NULL;
    return Py_BuildValue("{s:N,s:N,s:s,s:(NO),s:i}",
                         "shape", ssize_tuple(c->ndim, c->shape),
                         "strides", ssize_tuple(c->ndim, c->strides),
                         "typestr", "<f8", "data", PyLong_FromVoidPtr(c->data),
                         Py_False, "version", 3);
}

/* shape/strides point into the array object, which the view keeps alive */
static int array_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    pn_core *c = CORE(self);
    if (c == NULL)
        return -1;
    if (!pn_buffer_request_ok(c, flags)) {
        PyErr_SetString(PyExc_BufferError,
                        "ndarray is not contiguous in the requested order");
        return -1;
    }
    if (note_export(c) < 0)   /* memoryview asks read-only, yet may write */
        return -1;
    view->buf = c->data;
    view->obj = Py_NewRef(self);
    view->len = c->size * PN_ITEM;
    view->itemsize = sizeof(double);
    view->readonly = 0;
    view->ndim = c->ndim;
    view->format = (flags & PyBUF_FORMAT) ? (char *)"d" : NULL;
    view->shape = (flags & PyBUF_ND) ? (Py_ssize_t *)c->shape : NULL;
    view->strides = ((flags & PyBUF_STRIDES) == PyBUF_STRIDES)
                        ? (Py_ssize_t *)c->strides : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

static PyObject *format_array(PyObject *self, PyObject *hook)
{
    if (hook == NULL)
        return PyUnicode_FromString("<piconumpy array>");
    return PyObject_CallOneArg(hook, self);
}

static PyObject *array_repr(PyObject *self) { return format_array(self, hook_repr); }
static PyObject *array_str(PyObject *self) { return format_array(self, hook_str); }

static PyMethodDef array_methods[] = {
    {"tolist", array_tolist, METH_NOARGS, NULL},
    {"copy", array_copy, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef array_getset[] = {
    {"size", array_get_size, NULL, NULL, NULL},
    {"shape", array_get_shape, NULL, NULL, NULL},
    {"strides", array_get_strides, NULL, NULL, NULL},
    {"ndim", array_get_ndim, NULL, NULL, NULL},
    {"dtype", array_get_dtype, NULL, NULL, NULL},
    {"__array_interface__", array_get_interface, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot array_slots[] = {
    {Py_tp_dealloc, array_dealloc},
    {Py_tp_new, array_new},
    {Py_tp_repr, array_repr},
    {Py_tp_str, array_str},
    {Py_tp_methods, array_methods},
    {Py_tp_getset, array_getset},
    {Py_tp_doc, "piconumpy float64 array (create with piconumpy.array())"},
    {Py_nb_add, array_add},
    {Py_nb_subtract, array_sub},
    {Py_nb_multiply, array_mul},
    {Py_nb_true_divide, array_div},
    {Py_nb_power, array_pow},
    {Py_nb_matrix_multiply, array_matmul},
    {Py_nb_inplace_add, array_iadd},
    {Py_nb_inplace_subtract, array_isub},
    {Py_nb_inplace_multiply, array_imul},
    {Py_nb_inplace_true_divide, array_idiv},
    {Py_nb_negative, array_neg},
    {Py_nb_positive, array_pos},
    {Py_nb_absolute, array_abs},
    {Py_sq_length, array_len},
    {Py_sq_item, array_item},
    {Py_mp_length, array_len},
    {Py_mp_subscript, array_subscript},
    {Py_mp_ass_subscript, array_ass_subscript},
    {Py_bf_getbuffer, array_getbuffer},
    {0, NULL},
};

static PyType_Spec array_spec = {
    .name = "piconumpy.ndarray",
    .basicsize = sizeof(ArrayObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = array_slots,
};

/* ------------------------------------------------------------------ */
/* constructors                                                        */

static PyObject *mod_array(PyObject *mod, PyObject *obj)
{
    return array_from_object(obj);
}

static PyObject *filled(PyObject *shape_obj, int do_fill, double v)
{
    int nd;
    pn_ssize_t shape[PN_MAXDIMS];
    pn_core *c;
    if (parse_shape(shape_obj, &nd, shape) < 0)
        return NULL;
    PyObject *res = new_owner(nd, shape, &c);
    if (res != NULL && do_fill)
        pn_fill(c->data, v, c->size);
    return res;
}

static PyObject *mod_empty(PyObject *mod, PyObject *n) { return filled(n, 0, 0.0); }
static PyObject *mod_zeros(PyObject *mod, PyObject *n) { return filled(n, 1, 0.0); }
static PyObject *mod_ones(PyObject *mod, PyObject *n) { return filled(n, 1, 1.0); }

static PyObject *mod_full(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "full() takes 2 arguments");
        return NULL;
    }
    double v = as_double(args[1]);
    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    return filled(args[0], 1, v);
}

static PyObject *mod_arange(PyObject *mod, PyObject *const *args,
                            Py_ssize_t nargs)
{
    double v[3] = {0.0, 0.0, 1.0};   /* start, stop, step */
    pn_err e;
    if (nargs < 1 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "arange() takes 1 to 3 arguments");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        double x = as_double(args[i]);
        if (x == -1.0 && PyErr_Occurred())
            return NULL;
        v[nargs == 1 ? 1 : i] = x;
    }
    pn_ssize_t n;
    if (pn_arange_length(v[0], v[1], v[2], &n, &e) < 0) {
        raise_err(&e);
        return NULL;
    }
    pn_core *c;
    PyObject *res = new_1d(n, &c);
    if (res != NULL)
        pn_arange(c->data, v[0], v[2], n);
    return res;
}

static PyObject *mod_linspace(PyObject *mod, PyObject *const *args,
                              Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError,
                        "linspace() takes 3 arguments (start, stop, num)");
        return NULL;
    }
    double a = as_double(args[0]);
    if (a == -1.0 && PyErr_Occurred())
        return NULL;
    double b = as_double(args[1]);
    if (b == -1.0 && PyErr_Occurred())
        return NULL;
    int nd;
    pn_ssize_t n;
    if (PyTuple_Check(args[2]) || PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "linspace: num must be an integer");
        return NULL;
    }
    if (parse_shape(args[2], &nd, &n) < 0)
        return NULL;
    pn_core *c;
    PyObject *res = new_1d(n, &c);
    if (res != NULL)
        pn_linspace(c->data, a, b, n);
    return res;
}

/* _setup(repr, str, coerce, dtype, pressure_hook_or_None,
 * collect_hook_or_None) */
static PyObject *mod_setup(PyObject *mod, PyObject *const *args,
                           Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "_setup() takes 6 arguments");
        return NULL;
    }
    PN_SETREF(hook_repr, Py_NewRef(args[0]));
    PN_SETREF(hook_str, Py_NewRef(args[1]));
    PN_SETREF(hook_coerce, Py_NewRef(args[2]));
    PN_SETREF(hook_dtype, Py_NewRef(args[3]));
    Py_CLEAR(hook_pressure);
    if (args[4] != Py_None)
        hook_pressure = Py_NewRef(args[4]);
    Py_CLEAR(hook_collect);
    if (args[5] != Py_None)
        hook_collect = Py_NewRef(args[5]);
    pn_recycle_enable(hook_collect != NULL);
    Py_RETURN_NONE;
}

/* _simd_level(): the kernel level in use ("baseline", "avx2", "avx512"). */
static PyObject *mod_simd_level(PyObject *mod, PyObject *unused)
{
    return PyUnicode_FromString(pn_simd->name);
}

/* _fused_info(): (smallest deferred size or 0, pending now, assignments
 * computed straight into their destination, values forced, memory copied
 * for pending readers). */
static PyObject *mod_fused_info(PyObject *mod, PyObject *unused)
{
    return Py_BuildValue("(nikkk)", (Py_ssize_t)pn_fuse.min_size,
                         pn_fuse.count, pn_fuse.fused, pn_fuse.forced,
                         pn_fuse.snapped);
}

/* _fuse_snapshots(mode): fused.h's pn_fuse.snapshots (-1 auto, 0 never, 1
 * always) for tests; returns the mode before. */
static PyObject *mod_fuse_snapshots(PyObject *mod, PyObject *arg)
{
    pn_err e;
    if (!PyLong_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "snapshot mode must be an integer");
        return NULL;
    }
    long mode = PyLong_AsLong(arg);
    if (mode == -1 && PyErr_Occurred())
        return NULL;
    int before = pn_fuse_set_snapshots(mode, &e);
    if (before == -2) {
        raise_err(&e);
        return NULL;
    }
    return PyLong_FromLong(before);
}

/* _recycle_info(): array_core.h's buffer recycling: (collection limit in
 * bytes, 0 when off; collections run; fresh big buffers allocated; bytes
 * of big buffers out of the cache; bytes in the cache). */
static PyObject *mod_recycle_info(PyObject *mod, PyObject *unused)
{
    return Py_BuildValue("(nkknn)", (Py_ssize_t)pn_recycle_limit(),
                         pn_recycle.collections, pn_recycle.fresh,
                         (Py_ssize_t)pn_recycle.live, (Py_ssize_t)pn_cache.total);
}

/* _num_threads(n): threads of large element-wise loops (threads.h) set to
 * n (1..64); n == 0 only asks.  Returns the count before the call. */
static PyObject *mod_num_threads(PyObject *mod, PyObject *arg)
{
    if (!PyLong_Check(arg)) {   /* (PyPy's cpyext would truncate a float) */
        PyErr_SetString(PyExc_TypeError, "number of threads must be an integer");
        return NULL;
    }
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0 || n > PN_MAX_THREADS) {
        PyErr_SetString(PyExc_ValueError, PN_THREADS_RANGE_ERROR);
        return NULL;
    }
    int before = pn_nthreads;
    if (n > 0)
        pn_set_num_threads((int)n);
    return PyLong_FromLong(before);
}

/* _thread_stats(): (worker threads running, loops split so far) */
static PyObject *mod_thread_stats(PyObject *mod, PyObject *unused)
{
    int workers;
    unsigned long jobs;
    pn_thread_stats(&workers, &jobs);
    return Py_BuildValue("(ik)", workers, jobs);
}

#define FASTCALL(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL

static PyMethodDef module_methods[] = {
    {"array", mod_array, METH_O, NULL},
    {"empty", mod_empty, METH_O, NULL},
    {"zeros", mod_zeros, METH_O, NULL},
    {"ones", mod_ones, METH_O, NULL},
    {"full", FASTCALL(mod_full), NULL},
    {"arange", FASTCALL(mod_arange), NULL},
    {"linspace", FASTCALL(mod_linspace), NULL},
    {"sin", mod_sin, METH_O, NULL},
    {"cos", mod_cos, METH_O, NULL},
    {"tan", mod_tan, METH_O, NULL},
    {"exp", mod_exp, METH_O, NULL},
    {"log", mod_log, METH_O, NULL},
    {"sqrt", mod_sqrt, METH_O, NULL},
    {"absolute", mod_absolute, METH_O, NULL},
    {"_unary", FASTCALL(mod_unary), NULL},
    {"_binary", FASTCALL(mod_binary), NULL},
    {"_reduce", FASTCALL(mod_reduce), NULL},
    {"_matmul", FASTCALL(mod_matmul), NULL},
    {"_solve", FASTCALL(mod_solve), NULL},
    {"_det", mod_det, METH_O, NULL},
    {"_inv", mod_inv, METH_O, NULL},
    {"_reshape", FASTCALL(mod_reshape), NULL},
    {"_transpose", FASTCALL(mod_transpose), NULL},
    {"_setup", FASTCALL(mod_setup), NULL},
    {"_simd_level", mod_simd_level, METH_NOARGS, NULL},
    {"_num_threads", mod_num_threads, METH_O, NULL},
    {"_thread_stats", mod_thread_stats, METH_NOARGS, NULL},
    {"_fused_info", mod_fused_info, METH_NOARGS, NULL},
    {"_fuse_snapshots", mod_fuse_snapshots, METH_O, NULL},
    {"_recycle_info", mod_recycle_info, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_piconumpy_cpython",
    .m_doc = "piconumpy array type, CPython C-API implementation",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__piconumpy_cpython(void)
{
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    const char *bad_env = pn_simd_init() < 0     ? PN_SIMD_ENV_ERROR
                          : pn_threads_init() < 0 ? PN_THREADS_ENV_ERROR
                                                  : NULL;
    if (bad_env != NULL) {
        PyErr_SetString(PyExc_ValueError, bad_env);
        Py_DECREF(m);
        return NULL;
    }
    pn_err e;
    if (pn_fuse_init(&e) < 0) {
        raise_err(&e);
        Py_DECREF(m);
        return NULL;
    }
    array_type = (PyTypeObject *)PyType_FromSpec(&array_spec);
    if (array_type == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObject(m, "ndarray", Py_NewRef(array_type)) < 0) {
        Py_DECREF(array_type);   /* AddObject steals only on success */
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
