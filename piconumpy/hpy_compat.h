/* hpy_compat.h -- lets _piconumpy_hpy.c compile against HPy 0.9 (CPython,
 * from PyPI) and HPy 0.0.4 (shipped inside PyPy 7.3.11).
 *
 * Only HPY_ABI_VERSION tells them apart: 0.9 defines it, 0.0.4 does not.
 * The differences bridged here:
 *   - HPyDef_METH/SLOT/GET take the impl name explicitly in 0.0.4;
 *   - VARARGS methods get (const HPy *, size_t) in 0.9, (HPy *, HPy_ssize_t)
 *     in 0.0.4;
 *   - module init is multi-phase (HPy_mod_exec slot, HPy_MODINIT(name, def))
 *     in 0.9 and single-phase (HPy_MODINIT(name), HPyModule_Create) in 0.0.4;
 *   - 0.0.4 has no HPy_tp_str slot (we define a __str__ method instead).
 */
#ifndef PICONUMPY_HPY_COMPAT_H
#define PICONUMPY_HPY_COMPAT_H

#include "hpy.h"

#ifdef HPY_ABI_VERSION
#define PN_HPY_09 1
#else
#define PN_HPY_09 0
#endif

#if PN_HPY_09
#define PN_METH(SYM, NAME, SIG) HPyDef_METH(SYM, NAME, SIG)
#define PN_SLOT(SYM, SLOT) HPyDef_SLOT(SYM, SLOT)
#define PN_GETSET(SYM, NAME) HPyDef_GETSET(SYM, NAME)
#define PN_VARARGS const HPy *args, size_t nargs
#define PN_NEWARGS const HPy *args, HPy_ssize_t nargs, HPy kw
#define PN_HAS_TP_STR 1
/* CPython calls nb_* slots with the array on either side */
#define PN_NB_SELF_FIRST 0
#else
#define PN_METH(SYM, NAME, SIG) HPyDef_METH(SYM, NAME, SYM##_impl, SIG)
#define PN_SLOT(SYM, SLOT) HPyDef_SLOT(SYM, SYM##_impl, SLOT)
#define PN_GETSET(SYM, NAME) HPyDef_GETSET(SYM, NAME, SYM##_get, SYM##_set)
#define PN_VARARGS HPy *args, HPy_ssize_t nargs
#define PN_NEWARGS HPy *args, HPy_ssize_t nargs, HPy kw
#define PN_HAS_TP_STR 0
/* HPy 0.0.4 exists only inside PyPy, whose slot wrappers (__add__ ...)
 * check that the first argument is an instance of the type. */
#define PN_NB_SELF_FIRST 1
#endif

/* Module definition + init.  MODNAME is a macro (set by setup.py) so that the
 * same source yields _piconumpy_hpy and _piconumpy_hpy_universal; the extra
 * indirection expands it before token pasting.  EXEC is
 * `int EXEC(HPyContext *ctx, HPy module)`, run once when the module is made;
 * declare it with PN_DECLARE_MODULE_EXEC(EXEC) before DEFINES, which must
 * end with PN_MODULE_EXEC_DEF followed by NULL. */
#if PN_HPY_09

#define PN_DECLARE_MODULE_EXEC(EXEC) HPyDef_SLOT_IMPL(pn_mod_exec, EXEC, HPy_mod_exec)
#define PN_MODULE_EXEC_DEF &pn_mod_exec,
#define PN_MODULE(MODNAME, DOC, DEFINES, GLOBALS, EXEC)                     \
    static HPyModuleDef pn_moduledef = {                                    \
        .doc = DOC,                                                         \
        .size = 0,                                                          \
        .defines = DEFINES,                                                 \
        .globals = GLOBALS,                                                 \
    };                                                                      \
    PN_MODINIT_(MODNAME, pn_moduledef)
#define PN_MODINIT_(MODNAME, DEF) HPy_MODINIT(MODNAME, DEF)

#else /* HPy 0.0.4 */

#define PN_DECLARE_MODULE_EXEC(EXEC)
#define PN_MODULE_EXEC_DEF
#define PN_STR_(x) #x
#define PN_STR(x) PN_STR_(x)
#define PN_MODULE(MODNAME, DOC, DEFINES, GLOBALS, EXEC)                     \
    static HPyModuleDef pn_moduledef = {                                    \
        .name = PN_STR(MODNAME),                                            \
        .doc = DOC,                                                         \
        .size = 0,                                                         \
        .defines = DEFINES,                                                 \
        .globals = GLOBALS,                                                 \
    };                                                                      \
    PN_MODINIT_(MODNAME, EXEC)
#define PN_MODINIT_(MODNAME, EXEC) PN_MODINIT__(MODNAME, EXEC)
#define PN_MODINIT__(MODNAME, EXEC)                                         \
    HPy_MODINIT(MODNAME)                                                    \
    static HPy init_##MODNAME##_impl(HPyContext *ctx)                       \
    {                                                                       \
        HPy m = HPyModule_Create(ctx, &pn_moduledef);                       \
        if (HPy_IsNull(m))                                                  \
            return HPy_NULL;                                                \
        if (EXEC(ctx, m) < 0) {                                             \
            HPy_Close(ctx, m);                                              \
            return HPy_NULL;                                                \
        }                                                                   \
        return m;                                                           \
    }

#endif

/* Handles kept across calls (the array type, hooks).
 * PN_GLOBAL_LOAD gives a new handle (to return or keep);
 * PN_GLOBAL_BORROW/PN_GLOBAL_RELEASE bracket a use inside one call.
 * HPy 0.9: an HPyGlobal, as the HPy contract asks.
 * HPy 0.0.4 in PyPy 7.3.11: HPyGlobal_Store there corrupts the other
 * globals of the module (a later store makes an earlier global load the
 * wrong object; reproduced with a 3-global test module), so we keep a
 * duplicated handle that is never closed: PyPy handles stay valid until
 * closed, which is the lifetime we need. */
#if PN_HPY_09
typedef HPyGlobal pn_global;
#define PN_GLOBAL_STORE(ctx, g, h) HPyGlobal_Store(ctx, &(g), h)
#define PN_GLOBAL_LOAD(ctx, g) HPyGlobal_Load(ctx, g)
#define PN_GLOBAL_BORROW(ctx, g) HPyGlobal_Load(ctx, g)
#define PN_GLOBAL_RELEASE(ctx, h) HPy_Close(ctx, h)
#define PN_GLOBALS_ARRAY(...) {__VA_ARGS__, NULL}
#else
typedef HPy pn_global;
#define PN_GLOBAL_STORE(ctx, g, h)                                          \
    do {                                                                    \
        if (!HPy_IsNull(g))                                                 \
            HPy_Close(ctx, g);                                              \
        (g) = HPy_Dup(ctx, h);                                              \
    } while (0)
#define PN_GLOBAL_LOAD(ctx, g) HPy_Dup(ctx, g)
/* the kept handle itself: two handle operations less per use on PyPy */
#define PN_GLOBAL_BORROW(ctx, g) (g)
#define PN_GLOBAL_RELEASE(ctx, h) ((void)0)
#define PN_GLOBALS_ARRAY(...) {NULL}
#endif

#endif /* PICONUMPY_HPY_COMPAT_H */
