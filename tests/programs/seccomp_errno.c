/* seccomp ERRNO, TRACE (no tracer) and LOG actions, argument matching,
 * install rules and errors, SECCOMP_GET_ACTION_AVAIL and PR_GET_SECCOMP.
 * Exit status 50. */
#include "seccomp_common.h"
#include <string.h>
#include <sys/wait.h>

/* int $0x80 from a 64-bit process is an i386 syscall, seen with arch
 * I386: with only a filter that answers foreign-arch calls, and (second
 * run) with the filters above, whose arch check kills. */
static void compat_child(int second)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
#ifdef __x86_64__
        struct sock_filter compat[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 50),
            BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
            BPF_STMT(BPF_RET | BPF_A, 0),
        };
        if (!second)
            show("child: install i386-arch filter", install(compat, sizeof compat / sizeof compat[0], 0));
        long r80;
        __asm__ volatile("int $0x80" : "=a"(r80) : "a"(64L) : "memory");
        printf("%-40s %ld\n", "child: int $0x80 getppid (i386 nr 64)", r80);
        fflush(stdout);
#else
        if (!second) {
            printf("%-40s %d\n", "child: install i386-arch filter", 0);
            printf("%-40s %ld\n", "child: int $0x80 getppid (i386 nr 64)", -114L);
            fflush(stdout);
        }
#endif
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("compat child %d: signaled=%d sig=%d\n", second, WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

int main(void)
{
    show("PR_GET_SECCOMP before", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    struct sock_filter bad_jump[] = {
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 5, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_filter bad_load[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_filter no_ret[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
    };
    no_new_privs();
    show("bad jump", install(bad_jump, 2, 0));
    show("unaligned load", install(bad_load, 2, 0));
    show("no return", install(no_ret, 1, 0));
    show("empty", install(bad_jump, 0, 0));
    show("bad flags", install(bad_jump + 1, 1, 1u << 20));
    show("bad fprog pointer", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (void *)8));
    show("bad op", syscall(SYS_seccomp, 77, 0, NULL));
    show("strict with args", syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, (void *)1));
    unsigned acts[] = { SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP,
                        SECCOMP_RET_ERRNO, SECCOMP_RET_TRACE, SECCOMP_RET_LOG,
                        SECCOMP_RET_ALLOW, 0x12340000u };
    for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "action avail %#x", acts[i]);
        show(name, syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &acts[i]));
    }
    show("PR_GET_SECCOMP still", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    compat_child(0);

    show("install ERRNO(42) getpid", filter_nr(SYS_getpid, SECCOMP_RET_ERRNO | 42, 0));
    show("PR_GET_SECCOMP after", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    show("getpid", syscall(SYS_getpid));
    show("getppid > 0", syscall(SYS_getppid) > 0);
    show("install ERRNO(5000) getuid (TSYNC)",
         filter_nr(SYS_getuid, SECCOMP_RET_ERRNO | 5000, SECCOMP_FILTER_FLAG_TSYNC));
    show("getuid (capped)", syscall(SYS_getuid));
    show("install TRACE getgid", filter_nr(SYS_getgid, SECCOMP_RET_TRACE | 3, 0));
    show("getgid (no tracer)", syscall(SYS_getgid));
    show("install LOG geteuid", filter_nr(SYS_geteuid, SECCOMP_RET_LOG, SECCOMP_FILTER_FLAG_LOG));
    show("geteuid (logged, allowed) >= 0", syscall(SYS_geteuid) >= 0);
    show("install ERRNO(77) close(12345)", filter_nr_arg(SYS_close, 12345, SECCOMP_RET_ERRNO | 77));
    show("close(12345)", close(12345));
    show("close(12346)", close(12346));
    show("write still works", write(1, "", 0));
    /* A filter computing its result: scratch memory, X, LEN and ALU ops. */
    struct sock_filter calc[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MY_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_dup, 0, 18),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
        BPF_STMT(BPF_ST, 3),
        BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 3),
        BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3ff),
        BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 4),
        BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 4),
        BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 1),
        BPF_STMT(BPF_MISC | BPF_TAX, 0),
        BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 63, 0, 8),
        BPF_STMT(BPF_LD | BPF_MEM, 3),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x80, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 200, 3, 0),
        BPF_STMT(BPF_MISC | BPF_TXA, 0),
        BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
        BPF_STMT(BPF_RET | BPF_A, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 7),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    };
    show("install computing filter on dup", install(calc, sizeof calc / sizeof calc[0], 0));
    show("dup(5)", dup(5));
    show("dup(100)", dup(100));
    show("dup(128) (allowed)", dup(128));
    show("dup(300)", dup(300));
    struct sock_filter mod[] = {
        BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    show("MOD is refused", install(mod, 2, 0));
    struct sock_filter unset_mem[] = {
        BPF_STMT(BPF_LD | BPF_MEM, 2),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    show("load of unset scratch is refused", install(unset_mem, 2, 0));
    show("strict after filter", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0));
    show("PR_SET_SECCOMP bad mode", prctl(PR_SET_SECCOMP, 7, 0, 0, 0));
    struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    struct sock_fprog prog = { 1, allow };
    show("PR_SET_SECCOMP filter", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0));
    show("getpid again", syscall(SYS_getpid));
    compat_child(1);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Seccomp", 7) == 0 || strncmp(line, "NoNewPrivs", 10) == 0)
            fputs(line, stdout);
    if (f)
        fclose(f);
    return 50;
}
