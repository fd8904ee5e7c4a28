/* Command-line arguments, the environment and the auxiliary vector.
 * The harness runs this with a cleared, fixed environment, so the whole
 * environment is printed.  Exit status 20 + argc. */
#include "common.h"
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=[%s] len=%zu\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);

    int n = 0;
    for (char **e = environ; *e; e++)
        printf("env[%d]=[%s]\n", n++, *e);
    printf("envp == environ: %d\n", envp == environ);
    /* The environment follows argv's NULL on the initial stack. */
    printf("envp follows argv: %d\n", envp == argv + argc + 1);

    const char *names[] = {"X86RUN_T1", "X86RUN_EMPTY", "X86RUN_SPACES", "X86RUN_MISSING"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("getenv(%s)=%s%s%s\n", names[i], v ? "[" : "", v ? v : "(null)", v ? "]" : "");
    }
    setenv("X86RUN_NEW", "set-by-guest", 1);
    unsetenv("X86RUN_T1");
    printf("after setenv/unsetenv: %s %s\n", getenv("X86RUN_NEW"),
           getenv("X86RUN_T1") ? "still-there" : "gone");

    /* Auxiliary vector entries that must not vary between native and
     * emulated runs. */
    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_UID matches: %d\n", getauxval(AT_UID) == (unsigned long)getuid());
    printf("AT_EGID matches: %d\n", getauxval(AT_EGID) == (unsigned long)getegid());
    printf("AT_RANDOM present: %d\n", getauxval(AT_RANDOM) != 0);
    printf("AT_PHDR present: %d\n", getauxval(AT_PHDR) != 0);
    printf("AT_ENTRY present: %d\n", getauxval(AT_ENTRY) != 0);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN=%s\n", execfn ? execfn : "(null)");
    return 20 + argc;
}
