/* Sockets: socketcall and the direct calls, msghdr with iovecs and
 * control messages (SCM_RIGHTS, SCM_CREDENTIALS, SO_TIMESTAMP(NS),
 * truncation), sendmmsg/recvmmsg, options that carry structs, and the
 * socket ioctls (SIOCGIFCONF, ifreq, SIOCGSTAMP). */
#include "sc.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

static void rights(void) {
    int sv[2];
    VAL("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int p[2];
    pipe(p);
    char data[] = "payload";
    struct iovec iov[2] = {{data, 3}, {data + 3, 4}};
    union { char buf[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = {0};
    m.msg_iov = iov; m.msg_iovlen = 2;
    m.msg_control = u.buf; m.msg_controllen = CMSG_SPACE(2 * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int fds[2] = {p[0], p[1]};
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    VAL("sendmsg rights", sendmsg(sv[0], &m, 0));
    char rbuf[16] = {0};
    struct iovec riov = {rbuf, sizeof rbuf};
    union { char buf[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } r;
    memset(&r, 0, sizeof r);
    struct msghdr rm = {0};
    rm.msg_iov = &riov; rm.msg_iovlen = 1;
    rm.msg_control = r.buf; rm.msg_controllen = sizeof r.buf;
    VAL("recvmsg rights", recvmsg(sv[1], &rm, 0));
    c = CMSG_FIRSTHDR(&rm);
    printf("recv: %s controllen=%u flags=%x cmsg level=%d type=%d len=%u\n", rbuf, (unsigned)rm.msg_controllen,
           rm.msg_flags, c ? c->cmsg_level : -1, c ? c->cmsg_type : -1, c ? (unsigned)c->cmsg_len : 0);
    if (c) {
        int got[2];
        memcpy(got, CMSG_DATA(c), sizeof got);
        write(got[1], "through", 7);
        char tb[8] = {0};
        read(got[0], tb, 7);
        printf("passed pipe works: %s\n", tb);
        close(got[0]); close(got[1]);
    }
    /* Two descriptors into room for one: MSG_CTRUNC, one installed. */
    VAL("sendmsg rights again", sendmsg(sv[0], &m, 0));
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } small;
    rm.msg_control = small.buf; rm.msg_controllen = sizeof small.buf;
    VAL("recvmsg small", recvmsg(sv[1], &rm, 0));
    c = CMSG_FIRSTHDR(&rm);
    printf("small: controllen=%u ctrunc=%d len=%u\n", (unsigned)rm.msg_controllen, !!(rm.msg_flags & MSG_CTRUNC),
           c ? (unsigned)c->cmsg_len : 0);
    /* Credentials. */
    int on = 1;
    VAL("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    VAL("send", send(sv[0], "c", 1, 0));
    union { char buf[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } cr;
    rm.msg_control = cr.buf; rm.msg_controllen = sizeof cr.buf;
    VAL("recvmsg creds", recvmsg(sv[1], &rm, 0));
    c = CMSG_FIRSTHDR(&rm);
    if (c && c->cmsg_type == SCM_CREDENTIALS) {
        struct ucred uc;
        memcpy(&uc, CMSG_DATA(c), sizeof uc);
        printf("creds: pid_ok=%d uid=%u gid=%u len=%u\n", uc.pid == getpid(), uc.uid, uc.gid, (unsigned)c->cmsg_len);
    } else {
        printf("creds: none\n");
    }
    struct ucred peer;
    socklen_t pl = sizeof peer;
    VAL("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &peer, &pl));
    printf("peercred pid_ok=%d len=%u\n", peer.pid == getpid(), pl);
    close(sv[0]); close(sv[1]);
}

static void udp(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    VAL("bind", bind(s, (void *)&a, sizeof a));
    socklen_t al = sizeof a;
    VAL("getsockname", getsockname(s, (void *)&a, &al));
    printf("port nonzero %d len %u\n", a.sin_port != 0, al);
    int on = 1;
    VAL("SO_TIMESTAMP", setsockopt(s, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on));
    VAL("sendto", sendto(t, "dgram", 5, 0, (void *)&a, sizeof a));
    char buf[16] = {0};
    struct iovec iov = {buf, sizeof buf};
    union { char b[256]; struct cmsghdr align; } u;
    struct sockaddr_in from;
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = u.b, .msg_controllen = sizeof u.b};
    VAL("recvmsg timestamp", recvmsg(s, &m, 0));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    printf("ts cmsg: type=%d len=%u controllen=%u namelen=%u from_lo=%d\n", c ? c->cmsg_type : -1,
           c ? (unsigned)c->cmsg_len : 0, (unsigned)m.msg_controllen, m.msg_namelen,
           from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    if (c) {
        struct timeval tv;
        memcpy(&tv, CMSG_DATA(c), sizeof tv);
        printf("ts sane: %d\n", tv.tv_sec > 1600000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    }
    struct timeval st;
    VAL("SIOCGSTAMP", ioctl(s, SIOCGSTAMP, &st));
    printf("stamp sane: %d\n", st.tv_sec > 1600000000 && st.tv_usec < 1000000);
    on = 0;
    setsockopt(s, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
    VAL("SO_TIMESTAMPNS", setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, (int[]){1}, sizeof(int)));
    sendto(t, "again", 5, 0, (void *)&a, sizeof a);
    m.msg_controllen = sizeof u.b;
    VAL("recvmsg timestampns", recvmsg(s, &m, 0));
    c = CMSG_FIRSTHDR(&m);
    if (c) {
        struct timespec ts;
        memcpy(&ts, CMSG_DATA(c), sizeof ts);
        printf("tsns cmsg: type=%d len=%u sane=%d\n", c->cmsg_type, (unsigned)c->cmsg_len,
               ts.tv_sec > 1600000000 && ts.tv_nsec < 1000000000);
    }
    /* sendmmsg / recvmmsg */
    char d1[] = "one", d2[] = "two!";
    struct iovec v1 = {d1, 3}, v2 = {d2, 4};
    struct mmsghdr mm[2] = {{{.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &v1, .msg_iovlen = 1}, 0},
                            {{.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &v2, .msg_iovlen = 1}, 0}};
    VAL("sendmmsg", sendmmsg(t, mm, 2, 0));
    printf("sent lens %u %u\n", mm[0].msg_len, mm[1].msg_len);
    char r1[8] = {0}, r2[8] = {0};
    struct iovec w1 = {r1, 8}, w2 = {r2, 8};
    struct mmsghdr rmm[2] = {{{.msg_iov = &w1, .msg_iovlen = 1}, 0}, {{.msg_iov = &w2, .msg_iovlen = 1}, 0}};
    struct timespec to = {1, 0};
    VAL("recvmmsg", recvmmsg(s, rmm, 2, 0, &to));
    printf("recvmmsg: %s(%u) %s(%u)\n", r1, rmm[0].msg_len, r2, rmm[1].msg_len);
    /* Options with structs. */
    struct timeval rto = {3, 250000}, got;
    socklen_t gl = sizeof got;
    VAL("SO_RCVTIMEO set", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &rto, sizeof rto));
    VAL("SO_RCVTIMEO get", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &gl));
    printf("rcvtimeo: %ld.%06ld len=%u\n", (long)got.tv_sec, (long)got.tv_usec, gl);
    VAL("SO_SNDTIMEO set", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &rto, sizeof rto));
    VAL("SO_SNDTIMEO short", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &rto, 4));
    struct linger lg = {1, 7}, lgo;
    socklen_t ll = sizeof lgo;
    VAL("SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    VAL("SO_LINGER get", getsockopt(s, SOL_SOCKET, SO_LINGER, &lgo, &ll));
    printf("linger %d %d len %u\n", lgo.l_onoff, lgo.l_linger, ll);
    int ty;
    socklen_t tl = sizeof ty;
    VAL("SO_TYPE", getsockopt(s, SOL_SOCKET, SO_TYPE, &ty, &tl));
    printf("type %d\n", ty);
    struct group_req gr = {0};
    gr.gr_interface = 0;
    struct sockaddr_in *ga = (void *)&gr.gr_group;
    ga->sin_family = AF_INET;
    ga->sin_addr.s_addr = inet_addr("239.1.2.3");
    VAL("MCAST_JOIN_GROUP", setsockopt(s, IPPROTO_IP, MCAST_JOIN_GROUP, &gr, sizeof gr));
    VAL("MCAST_LEAVE_GROUP", setsockopt(s, IPPROTO_IP, MCAST_LEAVE_GROUP, &gr, sizeof gr));
    struct ip_mreq mr = {.imr_multiaddr.s_addr = inet_addr("239.1.2.4"), .imr_interface.s_addr = htonl(INADDR_LOOPBACK)};
    VAL("IP_ADD_MEMBERSHIP", setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr));
    /* Interface ioctls. */
    struct ifreq ifr[32];
    struct ifconf ifc = {.ifc_len = sizeof ifr, .ifc_req = ifr};
    VAL("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc));
    int lo = -1;
    for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
        if (!strcmp(ifr[i].ifr_name, "lo")) lo = i;
    printf("ifconf: len multiple=%d has lo=%d lo addr=%s\n", ifc.ifc_len % (int)sizeof(struct ifreq) == 0, lo >= 0,
           lo >= 0 ? inet_ntoa(((struct sockaddr_in *)&ifr[lo].ifr_addr)->sin_addr) : "-");
    struct ifconf q = {.ifc_len = 0, .ifc_req = NULL};
    VAL("SIOCGIFCONF size", ioctl(s, SIOCGIFCONF, &q));
    printf("ifconf size query multiple=%d\n", q.ifc_len % (int)sizeof(struct ifreq) == 0);
    struct ifreq f = {0};
    strcpy(f.ifr_name, "lo");
    VAL("SIOCGIFINDEX", ioctl(s, SIOCGIFINDEX, &f));
    printf("lo index %d\n", f.ifr_ifindex);
    VAL("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &f));
    printf("lo up=%d loopback=%d\n", !!(f.ifr_flags & IFF_UP), !!(f.ifr_flags & IFF_LOOPBACK));
    VAL("SIOCGIFMTU", ioctl(s, SIOCGIFMTU, &f));
    printf("lo mtu %d\n", f.ifr_mtu);
    VAL("SIOCGIFADDR", ioctl(s, SIOCGIFADDR, &f));
    printf("lo addr %s\n", inet_ntoa(((struct sockaddr_in *)&f.ifr_addr)->sin_addr));
    VAL("SIOCGIFNETMASK", ioctl(s, SIOCGIFNETMASK, &f));
    VAL("SIOCGIFHWADDR", ioctl(s, SIOCGIFHWADDR, &f));
    f.ifr_ifindex = 1;
    VAL("SIOCGIFNAME", ioctl(s, SIOCGIFNAME, &f));
    printf("index 1 name %s\n", f.ifr_name);
    int pending = -1;
    VAL("FIONREAD", ioctl(s, FIONREAD, &pending));
    printf("pending %d\n", pending);
    close(s); close(t);
}

static void tcp(void) {
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int on = 1;
    VAL("SO_REUSEADDR", setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on));
    VAL("bind", bind(l, (void *)&a, sizeof a));
    VAL("listen", listen(l, 4));
    socklen_t al = sizeof a;
    getsockname(l, (void *)&a, &al);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    VAL("connect", connect(c, (void *)&a, sizeof a));
    struct sockaddr_in pa;
    socklen_t pl = sizeof pa;
    int s = accept4(l, (void *)&pa, &pl, SOCK_NONBLOCK);
    OK("accept4", s);
    printf("peer len %u lo %d\n", pl, pa.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    VAL("getpeername", getpeername(c, (void *)&pa, &pl));
    VAL("send", send(c, "stream", 6, MSG_NOSIGNAL));
    char b[8] = {0};
    usleep(10000);
    VAL("recv", recv(s, b, sizeof b, 0));
    VAL("recv EAGAIN", recv(s, b, sizeof b, 0));
    int outq = -1;
    VAL("SIOCOUTQ", ioctl(c, SIOCOUTQ, &outq));
    VAL("SIOCATMARK", ioctl(s, SIOCATMARK, &outq));
    VAL("shutdown", shutdown(c, SHUT_WR));
    VAL("recv eof", recv(s, b, sizeof b, MSG_DONTWAIT));
    close(c); close(s); close(l);
}

int main(void) {
    rights();
    udp();
    tcp();
#ifdef __i386__
    unsigned long args[4] = {AF_UNIX, SOCK_DGRAM, 0, 0};
    long fd = syscall(SYS_socketcall, 1, args);
    printf("socketcall SOCKET ok=%d\n", fd >= 0);
    RAW("socketcall bad call", SYS_socketcall, 99, args);
    int sv[2];
    unsigned long pa[4] = {AF_UNIX, SOCK_STREAM, 0, (unsigned long)sv};
    RAW("socketcall SOCKETPAIR", SYS_socketcall, 8, pa);
    unsigned long sa[4] = {sv[0], (unsigned long)"xy", 2, 0};
    RAW("socketcall SEND", SYS_socketcall, 9, sa);
    char rb[4] = {0};
    unsigned long ra[4] = {sv[1], (unsigned long)rb, 4, 0};
    RAW("socketcall RECV", SYS_socketcall, 10, ra);
    printf("socketcall got %s\n", rb);
    int v = 0; socklen_t vl = sizeof v;
    unsigned long ga[5] = {sv[0], SOL_SOCKET, SO_TYPE, (unsigned long)&v, (unsigned long)&vl};
    RAW("socketcall GETSOCKOPT", SYS_socketcall, 15, ga);
    printf("type via socketcall %d\n", v);
    struct timeval tv = {2, 5}; 
    unsigned long so[5] = {sv[0], SOL_SOCKET, SO_RCVTIMEO, (unsigned long)&tv, sizeof tv};
    RAW("socketcall SETSOCKOPT timeo", SYS_socketcall, 14, so);
    RAW("socketcall EFAULT", SYS_socketcall, 1, (void *)8);
#endif
    return 0;
}
