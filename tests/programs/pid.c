/* Process identity: getpid/getppid/gettid/getuid and friends must agree with
 * each other and with the raw system calls.  Prints only booleans.
 * Exit status 21. */
#define _GNU_SOURCE
#include "common.h"
#include <sys/syscall.h>
#include <sys/resource.h>
#include <unistd.h>

int main(void)
{
    pid_t pid = getpid(), ppid = getppid();
    CHECK(pid > 1);
    CHECK(ppid > 0);
    CHECK(pid != ppid);
    CHECK(getpid() == pid);
    CHECK(syscall(SYS_getpid) == pid);
    CHECK(syscall(SYS_getppid) == ppid);
    CHECK(gettid() == pid);        /* single-threaded: tid == pid */
    CHECK(getpgrp() == getpgid(0));
    CHECK(getsid(0) > 0);
    CHECK(getuid() == geteuid());
    CHECK(getgid() == getegid());
    CHECK(syscall(SYS_getuid) == (long)getuid());
    CHECK(syscall(SYS_getgid) == (long)getgid());
    uid_t r, e, s;
    CHECK(getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid());
    int ng = getgroups(0, NULL);
    CHECK(ng >= 0);
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 0);
    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0);
    long pg = sysconf(_SC_PAGESIZE);
    printf("pagesize=%ld\n", pg);
    CHECK(sysconf(_SC_CLK_TCK) == 100);
    CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1);
    return 21;
}
