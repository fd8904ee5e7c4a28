/* Reads standard input (the harness feeds a fixed text): counts lines,
 * words and bytes, echoes lines upper-cased and reversed-numbered.
 * Exit status 25. */
#include "common.h"
#include <ctype.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char line[1024];
    int lines = 0, words = 0;
    long bytes = 0;
    uint32_t h = FNV_INIT;
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        bytes += (long)n;
        lines++;
        int inword = 0;
        for (size_t i = 0; i < n; i++) {
            if (isspace((unsigned char)line[i])) {
                inword = 0;
            } else if (!inword) {
                inword = 1;
                words++;
            }
            line[i] = (char)toupper((unsigned char)line[i]);
        }
        h = fnv1a(h, line, n);
        if (lines <= 5)
            printf("%d: %s", lines, line);
    }
    printf("lines=%d words=%d bytes=%ld hash=%08x eof=%d\n", lines, words, bytes, h,
           feof(stdin) != 0);
    /* Raw read at EOF returns 0. */
    char c;
    printf("read at eof: %zd\n", read(0, &c, 1));
    return 25;
}
