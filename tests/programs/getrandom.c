/* getrandom(2) and /dev/urandom: only lengths and sanity are printed.
 * Exit status 22. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    ssize_t n1 = getrandom(a, sizeof a, 0);
    ssize_t n2 = getrandom(b, sizeof b, GRND_NONBLOCK);
    printf("getrandom lengths: %zd %zd\n", n1, n2);
    printf("buffers differ: %d\n", memcmp(a, b, sizeof a) != 0);
    printf("zero length: %zd\n", getrandom(a, 0, 0));
    errno = 0;
    ssize_t bad = getrandom(a, sizeof a, 0x4000);
    printf("bad flags: %zd errno EINVAL: %d\n", bad, errno == EINVAL);

    int fd = open("/dev/urandom", O_RDONLY);
    printf("urandom open: %d\n", fd >= 0);
    ssize_t n3 = read(fd, a, 33);
    printf("urandom read: %zd\n", n3);
    close(fd);
    return 22;
}
