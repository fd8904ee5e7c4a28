/* Ioctls: terminals (termios, termio, termios2, winsize, pty control),
 * FIO*, file-system requests (FS_IOC_* with their `long`-sized request
 * numbers, FIEMAP, FIGETBSZ), block and rtc devices where present, and an
 * unknown request (ENOTTY). Socket ioctls are in socket.c. */
#include "sc.h"
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/rtc.h>
#include <linux/loop.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <asm/termbits.h>

int main(void) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    OK("posix_openpt", m);
    unsigned ptn = 12345;
    VAL("TIOCGPTN", ioctl(m, TIOCGPTN, &ptn));
    int unlock = 0;
    VAL("TIOCSPTLCK", ioctl(m, TIOCSPTLCK, &unlock));
    int lck = -1;
    VAL("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lck));
    printf("locked %d\n", lck);
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    OK("TIOCGPTPEER", s);
    struct termios t;
    VAL("TCGETS", ioctl(s, TCGETS, &t));
    printf("termios: iflag=%o oflag=%o cflag=%o lflag=%o line=%d vmin=%d vtime=%d\n", t.c_iflag, t.c_oflag, t.c_cflag,
           t.c_lflag, t.c_line, t.c_cc[VMIN], t.c_cc[VTIME]);
    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 3;
    VAL("TCSETS", ioctl(s, TCSETS, &t));
    VAL("TCSETSW", ioctl(s, TCSETSW, &t));
    VAL("TCSETSF", ioctl(s, TCSETSF, &t));
    struct termios t2;
    ioctl(s, TCGETS, &t2);
    printf("after set: lflag=%o vtime=%d\n", t2.c_lflag, t2.c_cc[VTIME]);
    struct termio tio;
    VAL("TCGETA", ioctl(s, TCGETA, &tio));
    printf("termio: lflag=%o line=%d\n", tio.c_lflag, tio.c_line);
    VAL("TCSETA", ioctl(s, TCSETA, &tio));
    struct termios2 t3;
    VAL("TCGETS2", ioctl(s, TCGETS2, &t3));
    printf("termios2: ispeed=%u ospeed=%u\n", t3.c_ispeed, t3.c_ospeed);
    VAL("TCSETS2", ioctl(s, TCSETS2, &t3));
    struct winsize ws = {24, 80, 640, 480}, wg;
    VAL("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws));
    VAL("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &wg));
    printf("winsize %u %u %u %u\n", wg.ws_row, wg.ws_col, wg.ws_xpixel, wg.ws_ypixel);
    VAL("write master", write(m, "abc\n", 4));
    int avail = -1;
    /* Wait until the line has reached the slave (pty input is pushed by
     * kernel work: a fixed sleep races under load). */
    struct pollfd pf = {s, POLLIN, 0};
    poll(&pf, 1, 5000);
    VAL("FIONREAD", ioctl(s, FIONREAD, &avail));
    printf("avail %d\n", avail);
    VAL("TCFLSH", ioctl(s, TCFLSH, TCIFLUSH));
    VAL("TIOCOUTQ", ioctl(s, TIOCOUTQ, &avail));
    int pk = 1;
    VAL("TIOCPKT", ioctl(m, TIOCPKT, &pk));
    VAL("TIOCGPKT", ioctl(m, TIOCGPKT, &pk));
    printf("pkt %d\n", pk);
    VAL("TCXONC", ioctl(s, TCXONC, TCOON));
    VAL("TCSBRK", ioctl(s, TCSBRK, 1));
    int ld = -1;
    VAL("TIOCGETD", ioctl(s, TIOCGETD, &ld));
    printf("ldisc %d\n", ld);
    VAL("TIOCGPGRP ENOTTY", ioctl(s, TIOCGPGRP, &ld));
    VAL("TIOCGSID", ioctl(s, TIOCGSID, &ld));
    VAL("TIOCEXCL", ioctl(s, TIOCEXCL));
    int ex = -1;
    VAL("TIOCGEXCL", ioctl(s, TIOCGEXCL, &ex));
    printf("excl %d\n", ex);
    VAL("TIOCNXCL", ioctl(s, TIOCNXCL));
    int mbits;
    VAL("TIOCMGET", ioctl(s, TIOCMGET, &mbits));
    VAL("TIOCGSERIAL", ({ char ser[128]; ioctl(s, TIOCGSERIAL, ser); }));
    VAL("isatty", isatty(s));
    VAL("FIONBIO", ioctl(s, FIONBIO, (int[]){1}));
    VAL("FIOCLEX", ioctl(s, FIOCLEX));
    VAL("F_GETFD", fcntl(s, F_GETFD));
    VAL("FIONCLEX", ioctl(s, FIONCLEX));
    VAL("FIOASYNC", ioctl(s, FIOASYNC, (int[]){0}));
    int p[2];
    pipe(p);
    write(p[1], "12345", 5);
    VAL("FIONREAD pipe", ioctl(p[0], FIONREAD, &avail));
    printf("pipe avail %d\n", avail);
    VAL("TCGETS on pipe ENOTTY", ioctl(p[0], TCGETS, &t));
    int f = open(SCRATCH("file"), O_CREAT | O_RDWR, 0644);
    write(f, "data", 4);
    fsync(f);
    long flags = 0;
    VAL("FS_IOC_GETFLAGS", ioctl(f, FS_IOC_GETFLAGS, &flags));
    int fl32 = 0;
    VAL("FS_IOC32_GETFLAGS", ioctl(f, FS_IOC32_GETFLAGS, &fl32));
    VAL("FS_IOC_SETFLAGS same", ioctl(f, FS_IOC_SETFLAGS, &flags));
    long ver = 0;
    VAL("FS_IOC_GETVERSION", ioctl(f, FS_IOC_GETVERSION, &ver) == 0 || errno == ENOTTY);
    int bsz = 0;
    VAL("FIGETBSZ", ioctl(f, FIGETBSZ, &bsz));
    printf("bsz %d\n", bsz);
    struct { struct fiemap fm; struct fiemap_extent ext[4]; } fmx;
    memset(&fmx, 0, sizeof fmx);
    fmx.fm.fm_length = ~0ULL;
    fmx.fm.fm_extent_count = 4;
    VAL("FS_IOC_FIEMAP", ioctl(f, FS_IOC_FIEMAP, &fmx));
    printf("extents %u\n", fmx.fm.fm_mapped_extents);
    struct fsxattr fx;
    VAL("FS_IOC_FSGETXATTR", ioctl(f, FS_IOC_FSGETXATTR, &fx));
    loff_t qsz = 0;
    VAL("FIOQSIZE", ioctl(f, FIOQSIZE, &qsz));
    printf("qsize %lld\n", (long long)qsz);
    VAL("unknown ioctl", ioctl(f, _IOR('Z', 0x77, struct { int a; long b; }), &flags));
    VAL("unknown _IO", ioctl(f, _IO('Z', 0x78)));
    VAL("BLKGETSIZE64 on file", ioctl(f, BLKGETSIZE64, &qsz));
    VAL("BLKSSZGET on file", ioctl(f, BLKSSZGET, &bsz));
    int rtc = open("/dev/rtc0", O_RDONLY);
    if (rtc >= 0) {
        struct rtc_time rt;
        VAL("RTC_RD_TIME", ioctl(rtc, RTC_RD_TIME, &rt));
        printf("rtc year sane %d\n", rt.tm_year > 100);
        unsigned long freq = 0;
        VAL("RTC_IRQP_READ", ioctl(rtc, RTC_IRQP_READ, &freq) == 0 || errno == EINVAL || errno == ENOTTY);
    } else {
        printf("no rtc\n");
    }
    /* A loop device bound to a scratch file: loop and block requests. */
    int ctl = open("/dev/loop-control", O_RDWR);
    int blk = -1, img = -1;
    if (ctl >= 0) {
        img = open(SCRATCH("img"), O_CREAT | O_RDWR, 0600);
        ftruncate(img, 1 << 20);
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        printf("LOOP_CTL_GET_FREE ok %d\n", n >= 0);
        char dev[32];
        snprintf(dev, sizeof dev, "/dev/loop%d", n);
        blk = open(dev, O_RDWR);
        VAL("LOOP_GET_STATUS64 unbound", ({ struct loop_info64 i; ioctl(blk, LOOP_GET_STATUS64, &i); }));
        VAL("LOOP_SET_FD", ioctl(blk, LOOP_SET_FD, img));
        struct loop_info64 i64;
        memset(&i64, 0, sizeof i64);
        VAL("LOOP_GET_STATUS64", ioctl(blk, LOOP_GET_STATUS64, &i64));
        printf("info64: offset=%llu sizelimit=%llu flags=%u name_ok=%d\n", (unsigned long long)i64.lo_offset,
               (unsigned long long)i64.lo_sizelimit, i64.lo_flags, strstr((char *)i64.lo_file_name, "img") != NULL);
        struct loop_info li;
        memset(&li, 0x5a, sizeof li);
        VAL("LOOP_GET_STATUS", ioctl(blk, LOOP_GET_STATUS, &li));
        printf("info: offset=%d flags=%d name_ok=%d inode_ok=%d reserved=%02x\n", li.lo_offset, li.lo_flags,
               strstr(li.lo_name, "img") != NULL, li.lo_inode == (unsigned long)i64.lo_inode, (unsigned char)li.reserved[0]);
        li.lo_offset = 4096;
        VAL("LOOP_SET_STATUS", ioctl(blk, LOOP_SET_STATUS, &li));
        ioctl(blk, LOOP_GET_STATUS64, &i64);
        printf("offset now %llu\n", (unsigned long long)i64.lo_offset);
        VAL("LOOP_SET_CAPACITY", ioctl(blk, LOOP_SET_CAPACITY));
    }
    if (blk >= 0) {
        unsigned long long size = 0;
        VAL("BLKGETSIZE64", ioctl(blk, BLKGETSIZE64, &size));
        unsigned long sectors = 0;
        VAL("BLKGETSIZE", ioctl(blk, BLKGETSIZE, &sectors));
        printf("blk consistent %d\n", size / 512 == sectors || sectors == 0xffffffffUL);
        VAL("BLKSSZGET", ioctl(blk, BLKSSZGET, &bsz));
        printf("sector size %d\n", bsz);
        int bs = 0;
        VAL("BLKBSZGET", ioctl(blk, BLKBSZGET, &bs));
        int ro = -1;
        VAL("BLKROGET", ioctl(blk, BLKROGET, &ro));
        long ra = -1;
        VAL("BLKRAGET", ioctl(blk, BLKRAGET, &ra));
        printf("ra>=0 %d\n", ra >= 0);
        printf("size %llu\n", size);
        VAL("LOOP_CLR_FD", ioctl(blk, LOOP_CLR_FD));
    } else {
        printf("no loop device\n");
    }
    return 0;
}
