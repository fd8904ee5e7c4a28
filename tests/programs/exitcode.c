/* Exit paths and statuses: return from main, exit(), _exit(), atexit order,
 * stdio flushing at exit.  argv[1] picks the path, argv[2] the status.
 * Exit status as requested (truncated to 8 bits by the kernel). */
#include "common.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void h1(void) { printf("atexit handler 1\n"); }
static void h2(void) { printf("atexit handler 2\n"); }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: exitcode return|exit|_exit|exit_group STATUS\n");
        return 2;
    }
    int status = atoi(argv[2]);
    atexit(h1);
    atexit(h2);
    printf("buffered line before exit via %s(%d)\n", argv[1], status);
    if (strcmp(argv[1], "return") == 0)
        return status;
    if (strcmp(argv[1], "exit") == 0)
        exit(status);
    if (strcmp(argv[1], "_exit") == 0) {
        fflush(stdout);
        printf("this line is lost: _exit does not flush stdio\n");
        _exit(status);
    }
    return 3;
}
