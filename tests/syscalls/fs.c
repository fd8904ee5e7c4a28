/* Files, paths and descriptors: the stat and statfs families (raw i386
 * layouts too), directory entries, fcntl locks, offsets split over two
 * registers, iovec calls, sendfile, the utime family and the legacy path
 * calls. */
#include "sc.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <utime.h>
#include <stdint.h>

static void dump_stat(const char *what, const struct stat *st) {
    printf("%s: mode=%o nlink=%lu size=%lld blksize>0=%d uid_ok=%d\n", what,
           (unsigned)st->st_mode, (unsigned long)st->st_nlink, (long long)st->st_size,
           st->st_blksize > 0, st->st_uid == getuid());
}

static void raw_stats(const char *file, int fd) {
#ifdef __i386__
    unsigned char b[128];
    /* struct stat64: pads untouched, fields at their i386 offsets. */
    memset(b, 0xAA, sizeof b);
    long r = syscall(SYS_stat64, file, b);
    printf("raw stat64 = %ld mode=%o nlink=%u size=%lld blksize=%u pad0=%02x%02x pad3=%02x tail=%02x ino_match=%d\n", r,
           *(uint32_t *)(b + 16), *(uint32_t *)(b + 20), *(long long *)(b + 44), *(uint32_t *)(b + 52),
           b[8], b[11], b[40], b[96], *(uint32_t *)(b + 12) == (uint32_t)*(uint64_t *)(b + 88));
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_fstat64, fd, b);
    printf("raw fstat64 = %ld mode=%o size=%lld\n", r, *(uint32_t *)(b + 16), *(long long *)(b + 44));
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_lstat64, file, b);
    printf("raw lstat64 = %ld mode=%o\n", r, *(uint32_t *)(b + 16));
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_fstatat64, AT_FDCWD, file, b, 0);
    printf("raw fstatat64 = %ld mode=%o size=%lld\n", r, *(uint32_t *)(b + 16), *(long long *)(b + 44));
    /* The old struct stat: 16-bit mode/nlink/uid/gid, 32-bit size. */
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_stat, file, b);
    printf("raw stat = %ld mode=%o nlink=%u uid_ok=%d size=%u unused=%08x tail=%02x\n", r, *(uint16_t *)(b + 8),
           *(uint16_t *)(b + 10), *(uint16_t *)(b + 12) == (uint16_t)getuid(), *(uint32_t *)(b + 20),
           *(uint32_t *)(b + 56), b[64]);
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_fstat, fd, b);
    printf("raw fstat = %ld mode=%o size=%u\n", r, *(uint16_t *)(b + 8), *(uint32_t *)(b + 20));
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_lstat, file, b);
    printf("raw lstat = %ld mode=%o\n", r, *(uint16_t *)(b + 8));
    RAW("raw oldstat", 18, file, b);
    RAW("raw oldfstat", 28, fd, b);
    RAW("raw stat EFAULT", SYS_stat64, file, (void *)8);
    RAW("raw stat ENOENT", SYS_stat64, "/nonexistent/x", b);
    /* statfs: 32-bit words; statfs64 takes a size (84). */
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_statfs, file, b);
    printf("raw statfs = %ld type_nonzero=%d bsize=%u namelen=%u spare=%08x\n", r, *(uint32_t *)b != 0,
           *(uint32_t *)(b + 4), *(uint32_t *)(b + 36), *(uint32_t *)(b + 48));
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_statfs64, file, 84, b);
    printf("raw statfs64 = %ld bsize=%u namelen=%u frsize=%u tail=%02x\n", r, *(uint32_t *)(b + 4),
           *(uint32_t *)(b + 56), *(uint32_t *)(b + 60), b[84]);
    RAW("raw statfs64 size 88", SYS_statfs64, file, 88, b);
    memset(b, 0xAA, sizeof b);
    r = syscall(SYS_fstatfs64, fd, 84, b);
    printf("raw fstatfs64 = %ld bsize=%u\n", r, *(uint32_t *)(b + 4));
    r = syscall(SYS_fstatfs, fd, b);
    printf("raw fstatfs = %ld bsize=%u\n", r, *(uint32_t *)(b + 4));
    /* Split 64-bit offsets. */
    long long res = -5;
    r = syscall(SYS__llseek, fd, 1, 5, &res, SEEK_SET);
    printf("raw _llseek = %ld res=%lld\n", r, res);
    RAW("raw lseek -1 SEEK_END", SYS_lseek, fd, -1, SEEK_END);
    RAW("raw lseek negative", SYS_lseek, fd, -100, SEEK_SET);
    RAW("raw ftruncate64", SYS_ftruncate64, fd, 0x1000, 0);
    RAW("raw truncate64", SYS_truncate64, file, 100, 0);
    RAW("raw ftruncate", SYS_ftruncate, fd, 200);
    RAW("raw truncate -1", SYS_truncate, file, -1);
    char c = 0;
    RAW("raw pread64", SYS_pread64, fd, &c, 1, 3, 0);
    RAW("raw pwrite64", SYS_pwrite64, fd, "Z", 1, 150, 0);
    RAW("raw readahead", SYS_readahead, fd, 0, 0, 4096);
    RAW("raw fadvise64", SYS_fadvise64, fd, 0, 0, 100, POSIX_FADV_SEQUENTIAL);
    RAW("raw fadvise64_64", SYS_fadvise64_64, fd, 0, 0, 100, 0, POSIX_FADV_NORMAL);
    RAW("raw fadvise64_64 bad", SYS_fadvise64_64, fd, 0, 0, 100, 0, 99);
    RAW("raw fallocate", SYS_fallocate, fd, 0, 0, 0, 8192, 0);
    RAW("raw sync_file_range", SYS_sync_file_range, fd, 0, 0, 100, 0, 0);
    RAW("raw fstatfs64 EINVAL", SYS_fstatfs64, fd, 12, b);
    /* 16-bit ids. */
    RAW("raw chown16 keep", SYS_chown, file, 0xffff, 0xffff);
    RAW("raw lchown16 keep", SYS_lchown, file, 0xffff, 0xffff);
    RAW("raw fchown16 keep", SYS_fchown, fd, 0xffff, 0xffff);
    RAW("raw chown32 keep", SYS_chown32, file, -1, -1);
    RAW("raw oldumount ENOENT", SYS_umount, "/nonexistent-x86run");
#endif
}

static void locks(int fd) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 20};
    VAL("fcntl F_SETLK", fcntl(fd, F_SETLK, &fl));
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    VAL("fcntl F_GETLK (own)", fcntl(fd, F_GETLK, &q));
    printf("getlk type=%d start=%lld len=%lld\n", q.l_type, (long long)q.l_start, (long long)q.l_len);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct flock c = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        int r = fcntl(fd, F_GETLK, &c);
        printf("child getlk r=%d type=%d start=%lld len=%lld pid_is_parent=%d\n", r, c.l_type,
               (long long)c.l_start, (long long)c.l_len, c.l_pid == getppid());
        struct flock o = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        r = fcntl(fd, F_OFD_GETLK, &o);
        printf("child ofd getlk r=%d type=%d start=%lld\n", r, o.l_type, (long long)o.l_start);
        struct flock s = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 15, .l_len = 1};
        r = fcntl(fd, F_SETLK, &s);
        printf("child setlk r=%d %s\n", r, r ? ename(errno) : "");
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(child, &st, 0);
#ifdef __i386__
    /* The 32-bit struct flock of fcntl (not fcntl64). */
    struct { short type, whence; int start, len, pid; } f32 = {F_RDLCK, SEEK_SET, 0, 0, 0};
    RAW("raw fcntl F_GETLK", SYS_fcntl, fd, F_GETLK, &f32);
    printf("raw getlk32 type=%d start=%d len=%d\n", f32.type, f32.start, f32.len);
    RAW("raw fcntl F_GETLK64 (EINVAL)", SYS_fcntl, fd, 12, &f32);
    struct __attribute__((packed)) { short type, whence; long long start, len; int pid; } f64 = {F_RDLCK, SEEK_SET, 0, 0, 0};
    RAW("raw fcntl64 F_GETLK64", SYS_fcntl64, fd, 12, &f64);
    printf("raw getlk64 type=%d start=%lld len=%lld\n", f64.type, f64.start, f64.len);
    f64.type = F_UNLCK; f64.start = 10; f64.len = 20;
    RAW("raw fcntl64 F_SETLK64", SYS_fcntl64, fd, 13, &f64);
#endif
    fl.l_type = F_UNLCK;
    VAL("fcntl unlock", fcntl(fd, F_SETLK, &fl));
    VAL("flock LOCK_EX", flock(fd, LOCK_EX | LOCK_NB));
    VAL("flock LOCK_UN", flock(fd, LOCK_UN));
    int fl_flags = fcntl(fd, F_GETFL);
    printf("F_GETFL accmode=%d append=%d nonblock=%d largefile=%d direct=%d\n", fl_flags & O_ACCMODE,
           !!(fl_flags & O_APPEND), !!(fl_flags & O_NONBLOCK), !!(fl_flags & 0100000), !!(fl_flags & O_DIRECT));
    VAL("F_SETFL", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    fl_flags = fcntl(fd, F_GETFL);
    printf("F_GETFL after: append=%d nonblock=%d\n", !!(fl_flags & O_APPEND), !!(fl_flags & O_NONBLOCK));
    fcntl(fd, F_SETFL, 0);
    VAL("F_GETFD", fcntl(fd, F_GETFD));
    VAL("F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC));
    VAL("F_GETFD after", fcntl(fd, F_GETFD));
    struct f_owner_ex own = {0};
    VAL("F_GETOWN_EX", fcntl(fd, F_GETOWN_EX, &own));
    printf("owner type=%d pid=%d\n", own.type, own.pid);
}

static void dirs(const char *d) {
    char p[4200];
    for (int i = 0; i < 40; i++) {
        snprintf(p, sizeof p, "%s/entry-%02d-%s", d, i, i % 3 ? "x" : "a-much-longer-name-to-vary-record-lengths");
        close(open(p, O_CREAT | O_WRONLY, 0644));
    }
    DIR *dir = opendir(d);
    int n = 0, types = 0;
    long pos_at_10 = 0;
    char name10[300] = "";
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (n == 10) {
            pos_at_10 = telldir(dir);
            strcpy(name10, e->d_name);
        }
        n++;
        types += e->d_type == DT_REG;
    }
    printf("readdir: %d entries, %d regular, errno=%s\n", n, types, errno ? ename(errno) : "0");
    seekdir(dir, pos_at_10);
    e = readdir(dir);
    int after = 1;
    while (readdir(dir)) after++;
    printf("seekdir/telldir: %d entries after position 10\n", after);
    (void)name10;
    closedir(dir);
    int fd = open(d, O_RDONLY | O_DIRECTORY);
    char buf[1024];
    long total = 0, r, calls = 0;
    while ((r = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) { total += r > 0; calls++;
        for (long o = 0; o < r;) { struct dirent64 *x = (void *)(buf + o); total += 0; o += x->d_reclen; } }
    printf("getdents64: calls>1 %d last=%ld\n", calls > 1, r);
    RAW("getdents64 EINVAL (tiny)", SYS_getdents64, fd, buf, 8);
#ifdef __i386__
    lseek(fd, 0, SEEK_SET);
    int count = 0;
    while ((r = syscall(SYS_getdents, fd, buf, sizeof buf)) > 0) {
        for (long o = 0; o < r;) {
            unsigned short reclen = *(unsigned short *)(buf + o + 8);
            unsigned char type = buf[o + reclen - 1];
            count += type == DT_REG || type == DT_DIR;
            o += reclen;
        }
    }
    printf("raw getdents: %d typed entries, last=%ld\n", count, r);
    lseek(fd, 0, SEEK_SET);
    int rd = 0;
    unsigned char od[300];
    while (syscall(SYS_readdir, fd, od, 1) == 1) rd++;
    printf("raw readdir: %d entries\n", rd);
#endif
    close(fd);
}

int main(void) {
    const char *file = strdup(SCRATCH("f1"));
    const char *dir = strdup(SCRATCH("dir"));
    const char *link_ = strdup(SCRATCH("lnk"));
    int fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0640);
    OK("open", fd);
    VAL("write", write(fd, "hello world\n", 12));
    struct stat st;
    struct timespec ts0[2] = {{1000, 5}, {2000, 6}};
    futimens(fd, ts0);
    VAL("fstat", fstat(fd, &st));
    dump_stat("fstat", &st);
    struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
    VAL("futimens", futimens(fd, ts));
    VAL("stat", stat(file, &st));
    dump_stat("stat", &st);
    VAL("symlink", symlink("f1", link_));
    VAL("lstat", lstat(link_, &st));
    printf("lstat: is_link=%d size=%lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
    char lbuf[64] = {0};
    VAL("readlink", readlink(link_, lbuf, sizeof lbuf));
    printf("readlink: %s\n", lbuf);
    struct statx sx;
    VAL("statx", statx(AT_FDCWD, file, 0, STATX_ALL, &sx));
    printf("statx: size=%llu mode=%o mtime=%lld\n", (unsigned long long)sx.stx_size, sx.stx_mode,
           (long long)sx.stx_mtime.tv_sec);
    struct statfs sf;
    VAL("statfs", statfs(file, &sf));
    printf("statfs: bsize>0=%d namelen=%ld\n", sf.f_bsize > 0, (long)sf.f_namelen);
    struct statvfs sv;
    VAL("fstatvfs", fstatvfs(fd, &sv));
    struct utimbuf ub = {111111, 222222};
    VAL("utime", utime(file, &ub));
    VAL("stat", stat(file, &st));
    printf("utime: atime=%lld mtime=%lld\n", (long long)st.st_atime, (long long)st.st_mtime);
    struct timeval tv[2] = {{333, 444}, {555, 666}};
    VAL("utimes", utimes(file, tv));
    stat(file, &st);
    printf("utimes: mtime=%lld.%09ld\n", (long long)st.st_mtime, st.st_mtim.tv_nsec);
    struct timeval badtv[2] = {{1, 2000000}, {1, 0}};
    VAL("utimes EINVAL", utimes(file, badtv));
    VAL("futimesat", futimesat(AT_FDCWD, file, tv));
    struct timespec omit[2] = {{0, UTIME_OMIT}, {777, UTIME_OMIT}};
    VAL("utimensat omit", utimensat(AT_FDCWD, file, omit, 0));
    VAL("utimensat NULL", utimensat(AT_FDCWD, file, NULL, AT_SYMLINK_NOFOLLOW) == 0);
    raw_stats(file, fd);
    locks(fd);
    VAL("access R_OK", access(file, R_OK));
    VAL("access ENOENT", access("/nonexistent", F_OK));
    VAL("chmod", chmod(file, 0600));
    stat(file, &st);
    printf("chmod: mode=%o\n", st.st_mode & 0777);
    VAL("truncate", truncate(file, 5000));
    stat(file, &st);
    printf("truncate: size=%lld\n", (long long)st.st_size);
    VAL("lseek SEEK_END", lseek(fd, 0, SEEK_END));
    VAL("lseek64 big", lseek64(fd, 0x100000000LL, SEEK_SET));
    VAL("lseek64 back", lseek64(fd, 0, SEEK_CUR));
    VAL("pwrite64 far", pwrite64(fd, "x", 1, 0x100000005LL));
    fstat(fd, &st);
    printf("size after far write: %lld\n", (long long)st.st_size);
    VAL("ftruncate64", ftruncate64(fd, 3000));
    char rb[16] = {0};
    VAL("pread64", pread64(fd, rb, 5, 0));
    printf("pread64: %s\n", rb);
    struct iovec iov[3] = {{rb, 3}, {rb + 3, 0}, {rb + 8, 4}};
    VAL("preadv", preadv(fd, iov, 3, 1));
    VAL("preadv2", preadv2(fd, iov, 3, 2, 0));
    VAL("preadv2 cur", preadv2(fd, iov, 3, -1, 0));
    VAL("pwritev", pwritev(fd, iov, 3, 100));
    VAL("pwritev2", pwritev2(fd, iov, 3, 200, RWF_DSYNC));
    lseek(fd, 0, SEEK_SET);
    VAL("readv", readv(fd, iov, 3));
    VAL("writev", writev(fd, iov, 3));
    struct iovec bad[1] = {{rb, (size_t)-5}};
    VAL("readv EINVAL", readv(fd, bad, 1));
    VAL("readv EINVAL count", syscall(SYS_readv, fd, iov, 5000));
    VAL("readv EFAULT", readv(fd, (struct iovec *)8, 1));
    int out = open(SCRATCH("copy"), O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 2;
    VAL("sendfile", sendfile(out, fd, &off, 7));
    printf("sendfile offset now %lld\n", (long long)off);
    loff_t o64 = 1;
    VAL("sendfile64", sendfile64(out, fd, &o64, 3));
    VAL("copy_file_range", copy_file_range(fd, NULL, out, NULL, 10, 0) >= 0);
    VAL("fallocate", fallocate(out, 0, 0, 65536));
    VAL("posix_fadvise", posix_fadvise(out, 0, 0, POSIX_FADV_DONTNEED));
    VAL("sync_file_range", sync_file_range(out, 0, 0, 0));
    VAL("fsync", fsync(out));
    VAL("fdatasync", fdatasync(out));
    int p[2];
    VAL("pipe", pipe(p));
    VAL("pipe2", pipe2(p, O_CLOEXEC | O_NONBLOCK));
    VAL("dup2 same", dup2(out, out) == out);
    VAL("dup2 EBADF", dup2(999, 999));
    VAL("dup2", dup2(out, 100));
    VAL("dup3 EINVAL", dup3(100, 100, 0));
    VAL("close", close(100));
    VAL("mkdir", mkdir(dir, 0755));
    VAL("mkdir EEXIST", mkdir(dir, 0755));
    dirs(dir);
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    VAL("mkdirat", mkdirat(AT_FDCWD, sub, 0700));
    VAL("rmdir", rmdir(sub));
    VAL("rmdir ENOTEMPTY", rmdir(dir));
    VAL("link", link(file, SCRATCH("hard")));
    stat(file, &st);
    printf("nlink after link: %lu\n", (unsigned long)st.st_nlink);
    VAL("rename", rename(SCRATCH("hard"), SCRATCH("hard2")));
    VAL("renameat2 NOREPLACE", renameat2(AT_FDCWD, SCRATCH("hard2"), AT_FDCWD, file, RENAME_NOREPLACE));
    VAL("unlink", unlink(SCRATCH("hard2")));
    VAL("mknod fifo", mknod(SCRATCH("fifo"), S_IFIFO | 0600, 0));
    stat(SCRATCH("fifo"), &st);
    printf("fifo: %d\n", S_ISFIFO(st.st_mode));
    VAL("creat", creat(SCRATCH("created"), 0600) >= 0);
    VAL("setxattr", setxattr(file, "user.x86run", "v1", 2, 0));
    char xv[8] = {0};
    VAL("getxattr", getxattr(file, "user.x86run", xv, sizeof xv));
    VAL("listxattr", listxattr(file, NULL, 0) >= 0);
    VAL("removexattr", removexattr(file, "user.x86run"));
    VAL("umask", umask(022));
    VAL("umask again", umask(022));
    VAL("fchmodat", fchmodat(AT_FDCWD, file, 0644, 0));
    VAL("faccessat", faccessat(AT_FDCWD, file, W_OK, AT_EACCESS));
    VAL("openat ENOENT", openat(AT_FDCWD, "/nonexistent/a", O_RDONLY));
    VAL("open O_DIRECTORY on file", open(file, O_RDONLY | O_DIRECTORY));
    VAL("open O_NOFOLLOW on link", open(link_, O_RDONLY | O_NOFOLLOW));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    VAL("open dir", dfd >= 0);
    int fl = fcntl(dfd, F_GETFL);
    printf("dir F_GETFL directory=%d\n", !!(fl & O_DIRECTORY));
    VAL("fchdir", fchdir(dfd));
    char cwd[4200];
    VAL("getcwd", getcwd(cwd, sizeof cwd) != NULL);
    VAL("chdir", chdir("/"));
    VAL("sync", (sync(), 0));
    VAL("syncfs", syncfs(fd));
    return 0;
}
