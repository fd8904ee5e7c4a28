/* Device ioctls whose arguments nest pointers or `long`s: routing
 * (SIOCADDRT/SIOCDELRT with rtentry and in6_rtmsg, whose contents the
 * kernel checks, so a wrong layout shows as a different errno), and,
 * where no device exists, the errno path of multi-planar V4L2 buffers,
 * ALSA PCM parameters and transfers and usbdevfs URBs on a descriptor
 * that is not such a device. */
#include "sc.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/usbdevice_fs.h>
#include <linux/videodev2.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sound/asound.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static void sin(struct sockaddr *sa, const char *ip) {
    struct sockaddr_in *s = (struct sockaddr_in *)sa;
    memset(s, 0, sizeof *s);
    s->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &s->sin_addr);
}

static void route4(int fd, const char *what, unsigned long req, const char *mask, char *dev, short metric) {
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    sin(&rt.rt_dst, "10.234.0.0");
    sin(&rt.rt_genmask, mask);
    sin(&rt.rt_gateway, "0.0.0.0");
    rt.rt_flags = RTF_UP;
    rt.rt_dev = dev;
    rt.rt_metric = metric;
    VAL(what, ioctl(fd, req, &rt));
}

int main(void) {
    /* IPv4 routes: none of these exists, so nothing changes. */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    route4(u, "SIOCDELRT no dev", SIOCDELRT, "255.255.0.0", NULL, 0);
    route4(u, "SIOCDELRT dev lo", SIOCDELRT, "255.255.0.0", "lo", 0);
    route4(u, "SIOCDELRT dev lo metric 7", SIOCDELRT, "255.255.0.0", "lo", 7);
    route4(u, "SIOCDELRT no such dev", SIOCDELRT, "255.255.0.0", "nosuchdev0", 0);
    route4(u, "SIOCADDRT no such dev", SIOCADDRT, "255.255.0.0", "nosuchdev0", 0);
    route4(u, "SIOCDELRT bad genmask", SIOCDELRT, "255.0.255.0", NULL, 0);
    route4(u, "SIOCDELRT dev unreadable", SIOCDELRT, "255.255.0.0", (char *)16, 0);
    VAL("SIOCDELRT struct unreadable", ioctl(u, SIOCDELRT, (void *)16));

    /* IPv6 routes */
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    if (u6 >= 0) {
        struct in6_rtmsg r6;
        memset(&r6, 0, sizeof r6);
        inet_pton(AF_INET6, "fd00:1234:5678::", &r6.rtmsg_dst);
        r6.rtmsg_dst_len = 64;
        r6.rtmsg_metric = 1;
        r6.rtmsg_flags = RTF_UP;
        VAL("SIOCDELRT v6", ioctl(u6, SIOCDELRT, &r6));
        r6.rtmsg_ifindex = 999999;
        VAL("SIOCDELRT v6 no such ifindex", ioctl(u6, SIOCDELRT, &r6));
        VAL("SIOCADDRT v6 no such ifindex", ioctl(u6, SIOCADDRT, &r6));
        r6.rtmsg_ifindex = 0;
        r6.rtmsg_dst_len = 200;
        VAL("SIOCDELRT v6 bad prefix", ioctl(u6, SIOCDELRT, &r6));
    } else {
        printf("no ipv6\n");
    }
    int p[2];
    pipe(p);
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    VAL("SIOCDELRT on a pipe", ioctl(p[0], SIOCDELRT, &rt));

    /* Not devices of these kinds: each request's errno path. */
    int n = open("/dev/null", O_RDWR);
    struct v4l2_plane planes[2];
    memset(planes, 0, sizeof planes);
    struct v4l2_buffer vb;
    memset(&vb, 0, sizeof vb);
    vb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
    vb.memory = V4L2_MEMORY_USERPTR;
    vb.m.planes = planes;
    vb.length = 2;
    VAL("VIDIOC_QUERYBUF mplane", ioctl(n, VIDIOC_QUERYBUF, &vb));
    VAL("VIDIOC_QBUF mplane", ioctl(n, VIDIOC_QBUF, &vb));
    VAL("VIDIOC_DQBUF mplane", ioctl(n, VIDIOC_DQBUF, &vb));
    VAL("VIDIOC_PREPARE_BUF mplane", ioctl(n, VIDIOC_PREPARE_BUF, &vb));
    vb.length = 9;
    VAL("VIDIOC_QBUF too many planes", ioctl(n, VIDIOC_QBUF, &vb));

    struct snd_pcm_hw_params hw;
    memset(&hw, 0, sizeof hw);
    VAL("SNDRV_PCM_IOCTL_HW_REFINE", ioctl(n, SNDRV_PCM_IOCTL_HW_REFINE, &hw));
    VAL("SNDRV_PCM_IOCTL_HW_PARAMS", ioctl(n, SNDRV_PCM_IOCTL_HW_PARAMS, &hw));
    struct snd_pcm_sw_params sw;
    memset(&sw, 0, sizeof sw);
    VAL("SNDRV_PCM_IOCTL_SW_PARAMS", ioctl(n, SNDRV_PCM_IOCTL_SW_PARAMS, &sw));
    snd_pcm_sframes_t delay;
    VAL("SNDRV_PCM_IOCTL_DELAY", ioctl(n, SNDRV_PCM_IOCTL_DELAY, &delay));
    struct snd_pcm_channel_info ci;
    memset(&ci, 0, sizeof ci);
    VAL("SNDRV_PCM_IOCTL_CHANNEL_INFO", ioctl(n, SNDRV_PCM_IOCTL_CHANNEL_INFO, &ci));
    snd_pcm_uframes_t frames = 16;
    VAL("SNDRV_PCM_IOCTL_REWIND", ioctl(n, SNDRV_PCM_IOCTL_REWIND, &frames));
    VAL("SNDRV_PCM_IOCTL_FORWARD", ioctl(n, SNDRV_PCM_IOCTL_FORWARD, &frames));
    char pcm[64];
    struct snd_xferi xi = {0, pcm, 16};
    VAL("SNDRV_PCM_IOCTL_WRITEI_FRAMES", ioctl(n, SNDRV_PCM_IOCTL_WRITEI_FRAMES, &xi));
    VAL("SNDRV_PCM_IOCTL_READI_FRAMES", ioctl(n, SNDRV_PCM_IOCTL_READI_FRAMES, &xi));
    void *bufs[2] = {pcm, pcm + 32};
    struct snd_xfern xn = {0, bufs, 8};
    VAL("SNDRV_PCM_IOCTL_WRITEN_FRAMES", ioctl(n, SNDRV_PCM_IOCTL_WRITEN_FRAMES, &xn));
    VAL("SNDRV_PCM_IOCTL_READN_FRAMES", ioctl(n, SNDRV_PCM_IOCTL_READN_FRAMES, &xn));
    struct snd_pcm_sync_ptr sp;
    memset(&sp, 0, sizeof sp);
    VAL("SNDRV_PCM_IOCTL_SYNC_PTR", ioctl(n, SNDRV_PCM_IOCTL_SYNC_PTR, &sp));
    struct snd_pcm_status st;
    memset(&st, 0, sizeof st);
    VAL("SNDRV_PCM_IOCTL_STATUS", ioctl(n, SNDRV_PCM_IOCTL_STATUS, &st));
    VAL("SNDRV_PCM_IOCTL_STATUS_EXT", ioctl(n, SNDRV_PCM_IOCTL_STATUS_EXT, &st));
    VAL("SNDRV_PCM_IOCTL_HW_FREE", ioctl(n, SNDRV_PCM_IOCTL_HW_FREE));
    VAL("SNDRV_PCM_IOCTL_HWSYNC", ioctl(n, SNDRV_PCM_IOCTL_HWSYNC));

    struct usbdevfs_urb urb;
    char data[64];
    memset(&urb, 0, sizeof urb);
    urb.type = USBDEVFS_URB_TYPE_BULK;
    urb.endpoint = 0x81;
    urb.buffer = data;
    urb.buffer_length = sizeof data;
    VAL("USBDEVFS_SUBMITURB", ioctl(n, USBDEVFS_SUBMITURB, &urb));
    void *reaped = NULL;
    VAL("USBDEVFS_REAPURBNDELAY", ioctl(n, USBDEVFS_REAPURBNDELAY, &reaped));
    VAL("USBDEVFS_REAPURB", ioctl(n, USBDEVFS_REAPURB, &reaped));
    VAL("USBDEVFS_DISCARDURB", ioctl(n, USBDEVFS_DISCARDURB, &urb));
    return 0;
}
