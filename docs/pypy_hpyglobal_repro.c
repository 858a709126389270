#include "hpy.h"
#include <stdio.h>
static HPyGlobal g1, g2, g3;
HPyDef_METH(store, "store", store_impl, HPyFunc_VARARGS)
static HPy store_impl(HPyContext *ctx, HPy self, HPy *args, HPy_ssize_t nargs)
{
    fprintf(stderr, "before: %ld %ld %ld\n", (long)g1._i, (long)g2._i, (long)g3._i);
    HPyGlobal_Store(ctx, &g1, args[0]);
    fprintf(stderr, "after1: %ld %ld %ld\n", (long)g1._i, (long)g2._i, (long)g3._i);
    HPyGlobal_Store(ctx, &g2, args[1]);
    fprintf(stderr, "after2: %ld %ld %ld\n", (long)g1._i, (long)g2._i, (long)g3._i);
    HPyGlobal_Store(ctx, &g3, args[2]);
    fprintf(stderr, "after3: %ld %ld %ld\n", (long)g1._i, (long)g2._i, (long)g3._i);
    return HPy_Dup(ctx, ctx->h_None);
}
HPyDef_METH(load, "load", load_impl, HPyFunc_O)
static HPy load_impl(HPyContext *ctx, HPy self, HPy i)
{
    long k = HPyLong_AsLong(ctx, i);
    HPy h = HPyGlobal_Load(ctx, k == 1 ? g1 : k == 2 ? g2 : g3); HPy d = HPy_Dup(ctx, h); HPy_Close(ctx, h); fprintf(stderr, "load %ld -> %ld dup %ld\n", (long)(k==1?g1._i:k==2?g2._i:g3._i), (long)h._i, (long)d._i); return d;
}
static HPyDef *defs[] = {&store, &load, NULL};
static HPyGlobal *globs[] = {&g1, &g2, &g3, NULL};
static HPyModuleDef def = {.name = "gt", .defines = defs, .globals = globs};
HPy_MODINIT(gt)
static HPy init_gt_impl(HPyContext *ctx) { return HPyModule_Create(ctx, &def); }
