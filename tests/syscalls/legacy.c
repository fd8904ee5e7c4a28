/* i386-only entry points called raw (glibc reaches most of them through
 * newer calls): the 32-bit-time variants of the clock, timer and utime
 * calls, the direct socket calls, the legacy path and descriptor calls,
 * 16-bit id setters, process_vm and vmsplice iovecs, NUMA bitmaps,
 * aio with a sigmask, and the odd ones out (ustat, quotactl). */
#include "sc.h"
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <sys/ipc.h>

#ifdef __i386__
int main(void) {
    int32_t ts[2] = {0, 0};
    RAW("clock_getres", SYS_clock_getres, CLOCK_MONOTONIC, ts);
    printf("res %d.%09d\n", ts[0], ts[1]);
    RAW("clock_getres NULL", SYS_clock_getres, CLOCK_MONOTONIC, NULL);
    RAW("clock_settime EINVAL", SYS_clock_settime, 999, ts);
    int32_t badtv[2] = {0, 2000000};
    RAW("settimeofday EINVAL", SYS_settimeofday, badtv, NULL);
    unsigned char tx[128];
    memset(tx, 0, sizeof tx);
    long st = syscall(SYS_adjtimex, tx);
    printf("adjtimex ok=%d tick=%d\n", st >= 0, *(int32_t *)(tx + 44));
    memset(tx, 0, sizeof tx);
    st = syscall(SYS_clock_adjtime, CLOCK_REALTIME, tx);
    printf("clock_adjtime ok=%d tick=%d tai_word=%d\n", st >= 0, *(int32_t *)(tx + 44), *(int32_t *)(tx + 80) >= 0);
    timer_t t;
    struct sigevent sev = {.sigev_notify = SIGEV_NONE};
    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &t);
    int32_t its[4] = {2, 0, 5, 0}, old[4] = {9, 9, 9, 9};
    RAW("timer_settime", SYS_timer_settime, t, 0, its, old);
    printf("old %d %d %d %d\n", old[0], old[1], old[2], old[3]);
    RAW("timer_gettime", SYS_timer_gettime, t, old);
    printf("interval %d.%d value_ok %d\n", old[0], old[1], old[2] == 4 || old[2] == 5);
    int tfd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    RAW("timerfd_settime", SYS_timerfd_settime, tfd, 0, its, NULL);
    RAW("timerfd_gettime", SYS_timerfd_gettime, tfd, old);
    printf("tfd interval %d value_ok %d\n", old[0], old[2] == 4 || old[2] == 5);
    const char *f = strdup(SCRATCH("legacy"));
    int fd = syscall(SYS_open, f, O_CREAT | O_RDWR, 0644);
    printf("open ok %d\n", fd >= 0);
    int32_t ub[2] = {1000, 2000};
    RAW("utime", SYS_utime, f, ub);
    struct stat sb;
    stat(f, &sb);
    printf("utime mtime %ld\n", (long)sb.st_mtime);
    int32_t tv[4] = {3000, 5, 4000, 6};
    RAW("utimes", SYS_utimes, f, tv);
    stat(f, &sb);
    printf("utimes mtime %ld.%09ld\n", (long)sb.st_mtime, sb.st_mtim.tv_nsec);
    RAW("futimesat", SYS_futimesat, AT_FDCWD, f, tv);
    int32_t bad[4] = {1, 1000000, 1, 0};
    RAW("utimes EINVAL", SYS_utimes, f, bad);
    unsigned char os[64];
    RAW("oldlstat", SYS_oldlstat, f, os);
    OK("dup", syscall(SYS_dup, fd));
    int p[2];
    RAW("pipe", SYS_pipe, p);
    RAW("mknod fifo", SYS_mknod, SCRATCH("fifo"), S_IFIFO | 0600, 0);
    RAW("renameat", SYS_renameat, AT_FDCWD, SCRATCH("fifo"), AT_FDCWD, SCRATCH("fifo2"));
    RAW("lchown32 keep", SYS_lchown32, f, -1, -1);
    OK("inotify_init", syscall(SYS_inotify_init));
    printf("getpgrp==getpgid %d\n", syscall(SYS_getpgrp) == getpgid(0));
    RAW("setgid16 same", SYS_setgid, getgid());
    RAW("setregid16 keep", SYS_setregid, 0xffff, 0xffff);
    RAW("setresuid16 keep", SYS_setresuid, 0xffff, 0xffff, 0xffff);
    RAW("setfsgid16 query", SYS_setfsgid, 0xffff);
    struct { uint64_t flags, mode, resolve; } how = {O_RDONLY | 0100000, 0, 0};
    long r = syscall(437, AT_FDCWD, f, &how, sizeof how);
    printf("openat2 ok %d flags_largefile %d\n", r >= 0, r >= 0 && (fcntl(r, F_GETFL) & 0100000) != 0);
    RAW("openat2 EINVAL size", 437, AT_FDCWD, f, &how, 8);
    struct { uint32_t bytes; int type; unsigned char h[128]; } fh = {128, 0};
    int mnt;
    long nh = syscall(SYS_name_to_handle_at, AT_FDCWD, f, &fh, &mnt, 0);
    printf("name_to_handle_at ok %d\n", nh == 0);
    RAW("open_by_handle_at EBADF", SYS_open_by_handle_at, -1, &fh, O_RDONLY);
    int fan = syscall(SYS_fanotify_init, 0, O_RDONLY);
    if (fan >= 0) {
        RAW("fanotify_mark", SYS_fanotify_mark, fan, 1 /* FAN_MARK_ADD */, 0x20 /* FAN_OPEN */, 0, AT_FDCWD, f);
        RAW("fanotify_mark EINVAL", SYS_fanotify_mark, fan, 1, 0, 0x10 /* high mask bit */, AT_FDCWD, f);
    } else {
        printf("fanotify_init failed\n");
    }
    RAW("ustat", SYS_ustat, (unsigned)sb.st_dev, tx);
    RAW("quotactl", SYS_quotactl, 0x800007 << 8, "/dev/nonexistent", 0, tx);
    /* iovec calls on this process. */
    char src[16] = "vm-source-data", dst[16] = {0};
    struct { uint32_t base, len; } lv = {(uint32_t)(uintptr_t)dst, 9}, rv = {(uint32_t)(uintptr_t)src, 9};
    RAW("process_vm_readv", SYS_process_vm_readv, getpid(), &lv, 1, &rv, 1, 0);
    printf("read back %s\n", dst);
    RAW("process_vm_writev", SYS_process_vm_writev, getpid(), &rv, 1, &lv, 1, 0);
    char page[4096] __attribute__((aligned(4096)));
    memset(page, 'v', sizeof page);
    struct { uint32_t base, len; } vv = {(uint32_t)(uintptr_t)page, 100};
    RAW("vmsplice", SYS_vmsplice, p[1], &vv, 1, 0);
    int pidfd = syscall(SYS_pidfd_open, getpid(), 0);
    RAW("process_madvise", 440, pidfd, &vv, 1, MADV_COLD, 0);
    uint32_t nodes[2] = {1, 0};
    void *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    RAW("mbind", SYS_mbind, m, 8192, 0 /* MPOL_DEFAULT */, NULL, 0, 0);
    RAW("mbind bind node0", SYS_mbind, m, 8192, 2 /* MPOL_BIND */, nodes, 33, 0);
    RAW("migrate_pages", SYS_migrate_pages, 0, 33, nodes, nodes);
    /* aio with a sigmask argument. */
    aio_context_t ctx = 0;
    syscall(SYS_io_setup, 4, &ctx);
    sigset_t mask;
    sigemptyset(&mask);
    struct { uint32_t ss, size; } sa = {(uint32_t)(uintptr_t)&mask, 8};
    struct io_event ev[1];
    int32_t to[2] = {0, 1000000};
    RAW("io_pgetevents", SYS_io_pgetevents, ctx, 0, 1, ev, to, &sa);
    long long to64[2] = {0, 1000000};
    RAW("io_pgetevents_time64", 416, ctx, 0, 1, ev, to64, &sa);
    syscall(SYS_io_destroy, ctx);
    /* The direct socket calls. */
    int s = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0), c = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    syscall(SYS_bind, s, &a, sizeof a);
    socklen_t al = sizeof a;
    syscall(SYS_getsockname, s, &a, &al);
    int32_t rto[2] = {4, 500000}, gto[2] = {0, 0};
    RAW("setsockopt SO_RCVTIMEO", SYS_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, rto, 8);
    socklen_t gl = 8;
    RAW("getsockopt SO_RCVTIMEO", SYS_getsockopt, s, SOL_SOCKET, SO_RCVTIMEO, gto, &gl);
    printf("timeo %d.%06d len %u\n", gto[0], gto[1], gl);
    int one = 1;
    RAW("setsockopt SO_TIMESTAMP", SYS_setsockopt, s, SOL_SOCKET, SO_TIMESTAMP, &one, 4);
    char data[] = "direct";
    struct { uint32_t base, len; } iv = {(uint32_t)(uintptr_t)data, 6};
    struct { uint32_t name; int namelen; uint32_t iov, iovlen, control, controllen, flags; } mh =
        {(uint32_t)(uintptr_t)&a, sizeof a, (uint32_t)(uintptr_t)&iv, 1, 0, 0, 0};
    RAW("sendmsg", SYS_sendmsg, c, &mh, 0);
    char rb[16] = {0};
    unsigned char ctl[64];
    struct { uint32_t base, len; } riv = {(uint32_t)(uintptr_t)rb, 16};
    struct { uint32_t name; int namelen; uint32_t iov, iovlen, control, controllen, flags; } rm =
        {0, 0, (uint32_t)(uintptr_t)&riv, 1, (uint32_t)(uintptr_t)ctl, sizeof ctl, 0};
    RAW("recvmsg", SYS_recvmsg, s, &rm, 0);
    printf("got %s controllen %u cmsg_len %u type %d\n", rb, rm.controllen, *(uint32_t *)ctl, *(int *)(ctl + 8));
    syscall(SYS_sendmsg, c, &mh, 0);
    struct { uint32_t name; int namelen; uint32_t iov, iovlen, control, controllen, flags; uint32_t len; } mm =
        {0, 0, (uint32_t)(uintptr_t)&riv, 1, 0, 0, 0, 0};
    int32_t mto[2] = {1, 0};
    RAW("recvmmsg", SYS_recvmmsg, s, &mm, 1, 0, mto);
    printf("mmsg len %u\n", mm.len);
    /* semtimedop with a 32-bit timeout. */
    int sem = syscall(393, IPC_PRIVATE, 1, 01600);
    struct { unsigned short num; short op, flg; } sop = {0, -1, 0};
    int32_t sto[2] = {0, 5000000};
    RAW("ipc SEMTIMEDOP", SYS_ipc, 4, sem, 1, 0, &sop, sto);
    RAW("semtimedop_time64", 420, sem, &sop, 1, (long long[]){0, 1000000});
    syscall(394, sem, 0, 0 /* IPC_RMID */, 0);
    fflush(stdout);
    pid_t ch = fork();
    if (ch == 0) _exit(4);
    int ws = 0;
    long wr = syscall(SYS_waitpid, ch, &ws, 0);
    printf("waitpid ok %d status %d\n", wr == ch, WEXITSTATUS(ws));
    int32_t sel_tv[2] = {0, 10000};
    RAW("_newselect timeout", SYS__newselect, 0, NULL, NULL, NULL, sel_tv);
    printf("remaining %d.%06d\n", sel_tv[0], sel_tv[1]);
    return 0;
}
#else
int main(void) {
    puts("i386 only");
    return 0;
}
#endif
