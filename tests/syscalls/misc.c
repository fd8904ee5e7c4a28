/* The rest: uname in its three layouts, 16-bit id calls, scheduler and
 * affinity, prctl, futex timeouts, NUMA bitmaps, keyctl, aio (io_setup
 * places its ring below 4 GiB), memfd, getrandom, personality, capget. */
#include "sc.h"
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

int main(void) {
    struct utsname u;
    VAL("uname", uname(&u));
    printf("sysname=%s machine_len=%zu\n", u.sysname, strlen(u.machine));
#ifdef __i386__
    char old[65 * 6];
    memset(old, 0x77, sizeof old);
    RAW("raw olduname", SYS_olduname, old);
    printf("olduname: %s / %s tail=%02x\n", old, old + 65 * 4, (unsigned char)old[65 * 5]);
    memset(old, 0x77, sizeof old);
    RAW("raw oldolduname", SYS_oldolduname, old);
    printf("oldolduname: %.8s nul=%d next=%.8s tail=%02x\n", old, old[8], old + 9, (unsigned char)old[45]);
    RAW("raw getuid16", SYS_getuid);
    RAW("raw geteuid16", SYS_geteuid);
    RAW("raw getgid16", SYS_getgid);
    RAW("raw getegid16", SYS_getegid);
    RAW("raw getuid32", SYS_getuid32);
    uint16_t r16[3] = {9, 9, 9};
    RAW("raw getresuid16", SYS_getresuid, r16, r16 + 1, r16 + 2);
    printf("resuid16 %u %u %u\n", r16[0], r16[1], r16[2]);
    RAW("raw getresgid16", SYS_getresgid, r16, r16 + 1, r16 + 2);
    uint16_t g16[64];
    RAW("raw getgroups16 count", SYS_getgroups, 0, NULL);
    RAW("raw getgroups16", SYS_getgroups, 64, g16);
    RAW("raw getgroups16 EINVAL", SYS_getgroups, -1, g16);
    RAW("raw setuid16 same", SYS_setuid, getuid());
    RAW("raw setreuid16 keep", SYS_setreuid, 0xffff, 0xffff);
    RAW("raw setresgid16 keep", SYS_setresgid, 0xffff, 0xffff, 0xffff);
    RAW("raw setfsuid16 query", SYS_setfsuid, 0xffff);
    RAW("raw setfsgid32 query", SYS_setfsgid32, -1);
    RAW("raw setgroups16 same", SYS_setgroups, 0, NULL);
    int32_t ts[2];
    RAW("raw sched_rr_get_interval", SYS_sched_rr_get_interval, 0, ts);
    uint32_t tidaddr = 0;
    (void)tidaddr;
    RAW("raw personality query", SYS_personality, 0xffffffff);
    uint32_t mask32[2] = {0, 0};
    long n = syscall(SYS_sched_getaffinity, 0, 4, mask32);
    printf("raw sched_getaffinity(4) = %ld cpu0=%u\n", n, mask32[0] & 1);
    RAW("raw sched_getaffinity(6) EINVAL", SYS_sched_getaffinity, 0, 6, mask32);
    RAW("raw sched_setaffinity(4)", SYS_sched_setaffinity, 0, 4, mask32);
    uint32_t nodes[2] = {0, 0};
    int mode = -1;
    RAW("raw get_mempolicy", SYS_get_mempolicy, &mode, nodes, 64, 0, 0);
    printf("mempolicy mode=%d\n", mode);
    RAW("raw set_mempolicy default", SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0);
    uint32_t pg[1];
    void *pp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *(char *)pp = 1;
    uint32_t ptrs[1] = {(uint32_t)(uintptr_t)pp};
    int status[1] = {-99};
    RAW("raw move_pages query", SYS_move_pages, 0, 1, ptrs, NULL, status, 0);
    printf("move_pages status>=0 %d\n", status[0] >= 0);
    (void)pg;
#endif
    VAL("sched_getscheduler", sched_getscheduler(0));
    VAL("sched_get_priority_max FIFO", sched_get_priority_max(SCHED_FIFO));
    struct sched_param sp;
    VAL("sched_getparam", sched_getparam(0, &sp));
    struct timespec rr;
    VAL("sched_rr_get_interval", sched_rr_get_interval(0, &rr));
    VAL("sched_yield", sched_yield());
    cpu_set_t cs;
    VAL("sched_getaffinity", sched_getaffinity(0, sizeof cs, &cs));
    printf("cpu0 allowed %d count>0 %d\n", CPU_ISSET(0, &cs), CPU_COUNT(&cs) > 0);
    VAL("sched_setaffinity", sched_setaffinity(0, sizeof cs, &cs));
    unsigned cpu, node;
    VAL("getcpu", getcpu(&cpu, &node));
    VAL("prctl SET_NAME", prctl(PR_SET_NAME, "sc-misc"));
    char nm[17] = {0};
    VAL("prctl GET_NAME", prctl(PR_GET_NAME, nm));
    printf("name %s\n", nm);
    int pd = -1;
    VAL("prctl GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &pd));
    printf("pdeathsig %d\n", pd);
    VAL("prctl GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    VAL("prctl bad", prctl(9999));
    uint32_t fw = 5;
    struct timespec ft = {0, 10000000};
    VAL("futex WAIT timeout", syscall(SYS_futex, &fw, FUTEX_WAIT, 5, &ft, NULL, 0));
    VAL("futex WAIT EAGAIN", syscall(SYS_futex, &fw, FUTEX_WAIT, 6, &ft, NULL, 0));
    VAL("futex WAKE", syscall(SYS_futex, &fw, FUTEX_WAKE, 1, NULL, NULL, 0));
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 5000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    VAL("futex WAIT_BITSET abs", syscall(SYS_futex, &fw, FUTEX_WAIT_BITSET, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
    uint32_t fw2 = 0;
    VAL("futex CMP_REQUEUE", syscall(SYS_futex, &fw, FUTEX_CMP_REQUEUE, 1, 2, &fw2, 5));
#ifdef __i386__
    long long ft64[2] = {0, 1000000};
    RAW("raw futex_time64", 422, &fw, FUTEX_WAIT, 5, ft64, NULL, 0);
#endif
    int mfd = memfd_create("sc", MFD_CLOEXEC);
    OK("memfd_create", mfd);
    VAL("ftruncate memfd", ftruncate(mfd, 8192));
    unsigned char rnd[16];
    VAL("getrandom", getrandom(rnd, sizeof rnd, 0));
    VAL("personality", personality(0xffffffff));
    struct __user_cap_header_struct { uint32_t version; int pid; } ch = {0x20080522, 0};
    struct { uint32_t eff, perm, inh; } cd[2];
    VAL("capget", syscall(SYS_capget, &ch, cd));
    printf("cap eff nonzero %d\n", cd[0].eff != 0);
    VAL("ioprio_get", syscall(SYS_ioprio_get, 1, 0));
    VAL("getpriority", getpriority(PRIO_PROCESS, 0));
    unsigned char vec[4];
    void *m = mmap(NULL, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ((char *)m)[0] = 1;
    VAL("mincore", mincore(m, 16384, vec));
    printf("mincore first=%d\n", vec[0] & 1);
    VAL("madvise", madvise(m, 16384, MADV_DONTNEED));
    VAL("mlock", mlock(m, 4096));
    VAL("munlock", munlock(m, 4096));
    long key = syscall(SYS_add_key, "user", "x86run-sc", "secret", 6, -2 /* KEY_SPEC_PROCESS_KEYRING */);
    printf("add_key ok=%d\n", key > 0);
    if (key > 0) {
        char kb[16] = {0};
        VAL("keyctl READ", syscall(SYS_keyctl, 11 /* KEYCTL_READ */, key, kb, sizeof kb));
        printf("key payload %s\n", kb);
        VAL("keyctl DESCRIBE len>0", syscall(SYS_keyctl, 6, key, NULL, 0) > 0);
        VAL("keyctl REVOKE", syscall(SYS_keyctl, 3, key));
    }
    VAL("keyctl GET_KEYRING_ID", syscall(SYS_keyctl, 0, -2, 1) > 0);
    /* aio: a ring below 4 GiB, a read, its completion. */
    aio_context_t ctx = 0;
    VAL("io_setup", syscall(SYS_io_setup, 8, &ctx));
    printf("ctx nonzero %d below4g %d\n", ctx != 0, ctx < 0xffffffffULL);
    int fd = open("/proc/self/exe", O_RDONLY);
    char buf[64];
    struct iocb cb = {0};
    cb.aio_fildes = fd;
    cb.aio_lio_opcode = IOCB_CMD_PREAD;
    cb.aio_buf = (uintptr_t)buf;
    cb.aio_nbytes = 4;
    cb.aio_offset = 0;
    cb.aio_data = 0x1234;
    struct iocb *cbs[1] = {&cb};
    VAL("io_submit", syscall(SYS_io_submit, ctx, 1, cbs));
    struct io_event ev[2];
    struct timespec to = {1, 0};
    VAL("io_getevents", syscall(SYS_io_getevents, ctx, 1, 2, ev, &to));
    printf("event data=%llx res=%lld obj_ok=%d magic=%.3s\n", (unsigned long long)ev[0].data, (long long)ev[0].res,
           ev[0].obj == (uintptr_t)&cb, buf + 1);
    VAL("io_getevents none", syscall(SYS_io_getevents, ctx, 0, 2, ev, &to));
    /* A vectored read: two buffers. */
    char v1[2] = {0}, v2[4] = {0};
    struct iovec vv[2] = {{v1, 2}, {v2, 3}};
    struct iocb vcb = {0};
    vcb.aio_fildes = fd;
    vcb.aio_lio_opcode = IOCB_CMD_PREADV;
    vcb.aio_buf = (uintptr_t)vv;
    vcb.aio_nbytes = 2;
    vcb.aio_offset = 1;
    vcb.aio_data = 0x77;
    struct iocb *vcbs[2] = {&vcb, &cb};
    cb.aio_data = 0x88;
    VAL("io_submit vectored", syscall(SYS_io_submit, ctx, 2, vcbs));
    memset(ev, 0, sizeof ev);
    long got = 0;
    while (got < 2) {
        long r = syscall(SYS_io_getevents, ctx, 1, 2 - got, ev + got, &to);
        if (r <= 0) break;
        got += r;
    }
    printf("events %ld\n", got);
    for (int i = 0; i < got; i++)
        printf("  data=%llx res=%lld obj_ok=%d\n", (unsigned long long)ev[i].data, (long long)ev[i].res,
               ev[i].obj == (ev[i].data == 0x77 ? (uintptr_t)&vcb : (uintptr_t)&cb));
    printf("readv got %.2s|%.1s\n", v1, v2);
    VAL("io_submit EINVAL", syscall(SYS_io_submit, ctx, -1, cbs));
    VAL("io_destroy", syscall(SYS_io_destroy, ctx));
    VAL("io_destroy again", syscall(SYS_io_destroy, ctx));
    aio_context_t c2 = 5;
    VAL("io_setup EINVAL", syscall(SYS_io_setup, 8, &c2));
    /* The process name is the program's, as exec sets it */
    char comm[32] = {0};
    FILE *cf = fopen("/proc/self/comm", "r");
    if (cf) {
        fgets(comm, sizeof comm, cf);
        fclose(cf);
    }
    printf("comm: %s", comm);
    return 0;
}
