/* Shared helpers for the syscall conformance programs: every line printed
 * must be the same natively, under x86run --backend compat and under
 * --backend translate, so only deterministic facts are shown (results,
 * errno names, sizes, booleans), never times, pids or inode numbers. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

/* The errno name of a failed call. */
static const char *ename(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* A call whose value is deterministic: "name = value" or "name = -1 ENAME". */
#define VAL(name, expr) do { \
    errno = 0; long long _r = (long long)(expr); int _e = errno; \
    if (_r == -1 && _e) printf("%s = -1 %s\n", name, ename(_e)); \
    else printf("%s = %lld\n", name, _r); } while (0)

/* A call whose success value varies (fds, pids, addresses): "ok" or the errno. */
#define OK(name, expr) do { \
    errno = 0; long long _r = (long long)(expr); int _e = errno; \
    if (_r == -1 && _e) printf("%s: -1 %s\n", name, ename(_e)); \
    else printf("%s: ok\n", name); } while (0)

/* A raw syscall's result: value or -ERRNO, without libc's errno dance. */
#define RAW(name, ...) do { \
    long _r = syscall(__VA_ARGS__); int _e = errno; \
    if (_r == -1) printf("%s = -1 %s\n", name, ename(_e)); \
    else printf("%s = %ld\n", name, _r); } while (0)

/* A fact: "name: value". */
#define SHOW(name, fmt, v) printf("%s: " fmt "\n", name, v)

#define SCRATCH(path) (scratch_dir(path))
static char scratch_buf[4096];
static const char *scratch_dir(const char *leaf) {
    const char *d = getenv("SC_SCRATCH");
    snprintf(scratch_buf, sizeof scratch_buf, "%s/%s", d ? d : "/tmp", leaf);
    return scratch_buf;
}
