/* array_core.h -- the array's storage and the index arithmetic, shared by
 * both C sources.  No Python API here: the CPython and HPy sources wrap
 * these helpers and turn their error codes into Python exceptions.
 */
#ifndef PICONUMPY_ARRAY_CORE_H
#define PICONUMPY_ARRAY_CORE_H

#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include "kernels.h"

/* Arrays of up to PN_INLINE_CAPACITY doubles keep their data inside the
 * object: no malloc/free per temporary, which is what dominates the tiny
 * arrays of ODE right-hand sides (4-8 components). */
#define PN_INLINE_CAPACITY 8

/* Buffers at least this large are reported to PyPy's GC as memory pressure
 * (it cannot see malloc'd memory and would otherwise collect too late). */
#define PN_PRESSURE_THRESHOLD ((pn_ssize_t)(64 * 1024))

/* Largest element count we accept: n * 8 bytes must fit in a pn_ssize_t. */
#define PN_MAX_SIZE ((pn_ssize_t)(PTRDIFF_MAX / (pn_ssize_t)sizeof(double)))

typedef struct {
    pn_ssize_t size;
    double *data;        /* points to inline_buf or to a malloc'd block */
    double inline_buf[PN_INLINE_CAPACITY];
} pn_core;

typedef enum {
    PN_OK = 0,
    PN_ERR_NEGATIVE_SIZE,   /* ValueError */
    PN_ERR_NO_MEMORY,       /* MemoryError */
    PN_ERR_ZERO_STEP,       /* ValueError */
    PN_ERR_BAD_RANGE,       /* ValueError: non-finite arange bounds */
} pn_status;

/* Allocate storage for n doubles (contents uninitialised). */
static inline pn_status pn_core_alloc(pn_core *c, pn_ssize_t n)
{
    c->size = 0;
    c->data = c->inline_buf;
    if (n < 0)
        return PN_ERR_NEGATIVE_SIZE;
    if (n > PN_MAX_SIZE)
        return PN_ERR_NO_MEMORY;
    if (n > PN_INLINE_CAPACITY) {
        double *p = (double *)malloc((size_t)n * sizeof(double));
        if (p == NULL)
            return PN_ERR_NO_MEMORY;
        c->data = p;
    }
    c->size = n;
    return PN_OK;
}

static inline void pn_core_free(pn_core *c)
{
    if (c->data != c->inline_buf)
        free(c->data);
    c->data = c->inline_buf;
    c->size = 0;
}

static inline int pn_core_needs_pressure(const pn_core *c)
{
    return c->size * (pn_ssize_t)sizeof(double) >= PN_PRESSURE_THRESHOLD;
}

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

/* Strides of a 1-D contiguous float64 buffer: static, because a buffer
 * view may outlive the struct the exporter filled in (HPy trampolines). */
static const pn_ssize_t pn_contiguous_strides[1] = {sizeof(double)};

/* Defaults for omitted slice bounds (PY_SSIZE_T_MAX-like sentinels that
 * pn_slice_adjust clamps). */
#define PN_SLICE_START_DEFAULT(step) ((step) < 0 ? PTRDIFF_MAX : 0)
#define PN_SLICE_STOP_DEFAULT(step) ((step) < 0 ? PTRDIFF_MIN : PTRDIFF_MAX)

/* Number of elements of arange(start, stop, step), numpy's rule:
 * ceil((stop - start) / step), at least 0. */
static inline pn_status pn_arange_length(double start, double stop,
                                         double step, pn_ssize_t *n)
{
    if (step == 0.0)
        return PN_ERR_ZERO_STEP;
    const double span = stop - start;
    double len = ceil(span / step);
    if (len != len || isinf(len))
        return PN_ERR_BAD_RANGE;
    if (len == 0.0 && span != 0.0)   /* span/step underflowed: numpy gives 1 */
        len = signbit(span / step) ? 0.0 : 1.0;
    if (len <= 0.0) {
        *n = 0;
        return PN_OK;
    }
    if (len > (double)PN_MAX_SIZE)
        return PN_ERR_NO_MEMORY;
    *n = (pn_ssize_t)len;
    return PN_OK;
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
    "only integers and slices (`:`) are valid indices"
#define PN_MSG_EMPTY_REDUCTION \
    "zero-size array to reduction operation %s which has no identity"
#define PN_MSG_NO_DELETE "cannot delete array elements"

#endif /* PICONUMPY_ARRAY_CORE_H */
