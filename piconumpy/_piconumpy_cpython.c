/* _piconumpy_cpython.c -- the piconumpy array type on the classic CPython
 * C-API: the baseline the HPy version (_piconumpy_hpy.c) is measured
 * against.  Same behaviour, same shared helpers: numeric loops in
 * kernels.h, storage and index arithmetic in array_core.h.  Also builds on
 * PyPy (through cpyext).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "array_core.h"

/* PyPy 7.3.11 (Python 3.9) lacks these 3.10 conveniences. */
#ifndef Py_NewRef
static inline PyObject *pn_newref(PyObject *o) { Py_INCREF(o); return o; }
#define Py_NewRef(o) pn_newref((PyObject *)(o))
#endif
#define PN_SETREF(dst, value) do { PyObject *old_ = (dst); (dst) = (value); Py_XDECREF(old_); } while (0)

typedef struct {
    PyObject_HEAD
    pn_core core;
} ArrayObject;

static PyTypeObject *array_type;   /* set at module init */
static PyObject *hook_repr, *hook_str, *hook_coerce, *hook_dtype;
static PyObject *hook_pressure;    /* NULL unless on PyPy */

#define Array_Check(op) PyObject_TypeCheck(op, array_type)
#define CORE(op) (&((ArrayObject *)(op))->core)

/* ------------------------------------------------------------------ */
/* errors and allocation                                               */

static void set_status_error(pn_status st)
{
    switch (st) {
    case PN_ERR_NEGATIVE_SIZE:
        PyErr_SetString(PyExc_ValueError, PN_MSG_NEGATIVE_SIZE);
        break;
    case PN_ERR_ZERO_STEP:
        PyErr_SetString(PyExc_ValueError, PN_MSG_ARANGE_ZERO_STEP);
        break;
    case PN_ERR_BAD_RANGE:
        PyErr_SetString(PyExc_ValueError, PN_MSG_BAD_RANGE);
        break;
    default:
        PyErr_NoMemory();
    }
}

static void set_size_mismatch(Py_ssize_t n1, Py_ssize_t n2)
{
    PyErr_Format(PyExc_ValueError,
                 "operands could not be broadcast together with sizes %zd "
                 "and %zd", n1, n2);
}

static PyObject *new_array(Py_ssize_t n, pn_core **out)
{
    ArrayObject *obj = PyObject_New(ArrayObject, array_type);
    if (obj == NULL)
        return NULL;
    pn_status st = pn_core_alloc(&obj->core, n);
    if (st != PN_OK) {
        Py_DECREF(obj);
        set_status_error(st);
        return NULL;
    }
    if (hook_pressure != NULL && pn_core_needs_pressure(&obj->core)) {
        PyObject *r = PyObject_CallFunction(hook_pressure, "n",
                                            n * (Py_ssize_t)sizeof(double));
        if (r == NULL) {
            Py_DECREF(obj);
            return NULL;
        }
        Py_DECREF(r);
    }
    *out = &obj->core;
    return (PyObject *)obj;
}

static void array_dealloc(PyObject *self)
{
    pn_core_free(CORE(self));
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

/* Non-list/tuple inputs go through the Python hook (iterables, buffers):
 * it returns a list or the float64 bytes. */
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
    if (PyBytes_Check(src)) {
        pn_core *c;
        res = new_array(PyBytes_GET_SIZE(src) / (Py_ssize_t)sizeof(double), &c);
        if (res != NULL)
            memcpy(c->data, PyBytes_AS_STRING(src),
                   (size_t)c->size * sizeof(double));
    }
    else if (PyList_Check(src)) {
        res = array_from_object(src);
    }
    else {
        PyErr_SetString(PyExc_TypeError,
                        "piconumpy coercion hook returned a bad value");
    }
    Py_DECREF(src);
    return res;
}

static PyObject *array_from_object(PyObject *obj)
{
    pn_core *c;
    if (Array_Check(obj)) {
        pn_core *src = CORE(obj);
        PyObject *res = new_array(src->size, &c);
        if (res != NULL)
            memcpy(c->data, src->data, (size_t)src->size * sizeof(double));
        return res;
    }
    if (!PyList_Check(obj) && !PyTuple_Check(obj))
        return array_from_coerced(obj);
    /* the sequence may be a list that float() conversions mutate: re-read
     * the size through the fast-sequence API each step */
    Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
    PyObject *res = new_array(n, &c);
    if (res == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i >= PySequence_Fast_GET_SIZE(obj)) {
            PyErr_SetString(PyExc_RuntimeError, "list changed size");
            Py_DECREF(res);
            return NULL;
        }
        PyObject *item = PySequence_Fast_GET_ITEM(obj, i);
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
static void classify(PyObject *obj, operand *op)
{
    op->owned = NULL;
    op->core = NULL;
    op->scalar = 0.0;
    if (Array_Check(obj)) {
        op->kind = OPD_ARRAY;
        op->core = CORE(obj);
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
            op->core = CORE(op->owned);
        return;
    }
    op->kind = OPD_OTHER;
}


static int apply_binop(const pn_binop *op, operand *l, operand *r, double *dst)
{
    if (l->kind == OPD_ARRAY && r->kind == OPD_ARRAY) {
        if (l->core->size != r->core->size) {
            set_size_mismatch(l->core->size, r->core->size);
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

static PyObject *binary_op(PyObject *left, PyObject *right, const pn_binop *op)
{
    operand l, r;
    PyObject *res = NULL;
    classify(left, &l);
    if (l.kind == OPD_ERROR)
        return NULL;
    classify(right, &r);
    if (r.kind == OPD_ERROR)
        goto done;
    if (l.kind == OPD_OTHER || r.kind == OPD_OTHER ||
        (l.kind == OPD_SCALAR && r.kind == OPD_SCALAR)) {
        res = Py_NewRef(Py_NotImplemented);
        goto done;
    }
    if (l.kind == OPD_ARRAY && r.kind == OPD_ARRAY &&
        l.core->size != r.core->size) {
        set_size_mismatch(l.core->size, r.core->size);
        goto done;
    }
    pn_core *c;
    res = new_array(l.kind == OPD_ARRAY ? l.core->size : r.core->size, &c);
    if (res != NULL)
        apply_binop(op, &l, &r, c->data);
done:
    Py_XDECREF(l.owned);
    Py_XDECREF(r.owned);
    return res;
}

static PyObject *inplace_op(PyObject *self, PyObject *other, const pn_binop *op)
{
    operand l, r;
    PyObject *res = NULL;
    classify(self, &l);     /* self is always an array here */
    classify(other, &r);
    if (r.kind == OPD_OTHER)
        res = Py_NewRef(Py_NotImplemented);
    else if (r.kind != OPD_ERROR && apply_binop(op, &l, &r, l.core->data) == 0)
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

static PyObject *array_pow(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None) {
        PyErr_SetString(PyExc_TypeError,
                        "pow() with a modulus is not supported for arrays");
        return NULL;
    }
    return binary_op(a, b, &PN_OP_POW);
}


static PyObject *unary_apply(PyObject *obj, pn_kernel_unary kernel)
{
    PyObject *tmp = NULL;
    if (!Array_Check(obj)) {
        if ((tmp = array_from_object(obj)) == NULL)
            return NULL;
        obj = tmp;
    }
    pn_core *c;
    PyObject *res = new_array(CORE(obj)->size, &c);
    if (res != NULL)
        kernel(c->data, CORE(obj)->data, c->size);
    Py_XDECREF(tmp);
    return res;
}

static PyObject *array_neg(PyObject *self) { return unary_apply(self, pn_neg); }
static PyObject *array_pos(PyObject *self) { return unary_apply(self, pn_copy); }
static PyObject *array_abs(PyObject *self) { return unary_apply(self, pn_absolute); }

static PyObject *array_copy(PyObject *self, PyObject *unused)
{
    return unary_apply(self, pn_copy);
}

#define PN_MODULE_UNARY(NAME)                                                \
    static PyObject *mod_##NAME(PyObject *mod, PyObject *obj)                \
    {                                                                        \
        return unary_apply(obj, pn_##NAME);                                  \
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

static PyObject *reduce(PyObject *obj, reduction kind)
{
    static const char *const names[] = {"sum", "minimum", "maximum", "mean"};
    PyObject *tmp = NULL, *res = NULL;
    if (!Array_Check(obj)) {
        if ((tmp = array_from_object(obj)) == NULL)
            return NULL;
        obj = tmp;
    }
    pn_core *c = CORE(obj);
    double r;
    if (c->size == 0 && (kind == RED_MIN || kind == RED_MAX)) {
        PyErr_Format(PyExc_ValueError, PN_MSG_EMPTY_REDUCTION, names[kind]);
        goto done;
    }
    switch (kind) {
    case RED_SUM: r = pn_sum(c->data, c->size); break;
    case RED_MIN: r = pn_min(c->data, c->size); break;
    case RED_MAX: r = pn_max(c->data, c->size); break;
    default: r = c->size ? pn_sum(c->data, c->size) / (double)c->size : NAN;
    }
    res = PyFloat_FromDouble(r);
done:
    Py_XDECREF(tmp);
    return res;
}

#define PN_REDUCTION(NAME, KIND)                                             \
    static PyObject *mod_##NAME(PyObject *mod, PyObject *obj)                \
    {                                                                        \
        return reduce(obj, KIND);                                            \
    }                                                                        \
    static PyObject *array_##NAME(PyObject *self, PyObject *unused)          \
    {                                                                        \
        return reduce(self, KIND);                                           \
    }

PN_REDUCTION(sum, RED_SUM)
PN_REDUCTION(min, RED_MIN)
PN_REDUCTION(max, RED_MAX)
PN_REDUCTION(mean, RED_MEAN)

static PyObject *dot2(PyObject *a, PyObject *b)
{
    PyObject *ta = NULL, *tb = NULL, *res = NULL;
    if (!Array_Check(a)) {
        if ((ta = array_from_object(a)) == NULL)
            return NULL;
        a = ta;
    }
    if (!Array_Check(b)) {
        if ((tb = array_from_object(b)) == NULL)
            goto done;
        b = tb;
    }
    if (CORE(a)->size != CORE(b)->size)
        set_size_mismatch(CORE(a)->size, CORE(b)->size);
    else
        res = PyFloat_FromDouble(pn_dot(CORE(a)->data, CORE(b)->data,
                                        CORE(a)->size));
done:
    Py_XDECREF(ta);
    Py_XDECREF(tb);
    return res;
}

static PyObject *mod_dot(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "dot() takes 2 arguments");
        return NULL;
    }
    return dot2(args[0], args[1]);
}

static PyObject *array_dot(PyObject *self, PyObject *other)
{
    return dot2(self, other);
}

/* ------------------------------------------------------------------ */
/* indexing                                                            */

static Py_ssize_t array_len(PyObject *self) { return CORE(self)->size; }

static PyObject *array_item(PyObject *self, Py_ssize_t i)
{
    pn_core *c = CORE(self);
    if (i < 0 || i >= c->size) {
        PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_RANGE);
        return NULL;
    }
    return PyFloat_FromDouble(c->data[i]);
}

typedef enum { KEY_INT, KEY_SLICE, KEY_ERROR } key_kind;

static key_kind parse_key(PyObject *key, pn_ssize_t n, pn_ssize_t *i)
{
    pn_ssize_t v;
    if (PyLong_CheckExact(key)) {
        v = PyLong_AsSsize_t(key);
    }
    else if (PySlice_Check(key)) {
        return KEY_SLICE;
    }
    else if (PyIndex_Check(key) && !PyFloat_Check(key)) {
        v = PyNumber_AsSsize_t(key, PyExc_IndexError);
    }
    else {
        PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_TYPE);
        return KEY_ERROR;
    }
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_RANGE);
        return KEY_ERROR;
    }
    *i = pn_normalize_index(v, n);
    if (*i < 0) {
        PyErr_SetString(PyExc_IndexError, PN_MSG_INDEX_RANGE);
        return KEY_ERROR;
    }
    return KEY_INT;
}

static int unpack_slice(PyObject *key, pn_ssize_t n, pn_ssize_t *start,
                        pn_ssize_t *step, pn_ssize_t *len)
{
    Py_ssize_t stop;
    if (PySlice_Unpack(key, start, &stop, step) < 0)
        return -1;
    if (*step == 0) {    /* PySlice_Unpack already raised for step 0 */
        PyErr_SetString(PyExc_ValueError, PN_MSG_ZERO_STEP);
        return -1;
    }
    *len = pn_slice_adjust(n, start, &stop, *step);
    return 0;
}

static PyObject *array_subscript(PyObject *self, PyObject *key)
{
    pn_core *c = CORE(self), *dst;
    pn_ssize_t i, start, step, len;
    PyObject *res;
    switch (parse_key(key, c->size, &i)) {
    case KEY_INT:
        return PyFloat_FromDouble(c->data[i]);
    case KEY_SLICE:
        if (unpack_slice(key, c->size, &start, &step, &len) < 0)
            return NULL;
        res = new_array(len, &dst);
        if (res != NULL && len > 0)
            pn_gather(dst->data, c->data + start, step, len);
        return res;
    default:
        return NULL;
    }
}

static int array_ass_subscript(PyObject *self, PyObject *key, PyObject *value)
{
    pn_core *c = CORE(self);
    pn_ssize_t i, start, step, len;
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, PN_MSG_NO_DELETE);
        return -1;
    }
    switch (parse_key(key, c->size, &i)) {
    case KEY_INT: {
        double v = as_double(value);
        if (v == -1.0 && PyErr_Occurred())
            return -1;
        c->data[i] = v;
        return 0;
    }
    case KEY_SLICE:
        break;
    default:
        return -1;
    }
    if (unpack_slice(key, c->size, &start, &step, &len) < 0)
        return -1;
    if (len == 0)
        start = 0;      /* keep c->data + start inside the buffer */
    operand v;
    int rc = -1;
    classify(value, &v);
    if (v.kind == OPD_OTHER) {
        /* any other array-like (numpy array, range...): convert it */
        v.owned = array_from_object(value);
        v.kind = v.owned ? OPD_ARRAY : OPD_ERROR;
        if (v.owned)
            v.core = CORE(v.owned);
    }
    if (v.kind == OPD_SCALAR) {
        pn_scatter_scalar(c->data + start, step, v.scalar, len);
        rc = 0;
    }
    else if (v.kind == OPD_ARRAY) {
        if (v.core->size != len) {
            set_size_mismatch(v.core->size, len);
        }
        else if (v.core == c) {
            /* a[::-1] = a: read everything before writing */
            double *tmp = (double *)PyMem_Malloc((size_t)len * sizeof(double) + 1);
            if (tmp == NULL) {
                PyErr_NoMemory();
            }
            else {
                memcpy(tmp, c->data, (size_t)len * sizeof(double));
                pn_scatter(c->data + start, step, tmp, len);
                PyMem_Free(tmp);
                rc = 0;
            }
        }
        else {
            pn_scatter(c->data + start, step, v.core->data, len);
            rc = 0;
        }
    }
    Py_XDECREF(v.owned);
    return rc;
}

/* ------------------------------------------------------------------ */
/* attributes, conversions, buffer                                     */

static PyObject *array_tolist(PyObject *self, PyObject *unused)
{
    pn_core *c = CORE(self);
    PyObject *list = PyList_New(c->size);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < c->size; i++) {
        PyObject *f = PyFloat_FromDouble(c->data[i]);
        if (f == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, f);
    }
    return list;
}

static PyObject *array_get_size(PyObject *self, void *closure)
{
    return PyLong_FromSsize_t(CORE(self)->size);
}

static PyObject *array_get_shape(PyObject *self, void *closure)
{
    return Py_BuildValue("(n)", CORE(self)->size);
}

static PyObject *array_get_ndim(PyObject *self, void *closure)
{
    return PyLong_FromLong(1);
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
    return Py_BuildValue("{s:(n),s:s,s:(NO),s:i}", "shape", c->size,
                         "typestr", "<f8", "data",
                         PyLong_FromVoidPtr(c->data), Py_False, "version", 3);
}

static int array_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    pn_core *c = CORE(self);
    view->buf = c->data;
    view->obj = Py_NewRef(self);
    view->len = c->size * (Py_ssize_t)sizeof(double);
    view->itemsize = sizeof(double);
    view->readonly = 0;
    view->ndim = 1;
    view->format = (flags & PyBUF_FORMAT) ? (char *)"d" : NULL;
    view->shape = (flags & PyBUF_ND) ? &c->size : NULL;
    view->strides = ((flags & PyBUF_STRIDES) == PyBUF_STRIDES)
                        ? (Py_ssize_t *)pn_contiguous_strides : NULL;
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
    {"sum", array_sum, METH_NOARGS, NULL},
    {"min", array_min, METH_NOARGS, NULL},
    {"max", array_max, METH_NOARGS, NULL},
    {"mean", array_mean, METH_NOARGS, NULL},
    {"dot", array_dot, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef array_getset[] = {
    {"size", array_get_size, NULL, NULL, NULL},
    {"shape", array_get_shape, NULL, NULL, NULL},
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

static int parse_size(PyObject *obj, pn_ssize_t *n)
{
    if (PyTuple_Check(obj)) {
        if (PyTuple_GET_SIZE(obj) != 1) {
            PyErr_SetString(PyExc_ValueError, "only 1-D shapes are supported");
            return -1;
        }
        obj = PyTuple_GET_ITEM(obj, 0);
    }
    if (PyFloat_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "'%.100s' object cannot be interpreted as an integer",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    *n = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
    if (*n == -1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return -1;
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "array size is too large");
        return -1;
    }
    return 0;
}

static PyObject *filled(PyObject *size, int do_fill, double v)
{
    pn_ssize_t n;
    pn_core *c;
    if (parse_size(size, &n) < 0)
        return NULL;
    PyObject *res = new_array(n, &c);
    if (res != NULL && do_fill)
        pn_fill(c->data, v, n);
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
    pn_status st = pn_arange_length(v[0], v[1], v[2], &n);
    if (st != PN_OK) {
        set_status_error(st);
        return NULL;
    }
    pn_core *c;
    PyObject *res = new_array(n, &c);
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
    pn_ssize_t n;
    if (parse_size(args[2], &n) < 0)
        return NULL;
    pn_core *c;
    PyObject *res = new_array(n, &c);
    if (res != NULL)
        pn_linspace(c->data, a, b, n);
    return res;
}

/* _setup(repr, str, coerce, dtype, pressure_hook_or_None) */
static PyObject *mod_setup(PyObject *mod, PyObject *const *args,
                           Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "_setup() takes 5 arguments");
        return NULL;
    }
    PN_SETREF(hook_repr, Py_NewRef(args[0]));
    PN_SETREF(hook_str, Py_NewRef(args[1]));
    PN_SETREF(hook_coerce, Py_NewRef(args[2]));
    PN_SETREF(hook_dtype, Py_NewRef(args[3]));
    Py_CLEAR(hook_pressure);
    if (args[4] != Py_None)
        hook_pressure = Py_NewRef(args[4]);
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"array", mod_array, METH_O, NULL},
    {"empty", mod_empty, METH_O, NULL},
    {"zeros", mod_zeros, METH_O, NULL},
    {"ones", mod_ones, METH_O, NULL},
    {"full", (PyCFunction)(void (*)(void))mod_full, METH_FASTCALL, NULL},
    {"arange", (PyCFunction)(void (*)(void))mod_arange, METH_FASTCALL, NULL},
    {"linspace", (PyCFunction)(void (*)(void))mod_linspace, METH_FASTCALL, NULL},
    {"sin", mod_sin, METH_O, NULL},
    {"cos", mod_cos, METH_O, NULL},
    {"tan", mod_tan, METH_O, NULL},
    {"exp", mod_exp, METH_O, NULL},
    {"log", mod_log, METH_O, NULL},
    {"sqrt", mod_sqrt, METH_O, NULL},
    {"absolute", mod_absolute, METH_O, NULL},
    {"sum", mod_sum, METH_O, NULL},
    {"min", mod_min, METH_O, NULL},
    {"max", mod_max, METH_O, NULL},
    {"mean", mod_mean, METH_O, NULL},
    {"dot", (PyCFunction)(void (*)(void))mod_dot, METH_FASTCALL, NULL},
    {"_setup", (PyCFunction)(void (*)(void))mod_setup, METH_FASTCALL, NULL},
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
