/* Driver for tests/test_threads.py: piconumpy/threads.h's reading of a
 * container's CPU quota.  Usage: test_cgroup_cpus CPU_MAX CFS_QUOTA
 * CFS_PERIOD (paths, missing files allowed); prints the CPU count found
 * (0: no quota). */
#include <stdio.h>
#include "kernels.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s cpu.max cfs_quota_us cfs_period_us\n", argv[0]);
        return 2;
    }
    printf("%d\n", pn_cgroup_cpus_from(argv[1], argv[2], argv[3]));
    return 0;
}
