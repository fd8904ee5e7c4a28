/* SysV IPC (through glibc, which uses the ipc multiplexer on i386, and the
 * direct i386 calls) and POSIX message queues. Shared memory must be
 * attached below 4 GiB. */
#include "sc.h"
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <sys/wait.h>
#include <sys/mman.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

int main(void) {
    int sem = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    OK("semget", sem);
    VAL("semctl SETVAL", semctl(sem, 1, SETVAL, (union semun){.val = 5}));
    VAL("semctl GETVAL", semctl(sem, 1, GETVAL));
    unsigned short vals[3] = {1, 2, 3};
    VAL("semctl SETALL", semctl(sem, 0, SETALL, (union semun){.array = vals}));
    unsigned short got[3] = {0};
    VAL("semctl GETALL", semctl(sem, 0, GETALL, (union semun){.array = got}));
    printf("getall %u %u %u\n", got[0], got[1], got[2]);
    struct semid_ds sd;
    VAL("semctl IPC_STAT", semctl(sem, 0, IPC_STAT, (union semun){.buf = &sd}));
    printf("sem: nsems=%lu mode=%o uid_ok=%d ctime>0 %d\n", (unsigned long)sd.sem_nsems, sd.sem_perm.mode & 0777,
           sd.sem_perm.uid == getuid(), sd.sem_ctime > 0);
    sd.sem_perm.mode = 0640;
    VAL("semctl IPC_SET", semctl(sem, 0, IPC_SET, (union semun){.buf = &sd}));
    semctl(sem, 0, IPC_STAT, (union semun){.buf = &sd});
    printf("sem mode now %o\n", sd.sem_perm.mode & 0777);
    struct sembuf op = {0, -1, IPC_NOWAIT};
    VAL("semop", semop(sem, &op, 1));
    VAL("semop EAGAIN", semop(sem, &op, 1));
    struct timespec to = {0, 10000000};
    op.sem_flg = 0;
    VAL("semtimedop EAGAIN", semtimedop(sem, &op, 1, &to));
    struct seminfo si;
    VAL("semctl IPC_INFO", semctl(sem, 0, IPC_INFO, (union semun){.buf = (void *)&si}) >= 0);
    printf("seminfo semmsl>0 %d\n", si.semmsl > 0);
    int shm = shmget(IPC_PRIVATE, 100000, IPC_CREAT | 0600);
    OK("shmget", shm);
    char *p = shmat(shm, NULL, 0);
    printf("shmat ok=%d below4g=%d\n", p != (void *)-1, (uintptr_t)p < 0xffffffffu);
    strcpy(p, "shared");
    char *q = shmat(shm, NULL, SHM_RDONLY);
    printf("second attach sees: %s distinct=%d\n", q, p != q);
    struct shmid_ds ds;
    VAL("shmctl IPC_STAT", shmctl(shm, IPC_STAT, &ds));
    printf("shm: segsz=%lu nattch=%lu mode=%o cpid_ok=%d\n", (unsigned long)ds.shm_segsz, (unsigned long)ds.shm_nattch,
           ds.shm_perm.mode & 0777, ds.shm_cpid == getpid());
    fflush(stdout);
    if (fork() == 0) {
        char *c = shmat(shm, NULL, 0);
        strcpy(c, "child wrote");
        _exit(0);
    }
    wait(NULL);
    printf("after child: %s\n", p);
    VAL("shmdt", shmdt(q));
    VAL("shmdt EINVAL", shmdt(q));
    /* A fixed address known to be free: reserve it, then release it. */
    char *hole = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 1 << 20);
    char *fixed = shmat(shm, hole, 0);
    printf("fixed attach ok=%d at_hint=%d\n", fixed != (void *)-1, fixed == hole);
    if (fixed != (void *)-1) shmdt(fixed);
    VAL("shmat unaligned EINVAL", (long)shmat(shm, p + 1, 0));
    VAL("shmdt", shmdt(p));
    struct shminfo inf;
    VAL("shmctl IPC_INFO", shmctl(0, IPC_INFO, (void *)&inf) >= 0);
    printf("shminfo shmmax>0 %d shmmni>0 %d\n", inf.shmmax > 0, inf.shmmni > 0);
    struct shm_info sinf;
    VAL("shmctl SHM_INFO", shmctl(0, SHM_INFO, (void *)&sinf) >= 0);
    VAL("shmctl IPC_RMID", shmctl(shm, IPC_RMID, NULL));
    int mq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    OK("msgget", mq);
    struct { long type; char text[32]; } msg = {7, "message seven"}, in;
    VAL("msgsnd", msgsnd(mq, &msg, strlen(msg.text) + 1, 0));
    msg.type = 3;
    strcpy(msg.text, "three");
    VAL("msgsnd 2", msgsnd(mq, &msg, 6, 0));
    struct msqid_ds md;
    VAL("msgctl IPC_STAT", msgctl(mq, IPC_STAT, &md));
    printf("msq: qnum=%lu cbytes=%lu lspid_ok=%d qbytes>0 %d\n", (unsigned long)md.msg_qnum,
           (unsigned long)md.__msg_cbytes, md.msg_lspid == getpid(), md.msg_qbytes > 0);
    VAL("msgrcv type 3", msgrcv(mq, &in, sizeof in.text, 3, 0));
    printf("got type=%ld text=%s\n", in.type, in.text);
    VAL("msgrcv any", msgrcv(mq, &in, sizeof in.text, 0, 0));
    printf("got type=%ld text=%s\n", in.type, in.text);
    VAL("msgrcv ENOMSG", msgrcv(mq, &in, sizeof in.text, 0, IPC_NOWAIT));
    VAL("msgrcv E2BIG", (msgsnd(mq, &msg, 6, 0), msgrcv(mq, &in, 2, 0, IPC_NOWAIT)));
    VAL("msgrcv negative type", msgrcv(mq, &in, sizeof in.text, -5, IPC_NOWAIT));
    md.msg_qbytes = 4096;
    VAL("msgctl IPC_SET", msgctl(mq, IPC_SET, &md));
    msgctl(mq, IPC_STAT, &md);
    printf("qbytes now %lu\n", (unsigned long)md.msg_qbytes);
    VAL("msgctl IPC_RMID", msgctl(mq, IPC_RMID, NULL));
#ifdef __i386__
    /* The direct i386 calls (since Linux 5.1), IPC_64 layouts. */
    long s2 = syscall(394 - 1, IPC_PRIVATE, 1, IPC_CREAT | 0600);
    printf("raw semget ok=%d\n", s2 >= 0);
    unsigned char b[128];
    memset(b, 0xcc, sizeof b);
    RAW("raw semctl IPC_STAT", 394, s2, 0, IPC_STAT, b);
    printf("raw sem: mode=%o nsems=%u unused3=%08x\n", *(uint16_t *)(b + 20) & 0777, *(uint32_t *)(b + 52),
           *(uint32_t *)(b + 56));
    RAW("raw semctl RMID", 394, s2, 0, IPC_RMID, 0);
    long m2 = syscall(395, IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    long addr = syscall(397, m2, 0, 0);
    printf("raw shmat ok=%d below4g=%d\n", addr != -1, (unsigned long)addr < 0xffffffffUL);
    memset(b, 0xcc, sizeof b);
    RAW("raw shmctl IPC_STAT", 396, m2, IPC_STAT, b);
    printf("raw shm: segsz=%u nattch=%u cpid_ok=%d tail=%02x\n", *(uint32_t *)(b + 36), *(uint32_t *)(b + 72),
           *(int32_t *)(b + 64) == getpid(), b[84]);
    RAW("raw shmdt", 398, addr);
    RAW("raw shmctl RMID", 396, m2, IPC_RMID, 0);
    long q2 = syscall(399, IPC_PRIVATE, IPC_CREAT | 0600);
    struct { int32_t type; char text[8]; } m32 = {-1, "neg"};
    RAW("raw msgsnd EINVAL", 400, q2, &m32, 4, 0);
    m32.type = 9;
    RAW("raw msgsnd", 400, q2, &m32, 4, 0);
    memset(&m32, 0, sizeof m32);
    RAW("raw msgrcv", 401, q2, &m32, 8, 0, 0);
    printf("raw msg type=%d text=%s\n", m32.type, m32.text);
    memset(b, 0xcc, sizeof b);
    RAW("raw msgctl IPC_STAT", 402, q2, IPC_STAT, b);
    printf("raw msq: qnum=%u qbytes>0 %d tail=%02x\n", *(uint32_t *)(b + 64), *(uint32_t *)(b + 68) > 0, b[88]);
    RAW("raw msgctl RMID", 402, q2, IPC_RMID, 0);
    /* ipc() multiplexer directly: SHMAT writes the address through the 3rd argument. */
    long m3 = syscall(SYS_ipc, 23, IPC_PRIVATE, 4096, IPC_CREAT | 0600, 0, 0);
    uint32_t raddr = 0;
    RAW("raw ipc SHMAT", SYS_ipc, 21, m3, 0, &raddr, 0, 0);
    printf("ipc shmat addr nonzero %d\n", raddr != 0);
    RAW("raw ipc SHMDT", SYS_ipc, 22, 0, 0, 0, (void *)(uintptr_t)raddr, 0);
    RAW("raw ipc SHMCTL RMID", SYS_ipc, 24, m3, IPC_RMID | 0x100, 0, 0, 0);
    RAW("raw ipc bad call", SYS_ipc, 99, 0, 0, 0, 0, 0);
    /* Without IPC_64: the old structs with 16-bit ids and pids. */
    long s3 = syscall(SYS_ipc, 2, IPC_PRIVATE, 2, IPC_CREAT | 0640, 0, 0);
    unsigned char o[64];
    uint32_t argp = (uint32_t)(uintptr_t)o;
    memset(o, 0xcc, sizeof o);
    RAW("raw ipc SEMCTL old IPC_STAT", SYS_ipc, 3, s3, 0, IPC_STAT, &argp, 0);
    printf("old sem: mode=%o uid=%u seq_set=%d nsems=%u end=%02x\n", *(uint16_t *)(o + 12), *(uint16_t *)(o + 4),
           *(uint16_t *)(o + 14) < 0x8000, *(uint16_t *)(o + 40), o[44]);
    *(uint16_t *)(o + 12) = 0600;
    RAW("raw ipc SEMCTL old IPC_SET", SYS_ipc, 3, s3, 0, IPC_SET, &argp, 0);
    RAW("raw ipc SEMCTL IPC_64 STAT", SYS_ipc, 3, s3, 0, IPC_STAT | 0x100, &argp, 0);
    printf("sem mode after old set: %o\n", *(uint16_t *)(o + 20));
    syscall(SYS_ipc, 3, s3, 0, IPC_RMID, &argp, 0);
    long m4 = syscall(SYS_ipc, 23, IPC_PRIVATE, 8192, IPC_CREAT | 0600, 0, 0);
    memset(o, 0xcc, sizeof o);
    RAW("raw ipc SHMCTL old IPC_STAT", SYS_ipc, 24, m4, IPC_STAT, 0, o, 0);
    printf("old shm: segsz=%d cpid_ok=%d nattch=%u end=%02x\n", *(int32_t *)(o + 16),
           *(uint16_t *)(o + 32) == (uint16_t)getpid(), *(uint16_t *)(o + 36), o[48]);
    memset(o, 0xcc, sizeof o);
    long mx = syscall(SYS_ipc, 24, m4, 3 /* IPC_INFO */, 0, o, 0);
    printf("old shminfo: ok=%d shmmax=%d end=%02x\n", mx >= 0, *(int32_t *)o, o[20]);
    syscall(SYS_ipc, 24, m4, IPC_RMID, 0, 0, 0);
    long q4 = syscall(SYS_ipc, 13, IPC_PRIVATE, IPC_CREAT | 0600, 0, 0, 0);
    memset(o, 0xcc, sizeof o);
    RAW("raw ipc MSGCTL old IPC_STAT", SYS_ipc, 14, q4, IPC_STAT, 0, o, 0);
    printf("old msq: qbytes=%u qnum=%u lqbytes=%08x end=%02x\n", *(uint16_t *)(o + 48), *(uint16_t *)(o + 46),
           *(uint32_t *)(o + 40), o[56]);
    *(uint16_t *)(o + 48) = 2048;
    RAW("raw ipc MSGCTL old IPC_SET", SYS_ipc, 14, q4, IPC_SET, 0, o, 0);
    syscall(SYS_ipc, 14, q4, IPC_STAT, 0, o, 0);
    printf("old msq qbytes now %u\n", *(uint16_t *)(o + 48));
    syscall(SYS_ipc, 14, q4, IPC_RMID, 0, 0, 0);
#endif
    char name[64];
    snprintf(name, sizeof name, "/x86run-sc-%d", getpid() % 7);
    mq_unlink(name);
    struct mq_attr at = {.mq_maxmsg = 4, .mq_msgsize = 64};
    mqd_t d = mq_open(name, O_CREAT | O_RDWR | O_EXCL, 0600, &at);
    OK("mq_open", d);
    VAL("mq_send", mq_send(d, "hi", 2, 5));
    struct timespec abs;
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_sec += 1;
    VAL("mq_timedsend", mq_timedsend(d, "there", 5, 1, &abs));
    struct mq_attr ga;
    VAL("mq_getattr", mq_getattr(d, &ga));
    printf("mq attr maxmsg=%ld msgsize=%ld curmsgs=%ld flags=%ld\n", ga.mq_maxmsg, ga.mq_msgsize, ga.mq_curmsgs, ga.mq_flags);
    char rb[64] = {0};
    unsigned prio = 0;
    VAL("mq_receive", mq_receive(d, rb, sizeof rb, &prio));
    printf("mq got %s prio %u\n", rb, prio);
    memset(rb, 0, sizeof rb);
    VAL("mq_timedreceive", mq_timedreceive(d, rb, sizeof rb, &prio, &abs));
    printf("mq got %s prio %u\n", rb, prio);
    struct mq_attr na = {.mq_flags = O_NONBLOCK}, oa;
    VAL("mq_setattr", mq_setattr(d, &na, &oa));
    VAL("mq_receive EAGAIN", mq_receive(d, rb, sizeof rb, &prio));
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    VAL("mq_notify", mq_notify(d, &sev));
    VAL("mq_notify EBUSY", mq_notify(d, &sev));
    VAL("mq_notify remove", mq_notify(d, NULL));
    VAL("mq_unlink", mq_unlink(name));
    VAL("mq_open ENOENT", mq_open(name, O_RDONLY));
    return 0;
}
