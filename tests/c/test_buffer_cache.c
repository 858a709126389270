/* Driver for tests/test_memory.py: piconumpy/array_core.h's buffer cache
 * (a ring of freed buffers, newest last).  Prints "ok" or the first broken
 * expectation (exit status 1). */
#include <stdio.h>
#include "fused.h"

#define KB ((size_t)1024)
#define EXPECT(cond)                                                         \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("line %d: %s\n", __LINE__, #cond);                        \
            return 1;                                                        \
        }                                                                    \
    } while (0)

/* every cached buffer is counted once and the totals agree */
static int consistent(void)
{
    size_t total = 0;
    for (int k = 0; k < pn_cache.count; k++)
        total += pn_buffer_footprint(pn_cache.nbytes[pn_cache_at(k)]);
    return total == pn_cache.total && pn_cache.count <= PN_CACHE_SLOTS &&
           (pn_cache.count <= 1 || pn_cache.total <= PN_CACHE_MAX_BYTES);
}

static void empty_cache(void)
{
    int fresh;
    while (pn_cache.count > 0)
        free(pn_buffer_alloc(pn_cache.nbytes[pn_cache_at(pn_cache.count - 1)],
                             &fresh));
}

int main(void)
{
    int fresh;
    /* small buffers are never cached */
    void *s = pn_buffer_alloc(1000, &fresh);
    EXPECT(s != NULL && fresh);
    pn_buffer_free(s, 1000);
    EXPECT(pn_cache.count == 0);

    /* same size: the newest comes back first, and is not fresh */
    void *a = pn_buffer_alloc(100 * KB, &fresh), *b = pn_buffer_alloc(100 * KB, &fresh);
    pn_buffer_free(a, 100 * KB);
    pn_buffer_free(b, 100 * KB);
    EXPECT(pn_cache.count == 2 && consistent());
    EXPECT(pn_buffer_alloc(100 * KB, &fresh) == b && !fresh);
    EXPECT(pn_buffer_alloc(100 * KB, &fresh) == a && !fresh);
    EXPECT(pn_cache.count == 0 && pn_cache.total == 0);
    EXPECT(pn_buffer_alloc(100 * KB, &fresh) != NULL && fresh);   /* (leaked: fine) */

    /* mixed sizes: taking one from the middle keeps the others in order */
    void *x[6];
    size_t sz[6] = {64 * KB, 96 * KB, 64 * KB, 128 * KB, 96 * KB, 64 * KB};
    for (int i = 0; i < 6; i++)
        x[i] = pn_buffer_alloc(sz[i], &fresh);
    for (int i = 0; i < 6; i++)
        pn_buffer_free(x[i], sz[i]);
    EXPECT(pn_buffer_alloc(128 * KB, &fresh) == x[3]);
    EXPECT(pn_buffer_alloc(96 * KB, &fresh) == x[4]);
    EXPECT(pn_buffer_alloc(64 * KB, &fresh) == x[5]);
    EXPECT(pn_buffer_alloc(64 * KB, &fresh) == x[2]);
    EXPECT(pn_buffer_alloc(96 * KB, &fresh) == x[1]);
    EXPECT(pn_buffer_alloc(64 * KB, &fresh) == x[0]);
    EXPECT(pn_cache.count == 0 && consistent());

    /* more buffers than slots: the oldest go, the count stays bounded,
     * and the ring wraps around (twice) */
    static void *many[3 * PN_CACHE_SLOTS];
    for (int i = 0; i < 3 * PN_CACHE_SLOTS; i++)
        many[i] = pn_buffer_alloc(64 * KB, &fresh);
    for (int i = 0; i < 3 * PN_CACHE_SLOTS; i++) {
        pn_buffer_free(many[i], 64 * KB);
        EXPECT(consistent());
    }
    EXPECT(pn_cache.count <= PN_CACHE_SLOTS);
    /* what is left is the newest ones, newest first */
    int left = pn_cache.count;
    for (int k = 0; k < left; k++)
        EXPECT(pn_buffer_alloc(64 * KB, &fresh) == many[3 * PN_CACHE_SLOTS - 1 - k]);
    EXPECT(pn_cache.count == 0);

    /* the byte cap: 3 MB buffers, at most PN_CACHE_MAX_BYTES kept */
    void *m[40];
    for (int i = 0; i < 40; i++)
        m[i] = pn_buffer_alloc(3 * 1024 * KB, &fresh);
    for (int i = 0; i < 40; i++) {
        pn_buffer_free(m[i], 3 * 1024 * KB);
        EXPECT(consistent());
    }
    EXPECT(pn_cache.total <= PN_CACHE_MAX_BYTES && pn_cache.count > 0);
    EXPECT(pn_buffer_alloc(3 * 1024 * KB, &fresh) == m[39] && !fresh);

    /* one buffer larger than the cap is kept alone; a larger one never */
    size_t big = PN_CACHE_MAX_BYTES + 8 * 1024 * KB;
    void *g = pn_buffer_alloc(big, &fresh);
    pn_buffer_free(g, big);
    EXPECT(pn_cache.count == 1 && consistent());
    EXPECT(pn_buffer_alloc(big, &fresh) == g && !fresh);
    free(g);
    void *h = pn_buffer_alloc(PN_CACHE_ONE_MAX + 2 * 1024 * KB, &fresh);
    pn_buffer_free(h, PN_CACHE_ONE_MAX + 2 * 1024 * KB);
    EXPECT(pn_cache.count == 0);
    empty_cache();
    printf("ok\n");
    return 0;
}
