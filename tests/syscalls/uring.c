/* io_uring through raw syscalls (no liburing): setup, the rings mapped
 * with mmap (SQ and CQ rings separately, and the SQE array), then NOP,
 * WRITE/READ, WRITEV/READV with several iovecs, SENDMSG/RECVMSG over a
 * socketpair (with SCM_RIGHTS), a TIMEOUT, a RECVMSG cancelled by its
 * user_data, registered buffers with WRITE_FIXED/READ_FIXED, a batch of
 * NOPs and completions reaped without waiting. Each CQE is printed.
 * Where io_uring is off on the host (io_uring_setup fails natively with
 * ENOSYS or EPERM) the program says so and stops: all runs must agree. */
#include "sc.h"
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/time_types.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <pthread.h>

struct ring {
    int fd;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *sq_flags;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    unsigned sq_entries, cq_entries;
};

static int ring_init_flags(struct ring *r, unsigned entries, unsigned flags) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    long fd = syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0)
        return -errno;
    r->fd = fd;
    r->sq_entries = p.sq_entries;
    r->cq_entries = p.cq_entries;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(0, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    char *cq = mmap(0, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    void *sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
        printf("ring mmap failed: %s\n", ename(errno));
        return -EINVAL;
    }
    printf("mapped below 4 GiB: %d\n",
           (uintptr_t)sq < (1ull << 32) - 1 && (uintptr_t)cq < (1ull << 32) - 1 && (uintptr_t)sqes < (1ull << 32) - 1
               ? 1
               : sizeof(void *) == 8);
    r->sq_head = (unsigned *)(sq + p.sq_off.head);
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->sq_flags = (unsigned *)(sq + p.sq_off.flags);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    r->sqes = sqes;
    printf("setup: sq_entries=%u cq_entries=%u ring_entries=%u/%u single_mmap=%d\n", p.sq_entries, p.cq_entries,
           *(unsigned *)(sq + p.sq_off.ring_entries), *(unsigned *)(cq + p.cq_off.ring_entries),
           !!(p.features & IORING_FEAT_SINGLE_MMAP));
    return 0;
}

static int ring_init(struct ring *r, unsigned entries) {
    return ring_init_flags(r, entries, 0);
}

/* The next free SQE, zeroed, with its user_data. */
static struct io_uring_sqe *sqe_get(struct ring *r, int op, uint64_t data) {
    unsigned tail = *r->sq_tail;
    unsigned idx = tail & *r->sq_mask;
    struct io_uring_sqe *s = &r->sqes[idx];
    memset(s, 0, sizeof *s);
    s->opcode = op;
    s->user_data = data;
    r->sq_array[idx] = idx;
    __atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
    return s;
}

static int enter(struct ring *r, unsigned submit, unsigned wait) {
    long n = syscall(__NR_io_uring_enter, r->fd, submit, wait, wait ? IORING_ENTER_GETEVENTS : 0, NULL, 8);
    return n < 0 ? -errno : (int)n;
}

/* Prints and consumes every CQE there is, sorted by user_data so that
 * completion order (which may vary) does not matter. */
static int reap(struct ring *r, const char *what) {
    struct io_uring_cqe got[64];
    int n = 0;
    unsigned head = *r->cq_head;
    while (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) && n < 64)
        got[n++] = r->cqes[head++ & *r->cq_mask];
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (got[j].user_data < got[i].user_data) {
                struct io_uring_cqe t = got[i];
                got[i] = got[j];
                got[j] = t;
            }
    for (int i = 0; i < n; i++) {
        int res = got[i].res;
        if (res < 0)
            printf("%s: cqe %llu res=-%s flags=%x\n", what, (unsigned long long)got[i].user_data, ename(-res),
                   got[i].flags);
        else
            printf("%s: cqe %llu res=%d flags=%x\n", what, (unsigned long long)got[i].user_data, res, got[i].flags);
    }
    return n;
}

static void submit_wait(struct ring *r, const char *what, unsigned n) {
    int s = enter(r, n, n);
    if (s < 0)
        printf("%s: enter -%s\n", what, ename(-s));
    else
        printf("%s: submitted %d\n", what, s);
    int got = reap(r, what);
    while (got < (int)n && s >= 0) {
        if (enter(r, 0, 1) < 0)
            break;
        got += reap(r, what);
    }
}

/* A thread that waits (up to 5 s) for one completion another thread
 * brings about. */
static struct ring *waited;
static long wait_result;
static void *waiter(void *arg) {
    struct __kernel_timespec to = {5, 0};
    struct io_uring_getevents_arg ga = {0, 8, 0, (uintptr_t)&to};
    long n = syscall(__NR_io_uring_enter, waited->fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &ga,
                     sizeof ga);
    wait_result = n < 0 ? -errno : n;
    return arg;
}

int main(void) {
    struct ring r;
    int e = ring_init(&r, 8);
    if (e == -ENOSYS || e == -EPERM) {
        printf("io_uring unavailable: %s\n", ename(-e));
        return 0;
    }
    if (e < 0) {
        printf("io_uring_setup: -%s\n", ename(-e));
        return 0;
    }

    /* NOP */
    sqe_get(&r, IORING_OP_NOP, 1);
    submit_wait(&r, "nop", 1);

    /* WRITE and READ */
    int f = open(SCRATCH("uring.dat"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char wbuf[64] = "hello io_uring\n", rbuf[64];
    struct io_uring_sqe *s = sqe_get(&r, IORING_OP_WRITE, 2);
    s->fd = f;
    s->addr = (uintptr_t)wbuf;
    s->len = 15;
    s->off = 0;
    submit_wait(&r, "write", 1);
    s = sqe_get(&r, IORING_OP_READ, 3);
    s->fd = f;
    s->addr = (uintptr_t)rbuf;
    s->len = sizeof rbuf;
    s->off = 0;
    submit_wait(&r, "read", 1);
    printf("read back: %.15s", rbuf);

    /* WRITEV and READV with three iovecs each */
    struct iovec wv[3] = {{"alpha-", 6}, {"beta-", 5}, {"gamma\n", 6}};
    s = sqe_get(&r, IORING_OP_WRITEV, 4);
    s->fd = f;
    s->addr = (uintptr_t)wv;
    s->len = 3;
    s->off = 100;
    submit_wait(&r, "writev", 1);
    char a[4] = {0}, b[8] = {0}, c[16] = {0};
    struct iovec rv[3] = {{a, 3}, {b, 7}, {c, 16}};
    s = sqe_get(&r, IORING_OP_READV, 5);
    s->fd = f;
    s->addr = (uintptr_t)rv;
    s->len = 3;
    s->off = 100;
    submit_wait(&r, "readv", 1);
    printf("readv: [%.3s] [%.7s] [%s]", a, b, c);

    /* SENDMSG / RECVMSG over a socketpair, passing a descriptor */
    int sv[2];
    VAL("socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } cbuf;
    memset(&cbuf, 0, sizeof cbuf);
    struct iovec sendv[2] = {{"to ", 3}, {"the other end", 13}};
    struct msghdr sm = {0};
    sm.msg_iov = sendv;
    sm.msg_iovlen = 2;
    sm.msg_control = cbuf.b;
    sm.msg_controllen = CMSG_SPACE(sizeof(int));
    struct cmsghdr *cm = CMSG_FIRSTHDR(&sm);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &f, sizeof f);
    s = sqe_get(&r, IORING_OP_SENDMSG, 6);
    s->fd = sv[0];
    s->addr = (uintptr_t)&sm;
    submit_wait(&r, "sendmsg", 1);
    char r1[4] = {0}, r2[32] = {0};
    struct iovec recvv[2] = {{r1, 3}, {r2, sizeof r2 - 1}};
    union {
        struct cmsghdr h;
        char b[64];
    } rc;
    memset(&rc, 0, sizeof rc);
    struct msghdr rm = {0};
    rm.msg_iov = recvv;
    rm.msg_iovlen = 2;
    rm.msg_control = rc.b;
    rm.msg_controllen = sizeof rc.b;
    rm.msg_flags = 0x5a5a;
    s = sqe_get(&r, IORING_OP_RECVMSG, 7);
    s->fd = sv[1];
    s->addr = (uintptr_t)&rm;
    submit_wait(&r, "recvmsg", 1);
    printf("recvmsg: [%s][%s] controllen=%u flags=%x\n", r1, r2, (unsigned)rm.msg_controllen, rm.msg_flags);
    cm = CMSG_FIRSTHDR(&rm);
    if (cm) {
        int got;
        memcpy(&got, CMSG_DATA(cm), sizeof got);
        printf("cmsg: len=%u level=%d type=%d fd-valid=%d\n", (unsigned)cm->cmsg_len, cm->cmsg_level, cm->cmsg_type,
               fcntl(got, F_GETFD) >= 0);
        close(got);
    } else {
        printf("cmsg: none\n");
    }

    /* TIMEOUT: 10 ms, no completion count */
    struct __kernel_timespec ts = {0, 10 * 1000 * 1000};
    s = sqe_get(&r, IORING_OP_TIMEOUT, 8);
    s->addr = (uintptr_t)&ts;
    s->len = 1;
    submit_wait(&r, "timeout", 1);

    /* A RECVMSG that waits, cancelled by its user_data */
    char cb[8];
    struct iovec cv = {cb, sizeof cb};
    struct msghdr cmh = {0};
    cmh.msg_iov = &cv;
    cmh.msg_iovlen = 1;
    s = sqe_get(&r, IORING_OP_RECVMSG, 9);
    s->fd = sv[1];
    s->addr = (uintptr_t)&cmh;
    printf("pending recvmsg: submitted %d\n", enter(&r, 1, 0));
    s = sqe_get(&r, IORING_OP_ASYNC_CANCEL, 10);
    s->addr = 9;
    submit_wait(&r, "cancel", 2);

    /* The same through IORING_REGISTER_SYNC_CANCEL */
    s = sqe_get(&r, IORING_OP_RECVMSG, 14);
    s->fd = sv[1];
    s->addr = (uintptr_t)&cmh;
    printf("pending recvmsg: submitted %d\n", enter(&r, 1, 0));
    struct {
        uint64_t addr;
        int32_t fd;
        uint32_t flags;
        struct __kernel_timespec timeout;
        uint8_t opcode, pad[7];
        uint64_t pad2[3];
    } sc;
    memset(&sc, 0, sizeof sc);
    sc.addr = 14;
    sc.fd = -1;
    sc.timeout.tv_sec = -1;
    sc.timeout.tv_nsec = -1;
    RAW("sync cancel", __NR_io_uring_register, r.fd, 24 /* IORING_REGISTER_SYNC_CANCEL */, &sc, 1);
    enter(&r, 0, 1);
    reap(&r, "sync cancel");
    sc.addr = 999;
    RAW("sync cancel nothing", __NR_io_uring_register, r.fd, 24, &sc, 1);

    /* Registered buffers: WRITE_FIXED and READ_FIXED */
    static char fixed[2][32];
    struct iovec reg[2] = {{fixed[0], 32}, {fixed[1], 32}};
    RAW("register buffers", __NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, reg, 2);
    strcpy(fixed[0], "fixed buffer data");
    s = sqe_get(&r, IORING_OP_WRITE_FIXED, 11);
    s->fd = f;
    s->addr = (uintptr_t)fixed[0];
    s->len = 17;
    s->off = 200;
    s->buf_index = 0;
    submit_wait(&r, "write_fixed", 1);
    s = sqe_get(&r, IORING_OP_READ_FIXED, 12);
    s->fd = f;
    s->addr = (uintptr_t)fixed[1] + 4;
    s->len = 17;
    s->off = 200;
    s->buf_index = 1;
    submit_wait(&r, "read_fixed", 1);
    printf("read_fixed: %.17s\n", fixed[1] + 4);
    s = sqe_get(&r, IORING_OP_READ_FIXED, 13);
    s->fd = f;
    s->addr = (uintptr_t)rbuf;
    s->len = 4;
    s->buf_index = 1;
    submit_wait(&r, "read_fixed outside", 1);
    RAW("unregister buffers", __NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS, 0, 0);

    /* A batch: three NOPs in one call, completions read without waiting */
    for (int i = 0; i < 3; i++)
        sqe_get(&r, IORING_OP_NOP, 20 + i);
    printf("batch: submitted %d\n", enter(&r, 3, 0));
    int seen = 0;
    for (int tries = 0; seen < 3 && tries < 1000; tries++) {
        seen += reap(&r, "batch");
        if (seen < 3)
            enter(&r, 0, 1);
    }

    /* Peeking as liburing does: no waiting enter, only one when the SQ
     * flags ask for it (IORING_SQ_TASKRUN) */
    struct __kernel_timespec pts = {0, 5 * 1000 * 1000};
    s = sqe_get(&r, IORING_OP_TIMEOUT, 40);
    s->addr = (uintptr_t)&pts;
    s->len = 1;
    printf("peek: submitted %d\n", enter(&r, 1, 0));
    int peeked = 0;
    for (int tries = 0; !peeked && tries < 5000; tries++) {
        peeked = reap(&r, "peek");
        if (!peeked && (__atomic_load_n(r.sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_TASKRUN))
            syscall(__NR_io_uring_enter, r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 8);
        if (!peeked)
            usleep(1000);
    }

    /* One thread waits, the other submits (and reaps) */
    waited = &r;
    pthread_t th;
    pthread_create(&th, NULL, waiter, NULL);
    usleep(50 * 1000);
    sqe_get(&r, IORING_OP_NOP, 42);
    printf("threads: submitted %d\n", enter(&r, 1, 0));
    pthread_join(th, NULL);
    printf("threads: waiter got %ld\n", wait_result);
    reap(&r, "threads");

    /* A registered ring descriptor: enter through its index */
    struct io_uring_rsrc_update upd = {(unsigned)-1, 0, (unsigned)r.fd};
    long rr = syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_RING_FDS, &upd, 1);
    printf("register ring fd: %ld\n", rr < 0 ? -(long)errno : rr);
    if (rr == 1) {
        sqe_get(&r, IORING_OP_NOP, 43);
        long n = syscall(__NR_io_uring_enter, upd.offset, 1, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_REGISTERED_RING,
                         NULL, 8);
        printf("registered enter: %ld\n", n < 0 ? -(long)errno : n);
        reap(&r, "registered");
        rr = syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_RING_FDS, &upd, 1);
        printf("unregister ring fd: %ld\n", rr < 0 ? -(long)errno : rr);
    }

    /* WAITID for a child that exits with status 3 */
    pid_t child = fork();
    if (child == 0)
        _exit(3);
    siginfo_t si;
    memset(&si, 0x5a, sizeof si);
    s = sqe_get(&r, 50 /* IORING_OP_WAITID */, 41);
    s->fd = child;
    s->len = P_PID;
    s->file_index = WEXITED;
    s->addr2 = (uintptr_t)&si;
    submit_wait(&r, "waitid", 1);
    printf("waitid: signo=%d code=%d status=%d pid-ok=%d\n", si.si_signo, si.si_code, si.si_status,
           si.si_pid == child);
    waitpid(child, NULL, WNOHANG);

    /* Errors: a bad opcode, a bad fd, an iovec array that is not mapped */
    sqe_get(&r, 250, 30);
    submit_wait(&r, "bad opcode", 1);
    s = sqe_get(&r, IORING_OP_READ, 31);
    s->fd = 999;
    s->addr = (uintptr_t)rbuf;
    s->len = 4;
    submit_wait(&r, "bad fd", 1);
    s = sqe_get(&r, IORING_OP_READV, 32);
    s->fd = f;
    s->addr = 0x10;
    s->len = 2;
    submit_wait(&r, "bad iovec", 1);
    RAW("enter bad fd", __NR_io_uring_enter, f, 0, 0, 0, 0, 0);
    RAW("register bad opcode", __NR_io_uring_register, r.fd, 9999, 0, 0);
    struct io_uring_params bad;
    memset(&bad, 0, sizeof bad);
    RAW("setup 0 entries", __NR_io_uring_setup, 0, &bad);
    RAW("setup bad params", __NR_io_uring_setup, 4, 0x10);
    /* A link whose head fails before submission (an unreadable iovec
     * array): the linked timeout is cancelled */
    struct __kernel_timespec lts = {1, 0};
    s = sqe_get(&r, IORING_OP_READV, 60);
    s->fd = f;
    s->addr = 0;
    s->len = 1;
    s->flags = IOSQE_IO_LINK;
    s = sqe_get(&r, IORING_OP_LINK_TIMEOUT, 61);
    s->addr = (uintptr_t)&lts;
    s->len = 1;
    submit_wait(&r, "failed link", 2);

    /* A request that fails before submission ends the batch: the kernel
     * takes it and leaves the rest in the ring for the next call */
    sqe_get(&r, IORING_OP_NOP, 62);
    s = sqe_get(&r, IORING_OP_READ, 63);
    s->fd = f;
    s->addr = (uintptr_t)rbuf;
    s->len = 4;
    s->ioprio = (unsigned short)-1;
    sqe_get(&r, IORING_OP_NOP, 64);
    printf("batch with a bad request: submitted %d\n", enter(&r, 3, 0));
    printf("then: submitted %d\n", enter(&r, 1, 0));
    enter(&r, 0, 1);
    reap(&r, "batch stop");
    sqe_get(&r, IORING_OP_NOP, 65);
    s = sqe_get(&r, IORING_OP_WRITEV, 66);
    s->fd = f;
    s->addr = 16;
    s->len = 2;
    sqe_get(&r, IORING_OP_NOP, 67);
    printf("batch with a bad iovec: submitted %d\n", enter(&r, 3, 0));
    printf("then: submitted %d\n", enter(&r, 1, 0));
    enter(&r, 0, 1);
    reap(&r, "batch stop iovec");

    OK("close ring", close(r.fd));

    /* A ring created disabled refuses submissions until enabled */
    struct ring dis;
    memset(&dis, 0, sizeof dis);
    if (ring_init_flags(&dis, 4, IORING_SETUP_R_DISABLED) == 0) {
        sqe_get(&dis, IORING_OP_NOP, 70);
        printf("disabled: enter %d\n", enter(&dis, 1, 0));
        RAW("enable rings", __NR_io_uring_register, dis.fd, IORING_REGISTER_ENABLE_RINGS, 0, 0);
        printf("enabled: enter %d\n", enter(&dis, 1, 1));
        reap(&dis, "enabled");
        close(dis.fd);
    }

    /* SQPOLL: the guest wakes the submission thread when asked to, and
     * enters when the flags ask for it */
    struct ring sp;
    memset(&sp, 0, sizeof sp);
    if (ring_init_flags(&sp, 4, IORING_SETUP_SQPOLL) == 0) {
        int pp[2];
        pipe(pp);
        write(pp[1], "sqpoll!", 7);
        char sa[4] = {0}, sb[4] = {0};
        struct iovec spv[2] = {{sa, 3}, {sb, 4}};
        s = sqe_get(&sp, IORING_OP_READV, 80);
        s->fd = pp[0];
        s->addr = (uintptr_t)spv;
        s->len = 2;
        if (__atomic_load_n(sp.sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_NEED_WAKEUP)
            syscall(__NR_io_uring_enter, sp.fd, 1, 0, IORING_ENTER_SQ_WAKEUP, NULL, 8);
        int got = 0;
        for (int tries = 0; !got && tries < 2000; tries++) {
            got = reap(&sp, "sqpoll");
            if (!got) {
                unsigned fl = __atomic_load_n(sp.sq_flags, __ATOMIC_ACQUIRE);
                if (fl & IORING_SQ_NEED_WAKEUP)
                    syscall(__NR_io_uring_enter, sp.fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 8);
                if (fl & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW))
                    syscall(__NR_io_uring_enter, sp.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 8);
                usleep(1000);
            }
        }
        printf("sqpoll read: [%s][%s]\n", sa, sb);
        close(sp.fd);
    } else {
        printf("sqpoll: setup failed\n");
    }

    /* A DEFER_TASKRUN ring: completions come only when the task asks for
     * events, here with a GETEVENTS enter that does not wait */
    struct ring d;
    struct io_uring_params dp;
    memset(&dp, 0, sizeof dp);
    dp.flags = (1u << 12) | (1u << 13); /* SINGLE_ISSUER | DEFER_TASKRUN */
    long dfd = syscall(__NR_io_uring_setup, 4, &dp);
    if (dfd < 0) {
        printf("defer_taskrun setup: -%s\n", ename(errno));
        return 0;
    }
    close(dfd);
    memset(&d, 0, sizeof d);
    if (ring_init_flags(&d, 4, dp.flags) == 0) {
        struct __kernel_timespec dts = {0, 2 * 1000 * 1000};
        s = sqe_get(&d, IORING_OP_TIMEOUT, 50);
        s->addr = (uintptr_t)&dts;
        s->len = 1;
        printf("defer: submitted %d\n", enter(&d, 1, 0));
        usleep(20 * 1000);
        int seen = 0;
        for (int tries = 0; !seen && tries < 1000; tries++) {
            seen = reap(&d, "defer");
            if (!seen) {
                syscall(__NR_io_uring_enter, d.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 8);
                usleep(1000);
            }
        }
    }
    return 0;
}
