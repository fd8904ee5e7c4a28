/* Syscall-heavy workloads for bench/syscalls.py: small-file
 * create/stat/read/unlink, pipe ping-pong between two processes, and
 * getdents over a directory of many files. Usage: syscall_work WHAT DIR */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void files(const char *dir)
{
    char path[512], buf[64];
    long total = 0;
    for (int i = 0; i < 3000; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        write(fd, "hello, small file\n", 18);
        close(fd);
        struct stat st;
        stat(path, &st);
        fd = open(path, O_RDONLY);
        total += read(fd, buf, sizeof buf) + st.st_size;
        close(fd);
        unlink(path);
    }
    printf("files %ld\n", total);
}

static void pingpong(void)
{
    int a[2], b[2];
    char c = 0;
    pipe(a);
    pipe(b);
    if (fork() == 0) {
        for (int i = 0; i < 20000; i++) {
            read(a[0], &c, 1);
            c++;
            write(b[1], &c, 1);
        }
        _exit(0);
    }
    for (int i = 0; i < 20000; i++) {
        write(a[1], &c, 1);
        read(b[0], &c, 1);
    }
    wait(NULL);
    printf("pingpong %d\n", (unsigned char)c);
}

static void tree(const char *dir)
{
    char path[512];
    for (int i = 0; i < 2000; i++) {
        snprintf(path, sizeof path, "%s/d%04d", dir, i);
        close(open(path, O_CREAT | O_WRONLY, 0644));
    }
    long n = 0;
    for (int k = 0; k < 100; k++) {
        DIR *d = opendir(dir);
        while (readdir(d))
            n++;
        closedir(d);
    }
    for (int i = 0; i < 2000; i++) {
        snprintf(path, sizeof path, "%s/d%04d", dir, i);
        unlink(path);
    }
    printf("getdents %ld\n", n);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    if (!strcmp(argv[1], "files"))
        files(argv[2]);
    else if (!strcmp(argv[1], "pingpong"))
        pingpong();
    else
        tree(argv[2]);
    return 0;
}
