/* Helpers for the seccomp test programs: filters written with the
 * <linux/filter.h> macros that check the architecture first, as real
 * programs do, then match one syscall number (and optionally its first
 * argument). */
#ifndef X86RUN_SECCOMP_COMMON_H
#define X86RUN_SECCOMP_COMMON_H

#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define MY_ARCH AUDIT_ARCH_X86_64
#else
#define MY_ARCH AUDIT_ARCH_I386
#endif

#define ARG0_LO offsetof(struct seccomp_data, args[0])

static __attribute__((unused)) long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
    struct sock_fprog prog = { n, f };
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* Returns `ret` for syscall `nr`, allows everything else; kills the
 * process for a foreign architecture. */
static __attribute__((unused)) long filter_nr(long nr, unsigned ret, unsigned flags)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MY_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ret),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    return install(f, sizeof f / sizeof f[0], flags);
}

/* Returns `ret` for syscall `nr` when its first argument is `arg`. */
static __attribute__((unused)) long filter_nr_arg(long nr, unsigned arg, unsigned ret)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MY_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arg, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ret),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    return install(f, sizeof f / sizeof f[0], 0);
}

static __attribute__((unused)) void no_new_privs(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        printf("PR_SET_NO_NEW_PRIVS failed\n");
}

/* "rc" or "-1 errno N" */
static __attribute__((unused)) void show(const char *what, long rc)
{
    if (rc == -1)
        printf("%-40s -1 errno %d\n", what, errno);
    else
        printf("%-40s %ld\n", what, rc);
}

#endif
