/* File-system system calls in a scratch directory given as argv[1] (empty,
 * and also the working directory): open/creat, write, read, pread/pwrite,
 * lseek (incl. past 4 GiB on a sparse file), fstat/stat/lstat, rename, link,
 * symlink/readlink, mkdir/rmdir, opendir/readdir, dup/dup2, pipe, fcntl,
 * ftruncate, access, unlink, getcwd, chdir, uname.  Exit status 18. */
#define _GNU_SOURCE
#include "common.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;

#define EXPECT(cond)                                                          \
    do {                                                                      \
        int ok_ = !!(cond);                                                   \
        printf("%-64s %s\n", #cond, ok_ ? "ok" : "FAIL");                     \
        if (!ok_) {                                                           \
            printf("    errno=%d (%s)\n", errno, strerror(errno));            \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fileio SCRATCH_DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char cwd[4096], path[4096];

    EXPECT(chdir(dir) == 0);
    EXPECT(getcwd(cwd, sizeof cwd) != NULL);
    char *real = realpath(dir, NULL);
    EXPECT(real && strcmp(cwd, real) == 0);
    free(real);
    EXPECT(getcwd(cwd, 1) == NULL && errno == ERANGE);

    struct utsname un;
    EXPECT(uname(&un) == 0);
    printf("sysname=%s\n", un.sysname);

    /* Write, read back, seek. */
    int fd = open("data.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
    EXPECT(fd >= 0);
    const char *text = "The quick brown fox\njumps over\nthe lazy dog\n";
    size_t tl = strlen(text);
    EXPECT(write(fd, text, tl) == (ssize_t)tl);
    EXPECT(lseek(fd, 0, SEEK_CUR) == (off_t)tl);
    EXPECT(lseek(fd, 4, SEEK_SET) == 4);
    char buf[256] = {0};
    EXPECT(read(fd, buf, 5) == 5);
    printf("read at 4: [%s]\n", buf);
    EXPECT(lseek(fd, -4, SEEK_END) == (off_t)tl - 4);
    memset(buf, 0, sizeof buf);
    EXPECT(read(fd, buf, sizeof buf) == 4);
    printf("read at end-4: [%s]\n", buf[3] == '\n' ? "dog\\n" : buf);
    EXPECT(read(fd, buf, sizeof buf) == 0);
    EXPECT(pwrite(fd, "QUICK", 5, 4) == 5);
    memset(buf, 0, sizeof buf);
    EXPECT(pread(fd, buf, 9, 4) == 9);
    printf("pread: [%s]\n", buf);
    EXPECT(open("data.txt", O_CREAT | O_EXCL | O_RDWR, 0644) < 0 && errno == EEXIST);

    /* fstat / stat / lstat. */
    struct stat st, st2;
    EXPECT(fstat(fd, &st) == 0);
    EXPECT(S_ISREG(st.st_mode));
    EXPECT((st.st_mode & 0777) == (0644 & ~umask(022)));
    EXPECT(st.st_size == (off_t)tl);
    EXPECT(st.st_nlink == 1);
    EXPECT(st.st_uid == getuid());
    EXPECT(stat("data.txt", &st2) == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev);
    EXPECT(st.st_mtime > 1600000000);
    EXPECT(stat("missing", &st2) < 0 && errno == ENOENT);
    EXPECT(stat(".", &st2) == 0 && S_ISDIR(st2.st_mode));

    /* Sparse file and 64-bit offsets.  Without O_LARGEFILE an i386 process
     * gets EFBIG writing past 2 GiB (the kernel's compat open does not force
     * O_LARGEFILE; the native 64-bit one does), so print what happens. */
    off64_t far = 5LL * 1024 * 1024 * 1024 + 17;
    int small = open("sparse.bin", O_CREAT | O_RDWR | O_TRUNC, 0600);
    EXPECT(small >= 0);
    EXPECT(lseek64(small, far, SEEK_SET) == far);
    errno = 0;
    ssize_t wr = write(small, "X", 1);
    printf("write past 2 GiB without O_LARGEFILE: r=%zd errno=%s\n", wr,
           errno == EFBIG ? "EFBIG" : errno ? "other" : "none");
    close(small);
    int big = open("sparse.bin", O_CREAT | O_RDWR | O_TRUNC | O_LARGEFILE, 0600);
    EXPECT(big >= 0);
    EXPECT(lseek64(big, far, SEEK_SET) == far);
    EXPECT(write(big, "X", 1) == 1);
    struct stat64 bst;
    EXPECT(fstat64(big, &bst) == 0 && bst.st_size == far + 1);
    EXPECT(lseek64(big, -1, SEEK_END) == far);
    EXPECT(read(big, buf, 2) == 1 && buf[0] == 'X');
    EXPECT(ftruncate64(big, 10) == 0 && fstat64(big, &bst) == 0 && bst.st_size == 10);
    EXPECT(pread(big, buf, 10, 0) == 10 && buf[0] == 0 && buf[9] == 0);
    close(big);

    /* dup, dup2, fcntl, O_APPEND. */
    int d = dup(fd);
    EXPECT(d > fd);
    EXPECT(dup2(fd, 50) == 50);
    EXPECT(fcntl(50, F_GETFD) == 0);
    EXPECT(fcntl(50, F_SETFD, FD_CLOEXEC) == 0 && fcntl(50, F_GETFD) == FD_CLOEXEC);
    EXPECT((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    EXPECT(lseek(d, 0, SEEK_SET) == 0 && lseek(fd, 0, SEEK_CUR) == 0);
    close(d);
    close(50);
    close(fd);
    fd = open("data.txt", O_WRONLY | O_APPEND);
    EXPECT(fd >= 0 && write(fd, "tail\n", 5) == 5);
    close(fd);
    EXPECT(stat("data.txt", &st) == 0 && st.st_size == (off_t)tl + 5);
    EXPECT(truncate("data.txt", 3) == 0 && stat("data.txt", &st) == 0 && st.st_size == 3);

    /* stdio on files. */
    FILE *f = fopen("lines.txt", "w+");
    EXPECT(f != NULL);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    EXPECT(fflush(f) == 0);
    rewind(f);
    int lines = 0;
    long sum = 0;
    char lb[64];
    while (fgets(lb, sizeof lb, f)) {
        lines++;
        sum += atoi(lb + 5);
    }
    printf("stdio lines=%d sum=%ld size=%ld\n", lines, sum, ftell(f));
    fclose(f);

    /* Directories, links, rename. */
    EXPECT(mkdir("sub", 0755) == 0);
    EXPECT(mkdir("sub", 0755) < 0 && errno == EEXIST);
    EXPECT(rename("lines.txt", "sub/moved.txt") == 0);
    EXPECT(access("sub/moved.txt", R_OK | W_OK) == 0);
    EXPECT(access("lines.txt", F_OK) < 0 && errno == ENOENT);
    EXPECT(link("data.txt", "hard.txt") == 0);
    EXPECT(stat("data.txt", &st) == 0 && st.st_nlink == 2);
    EXPECT(symlink("sub/moved.txt", "soft") == 0);
    ssize_t rl = readlink("soft", path, sizeof path - 1);
    EXPECT(rl == 13);
    path[rl > 0 ? rl : 0] = 0;
    printf("readlink: %s\n", path);
    EXPECT(lstat("soft", &st) == 0 && S_ISLNK(st.st_mode));
    EXPECT(stat("soft", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 8890);
    int dfd = open("sub", O_RDONLY | O_DIRECTORY);
    EXPECT(dfd >= 0);
    EXPECT(fstatat(dfd, "moved.txt", &st, 0) == 0 && st.st_size == 8890);
    int at = openat(dfd, "new.txt", O_CREAT | O_WRONLY, 0600);
    EXPECT(at >= 0);
    close(at);
    close(dfd);

    /* readdir: sort the names so the order is deterministic. */
    DIR *dp = opendir(".");
    EXPECT(dp != NULL);
    char *names[64];
    int nn = 0;
    struct dirent *de;
    while (dp && (de = readdir(dp)) && nn < 64)
        names[nn++] = strdup(de->d_name);
    if (dp)
        closedir(dp);
    qsort(names, (size_t)nn, sizeof names[0], cmp_names);
    printf("dir:");
    for (int i = 0; i < nn; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");

    /* Pipes. */
    int pfd[2];
    EXPECT(pipe(pfd) == 0);
    EXPECT(write(pfd[1], "through the pipe", 16) == 16);
    memset(buf, 0, sizeof buf);
    EXPECT(read(pfd[0], buf, sizeof buf) == 16);
    printf("pipe: [%s]\n", buf);
    close(pfd[1]);
    EXPECT(read(pfd[0], buf, sizeof buf) == 0);
    close(pfd[0]);

    /* Errors come back as -1/errno, not crashes. */
    EXPECT(read(-1, buf, 1) < 0 && errno == EBADF);
    EXPECT(close(12345) < 0 && errno == EBADF);
    EXPECT(open("no/such/dir/file", O_RDONLY) < 0 && errno == ENOENT);
    EXPECT(rmdir("sub") < 0 && errno == ENOTEMPTY);

    /* Clean up. */
    EXPECT(unlink("sub/moved.txt") == 0 && unlink("sub/new.txt") == 0);
    EXPECT(rmdir("sub") == 0);
    EXPECT(unlink("soft") == 0 && unlink("hard.txt") == 0 && unlink("data.txt") == 0);
    EXPECT(unlink("sparse.bin") == 0);
    EXPECT(unlink("data.txt") < 0 && errno == ENOENT);
    dp = opendir(".");
    nn = 0;
    while (dp && (de = readdir(dp)))
        nn++;
    if (dp)
        closedir(dp);
    EXPECT(nn == 2);
    EXPECT(chdir("/") == 0 && getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);

    printf("failures=%d\n", failures);
    return failures ? 1 : 18;
}
