//! Ioctls as data: each row names a request, how its argument is laid out
//! for an i386 process, and what the host needs. Layout-stable requests
//! pass through (some under the host's number, where the request encodes
//! a `long`-sized argument); the rest have a conversion. An unknown
//! request that carries a struct fails with ENOTTY and one warning naming
//! it; argument-less (`_IO`) requests pass.

use super::abi32::*;
use super::guest::{self, mptr, zeroed};
use super::ioctl_dev as dev;
use super::{warn_once, Errno, Res};
use crate::process::Process;
use libc::SYS_ioctl;

/// What a row does with the argument.
#[derive(Clone, Copy)]
enum Arg {
    /// Layout-stable (an integer, or a pointer to the same bytes).
    Same,
    /// Layout-stable, but the request number differs on the host.
    Renumber(u32),
    /// A converting handler: (fd, guest argument) -> result.
    Convert(fn(u64, u32, u64) -> Res),
}

struct Ioctl {
    req: u32,
    name: &'static str,
    arg: Arg,
}

const fn row(req: u32, name: &'static str, arg: Arg) -> Ioctl {
    Ioctl { req, name, arg }
}
use Arg::*;

fn host_ioctl(fd: u64, req: u32, arg: u64) -> Res {
    super::sys!(SYS_ioctl, fd, req, arg)
}

static TABLE: &[Ioctl] = &[
    // Terminals: termios, termio, termios2 and winsize have the same layout.
    row(0x5401, "TCGETS", Same),
    row(0x5402, "TCSETS", Same),
    row(0x5403, "TCSETSW", Same),
    row(0x5404, "TCSETSF", Same),
    row(0x5405, "TCGETA", Same),
    row(0x5406, "TCSETA", Same),
    row(0x5407, "TCSETAW", Same),
    row(0x5408, "TCSETAF", Same),
    row(0x5409, "TCSBRK", Same),
    row(0x540A, "TCXONC", Same),
    row(0x540B, "TCFLSH", Same),
    row(0x540C, "TIOCEXCL", Same),
    row(0x540D, "TIOCNXCL", Same),
    row(0x540E, "TIOCSCTTY", Same),
    row(0x540F, "TIOCGPGRP", Same),
    row(0x5410, "TIOCSPGRP", Same),
    row(0x5411, "TIOCOUTQ", Same),
    row(0x5412, "TIOCSTI", Same),
    row(0x5413, "TIOCGWINSZ", Same),
    row(0x5414, "TIOCSWINSZ", Same),
    row(0x5415, "TIOCMGET", Same),
    row(0x5416, "TIOCMBIS", Same),
    row(0x5417, "TIOCMBIC", Same),
    row(0x5418, "TIOCMSET", Same),
    row(0x5419, "TIOCGSOFTCAR", Same),
    row(0x541A, "TIOCSSOFTCAR", Same),
    row(0x541B, "FIONREAD", Same),
    row(0x541C, "TIOCLINUX", Same),
    row(0x541D, "TIOCCONS", Same),
    row(0x541E, "TIOCGSERIAL", Convert(tiocgserial)),
    row(0x541F, "TIOCSSERIAL", Convert(tiocsserial)),
    row(0x5420, "TIOCPKT", Same),
    row(0x5421, "FIONBIO", Same),
    row(0x5422, "TIOCNOTTY", Same),
    row(0x5423, "TIOCSETD", Same),
    row(0x5424, "TIOCGETD", Same),
    row(0x5425, "TCSBRKP", Same),
    row(0x5427, "TIOCSBRK", Same),
    row(0x5428, "TIOCCBRK", Same),
    row(0x5429, "TIOCGSID", Same),
    row(0x802c542a, "TCGETS2", Same),
    row(0x402c542b, "TCSETS2", Same),
    row(0x402c542c, "TCSETSW2", Same),
    row(0x402c542d, "TCSETSF2", Same),
    row(0x542E, "TIOCGRS485", Same),
    row(0x542F, "TIOCSRS485", Same),
    row(0x80045430, "TIOCGPTN", Same),
    row(0x40045431, "TIOCSPTLCK", Same),
    row(0x80045432, "TIOCGDEV", Same),
    row(0x40045436, "TIOCSIG", Same),
    row(0x5437, "TIOCVHANGUP", Same),
    row(0x80045438, "TIOCGPKT", Same),
    row(0x80045439, "TIOCGPTLCK", Same),
    row(0x80045440, "TIOCGEXCL", Same),
    row(0x5441, "TIOCGPTPEER", Same),
    row(0x5450, "FIONCLEX", Same),
    row(0x5451, "FIOCLEX", Same),
    row(0x5452, "FIOASYNC", Same),
    row(0x5456, "TIOCGLCKTRMIOS", Same),
    row(0x5457, "TIOCSLCKTRMIOS", Same),
    row(0x5459, "TIOCSERGETLSR", Same),
    row(0x545C, "TIOCMIWAIT", Same),
    row(0x545D, "TIOCGICOUNT", Same),
    row(0x5460, "FIOQSIZE", Same),
    // Sockets.
    row(0x8901, "FIOSETOWN", Same),
    row(0x8902, "SIOCSPGRP", Same),
    row(0x8903, "FIOGETOWN", Same),
    row(0x8904, "SIOCGPGRP", Same),
    row(0x8905, "SIOCATMARK", Same),
    row(0x8906, "SIOCGSTAMP_OLD", Convert(siocgstamp)),
    row(0x8907, "SIOCGSTAMPNS_OLD", Convert(siocgstampns)),
    row(0x80108906, "SIOCGSTAMP_NEW", Same),
    row(0x80108907, "SIOCGSTAMPNS_NEW", Same),
    row(0x8912, "SIOCGIFCONF", Convert(siocgifconf)),
    row(0x894B, "SIOCOUTQNSD", Same),
    row(0x890B, "SIOCADDRT", Convert(dev::routing)),
    row(0x890C, "SIOCDELRT", Convert(dev::routing)),
    row(0x8953, "SIOCDARP", Same),
    row(0x8954, "SIOCGARP", Same),
    row(0x8955, "SIOCSARP", Same),
    row(0x8960, "SIOCDRARP", Same),
    row(0x8961, "SIOCGRARP", Same),
    row(0x8962, "SIOCSRARP", Same),
    row(0x8982, "SIOCGIFVLAN", Same),
    row(0x8983, "SIOCSIFVLAN", Same),
    row(0x8970, "SIOCGIFMAP", Convert(siocgifmap)),
    row(0x8971, "SIOCSIFMAP", Convert(siocsifmap)),
    row(0x8910, "SIOCGIFNAME", Convert(ifreq)),
    row(0x8911, "SIOCSIFLINK", Convert(ifreq)),
    row(0x8913, "SIOCGIFFLAGS", Convert(ifreq)),
    row(0x8914, "SIOCSIFFLAGS", Convert(ifreq)),
    row(0x8915, "SIOCGIFADDR", Convert(ifreq)),
    row(0x8916, "SIOCSIFADDR", Convert(ifreq)),
    row(0x8917, "SIOCGIFDSTADDR", Convert(ifreq)),
    row(0x8918, "SIOCSIFDSTADDR", Convert(ifreq)),
    row(0x8919, "SIOCGIFBRDADDR", Convert(ifreq)),
    row(0x891a, "SIOCSIFBRDADDR", Convert(ifreq)),
    row(0x891b, "SIOCGIFNETMASK", Convert(ifreq)),
    row(0x891c, "SIOCSIFNETMASK", Convert(ifreq)),
    row(0x891d, "SIOCGIFMETRIC", Convert(ifreq)),
    row(0x891e, "SIOCSIFMETRIC", Convert(ifreq)),
    row(0x8921, "SIOCGIFMTU", Convert(ifreq)),
    row(0x8922, "SIOCSIFMTU", Convert(ifreq)),
    row(0x8923, "SIOCSIFNAME", Convert(ifreq)),
    row(0x8924, "SIOCSIFHWADDR", Convert(ifreq)),
    row(0x8927, "SIOCGIFHWADDR", Convert(ifreq)),
    row(0x8931, "SIOCADDMULTI", Convert(ifreq)),
    row(0x8932, "SIOCDELMULTI", Convert(ifreq)),
    row(0x8933, "SIOCGIFINDEX", Convert(ifreq)),
    row(0x8934, "SIOCSIFPFLAGS", Convert(ifreq)),
    row(0x8935, "SIOCGIFPFLAGS", Convert(ifreq)),
    row(0x8936, "SIOCDIFADDR", Convert(ifreq)),
    row(0x8937, "SIOCSIFHWBROADCAST", Convert(ifreq)),
    row(0x8938, "SIOCGIFCOUNT", Convert(ifreq)),
    row(0x8942, "SIOCGIFTXQLEN", Convert(ifreq)),
    row(0x8943, "SIOCSIFTXQLEN", Convert(ifreq)),
    row(0x8947, "SIOCGMIIPHY", Convert(ifreq)),
    row(0x8948, "SIOCGMIIREG", Convert(ifreq)),
    row(0x8949, "SIOCSMIIREG", Convert(ifreq)),
    row(0x8990, "SIOCBONDENSLAVE", Convert(ifreq)),
    row(0x8991, "SIOCBONDRELEASE", Convert(ifreq)),
    row(0x8992, "SIOCBONDSETHWADDR", Convert(ifreq)),
    row(0x8993, "SIOCBONDSLAVEINFOQUERY", Convert(ifreq_data)),
    row(0x8994, "SIOCBONDINFOQUERY", Convert(ifreq_data)),
    row(0x8995, "SIOCBONDCHANGEACTIVE", Convert(ifreq)),
    row(0x89a2, "SIOCBRADDIF", Convert(ifreq)),
    row(0x89a3, "SIOCBRDELIF", Convert(ifreq)),
    row(0x8946, "SIOCETHTOOL", Convert(ifreq_data)),
    row(0x89b0, "SIOCSHWTSTAMP", Convert(ifreq_data)),
    row(0x89b1, "SIOCGHWTSTAMP", Convert(ifreq_data)),
    row(0x89F0, "SIOCDEVPRIVATE", Convert(ifreq_data)),
    // Files and file systems.
    row(0x80046601, "FS_IOC_GETFLAGS", Renumber(0x80086601)),
    row(0x40046602, "FS_IOC_SETFLAGS", Renumber(0x40086602)),
    row(0x80047601, "FS_IOC_GETVERSION", Renumber(0x80087601)),
    row(0x40047602, "FS_IOC_SETVERSION", Renumber(0x40087602)),
    row(0xc020660b, "FS_IOC_FIEMAP", Same),
    row(0x801c581f, "FS_IOC_FSGETXATTR", Same),
    row(0x401c5820, "FS_IOC_FSSETXATTR", Same),
    row(0x81009431, "FS_IOC_GETFSLABEL", Same),
    row(0x41009432, "FS_IOC_SETFSLABEL", Same),
    row(0x40049409, "FICLONE", Same),
    row(0x4020940d, "FICLONERANGE", Same),
    row(0xc0189436, "FIDEDUPERANGE", Same),
    row(0xc0045877, "FIFREEZE", Same),
    row(0xc0045878, "FITHAW", Same),
    row(0xc0185879, "FITRIM", Same),
    row(0x0001, "FIBMAP", Same),
    row(0x0002, "FIGETBSZ", Same),
    row(0x80086613, "FS_IOC_GET_ENCRYPTION_POLICY", Same),
    // Block devices.
    row(0x1260, "BLKGETSIZE", Convert(blkgetsize)),
    row(0x80041272, "BLKGETSIZE64", Renumber(0x80081272)),
    row(0x80041270, "BLKBSZGET", Renumber(0x80081270)),
    row(0x40041271, "BLKBSZSET", Renumber(0x40081271)),
    row(0x1268, "BLKSSZGET", Same),
    row(0x125d, "BLKROSET", Same),
    row(0x125e, "BLKROGET", Same),
    row(0x125f, "BLKRRPART", Same),
    row(0x1261, "BLKFLSBUF", Same),
    row(0x1262, "BLKRASET", Same),
    row(0x1263, "BLKRAGET", Convert(blk_ulong_get)),
    row(0x1264, "BLKFRASET", Same),
    row(0x1265, "BLKFRAGET", Convert(blk_ulong_get)),
    row(0x1267, "BLKSECTGET", Same),
    row(0x1277, "BLKDISCARD", Same),
    row(0x1278, "BLKIOMIN", Same),
    row(0x1279, "BLKIOOPT", Same),
    row(0x127a, "BLKALIGNOFF", Same),
    row(0x127b, "BLKPBSZGET", Same),
    row(0x127c, "BLKDISCARDZEROES", Same),
    row(0x127d, "BLKSECDISCARD", Same),
    row(0x127e, "BLKROTATIONAL", Same),
    row(0x127f, "BLKZEROOUT", Same),
    row(0x80081280, "BLKGETDISKSEQ", Same),
    row(0x0301, "HDIO_GETGEO", Convert(hdio_getgeo)),
    // Loop devices (loop_info64 and loop_config are layout-stable).
    row(0x4C00, "LOOP_SET_FD", Same),
    row(0x4C01, "LOOP_CLR_FD", Same),
    row(0x4C02, "LOOP_SET_STATUS", Convert(loop_set_status)),
    row(0x4C03, "LOOP_GET_STATUS", Convert(loop_get_status)),
    row(0x4C04, "LOOP_SET_STATUS64", Same),
    row(0x4C05, "LOOP_GET_STATUS64", Same),
    row(0x4C06, "LOOP_CHANGE_FD", Same),
    row(0x4C07, "LOOP_SET_CAPACITY", Same),
    row(0x4C08, "LOOP_SET_DIRECT_IO", Same),
    row(0x4C09, "LOOP_SET_BLOCK_SIZE", Same),
    row(0x4C0A, "LOOP_CONFIGURE", Same),
    row(0x4C80, "LOOP_CTL_ADD", Same),
    row(0x4C81, "LOOP_CTL_REMOVE", Same),
    row(0x4C82, "LOOP_CTL_GET_FREE", Same),
    // Input (evdev) queries.
    row(0x80044501, "EVIOCGVERSION", Same),
    row(0x80084502, "EVIOCGID", Same),
    row(0x80084503, "EVIOCGREP", Same),
    row(0x40084503, "EVIOCSREP", Same),
    row(0x80084504, "EVIOCGKEYCODE", Same),
    row(0x80284504, "EVIOCGKEYCODE_V2", Same),
    row(0x40084504, "EVIOCSKEYCODE", Same),
    row(0x40284504, "EVIOCSKEYCODE_V2", Same),
    row(0x40044581, "EVIOCRMFF", Same),
    row(0x80044584, "EVIOCGEFFECTS", Same),
    row(0x40044590, "EVIOCGRAB", Same),
    row(0x40044591, "EVIOCREVOKE", Same),
    row(0x80104592, "EVIOCGMASK", Same),
    row(0x40104593, "EVIOCSMASK", Same),
    row(0x400445a0, "EVIOCSCLOCKID", Same),
    // Real-time clock.
    row(0x7001, "RTC_AIE_ON", Same),
    row(0x7002, "RTC_AIE_OFF", Same),
    row(0x7003, "RTC_UIE_ON", Same),
    row(0x7004, "RTC_UIE_OFF", Same),
    row(0x7005, "RTC_PIE_ON", Same),
    row(0x7006, "RTC_PIE_OFF", Same),
    row(0x40247007, "RTC_ALM_SET", Same),
    row(0x80247008, "RTC_ALM_READ", Same),
    row(0x80247009, "RTC_RD_TIME", Same),
    row(0x4024700a, "RTC_SET_TIME", Same),
    row(0x8004700b, "RTC_IRQP_READ", Convert(rtc_ulong_get)),
    row(0x4004700c, "RTC_IRQP_SET", Renumber(0x4008700c)),
    row(0x8004700d, "RTC_EPOCH_READ", Convert(rtc_ulong_get)),
    row(0x4004700e, "RTC_EPOCH_SET", Renumber(0x4008700e)),
    row(0x4028700f, "RTC_WKALM_SET", Same),
    row(0x80287010, "RTC_WKALM_RD", Same),
    row(0x7013, "RTC_VL_CLR", Same),
    row(0x80047013, "RTC_VL_READ", Same),
    // DRM core.
    row(0xc0246400, "DRM_IOCTL_VERSION", Convert(drm_version)),
    row(0x80046402, "DRM_IOCTL_GET_MAGIC", Same),
    row(0x40046411, "DRM_IOCTL_AUTH_MAGIC", Same),
    row(0xc0106407, "DRM_IOCTL_SET_VERSION", Same),
    row(0x40086409, "DRM_IOCTL_GEM_CLOSE", Same),
    row(0xc008640a, "DRM_IOCTL_GEM_FLINK", Same),
    row(0xc010640b, "DRM_IOCTL_GEM_OPEN", Same),
    row(0xc010640c, "DRM_IOCTL_GET_CAP", Same),
    row(0x4010640d, "DRM_IOCTL_SET_CLIENT_CAP", Same),
    row(0x641e, "DRM_IOCTL_SET_MASTER", Same),
    row(0x641f, "DRM_IOCTL_DROP_MASTER", Same),
    row(0xc00c642d, "DRM_IOCTL_PRIME_HANDLE_TO_FD", Same),
    row(0xc00c642e, "DRM_IOCTL_PRIME_FD_TO_HANDLE", Same),
    // Video4Linux2.
    row(0x80685600, "VIDIOC_QUERYCAP", Same),
    row(0xc0405602, "VIDIOC_ENUM_FMT", Same),
    row(0xc0cc5604, "VIDIOC_G_FMT", Convert(v4l2_g_fmt)),
    row(0xc0cc5605, "VIDIOC_S_FMT", Convert(v4l2_s_fmt)),
    row(0xc0cc5640, "VIDIOC_TRY_FMT", Convert(v4l2_try_fmt)),
    row(0xc0145608, "VIDIOC_REQBUFS", Same),
    row(0xc0445609, "VIDIOC_QUERYBUF", Convert(v4l2_querybuf)),
    row(0xc044560f, "VIDIOC_QBUF", Convert(v4l2_qbuf)),
    row(0xc0445611, "VIDIOC_DQBUF", Convert(v4l2_dqbuf)),
    row(0xc044565d, "VIDIOC_PREPARE_BUF", Convert(v4l2_prepare_buf)),
    row(0x40045612, "VIDIOC_STREAMON", Same),
    row(0x40045613, "VIDIOC_STREAMOFF", Same),
    row(0xc0cc5615, "VIDIOC_G_PARM", Same),
    row(0xc0cc5616, "VIDIOC_S_PARM", Same),
    row(0xc050561a, "VIDIOC_ENUMINPUT", Same),
    row(0xc008561b, "VIDIOC_G_CTRL", Same),
    row(0xc008561c, "VIDIOC_S_CTRL", Same),
    row(0xc0445624, "VIDIOC_QUERYCTRL", Same),
    row(0x80045626, "VIDIOC_G_INPUT", Same),
    row(0xc0045627, "VIDIOC_S_INPUT", Same),
    // USB device file system.
    row(0xc0105500, "USBDEVFS_CONTROL", Convert(usb_control)),
    row(0xc0105502, "USBDEVFS_BULK", Convert(usb_bulk)),
    row(0x80045503, "USBDEVFS_RESETEP", Same),
    row(0x80085504, "USBDEVFS_SETINTERFACE", Same),
    row(0x80045505, "USBDEVFS_SETCONFIGURATION", Same),
    row(0x8004550f, "USBDEVFS_CLAIMINTERFACE", Same),
    row(0x80045510, "USBDEVFS_RELEASEINTERFACE", Same),
    row(0x5514, "USBDEVFS_RESET", Same),
    row(0x80045515, "USBDEVFS_CLEAR_HALT", Same),
    row(0x8004551a, "USBDEVFS_GET_CAPABILITIES", Same),
    row(
        0x802c550a,
        "USBDEVFS_SUBMITURB",
        Convert(dev::usb_submiturb),
    ),
    row(0x550b, "USBDEVFS_DISCARDURB", Convert(dev::usb_discardurb)),
    row(0x4004550c, "USBDEVFS_REAPURB", Convert(dev::usb_reapurb)),
    row(
        0x4004550d,
        "USBDEVFS_REAPURBNDELAY",
        Convert(dev::usb_reapurb),
    ),
    // ALSA: the layout-stable PCM and control requests.
    row(0x80044100, "SNDRV_PCM_IOCTL_PVERSION", Same),
    row(0x81204101, "SNDRV_PCM_IOCTL_INFO", Same),
    row(0x40044102, "SNDRV_PCM_IOCTL_TSTAMP", Same),
    row(0x40044103, "SNDRV_PCM_IOCTL_TTSTAMP", Same),
    row(0x40044104, "SNDRV_PCM_IOCTL_USER_PVERSION", Same),
    row(
        0xc25c4110,
        "SNDRV_PCM_IOCTL_HW_REFINE",
        Convert(dev::pcm_hw_params),
    ),
    row(
        0xc25c4111,
        "SNDRV_PCM_IOCTL_HW_PARAMS",
        Convert(dev::pcm_hw_params),
    ),
    row(0x4112, "SNDRV_PCM_IOCTL_HW_FREE", Same),
    row(
        0xc0684113,
        "SNDRV_PCM_IOCTL_SW_PARAMS",
        Convert(dev::pcm_sw_params),
    ),
    row(
        0x806c4120,
        "SNDRV_PCM_IOCTL_STATUS",
        Convert(dev::pcm_status),
    ),
    row(0x80044121, "SNDRV_PCM_IOCTL_DELAY", Convert(dev::pcm_delay)),
    row(
        0xc0844123,
        "SNDRV_PCM_IOCTL_SYNC_PTR",
        Convert(dev::pcm_sync_ptr),
    ),
    row(
        0xc06c4124,
        "SNDRV_PCM_IOCTL_STATUS_EXT",
        Convert(dev::pcm_status),
    ),
    row(0x4122, "SNDRV_PCM_IOCTL_HWSYNC", Same),
    row(
        0x80104132,
        "SNDRV_PCM_IOCTL_CHANNEL_INFO",
        Convert(dev::pcm_channel_info),
    ),
    row(
        0x40044146,
        "SNDRV_PCM_IOCTL_REWIND",
        Convert(dev::pcm_rewind_forward),
    ),
    row(
        0x40044149,
        "SNDRV_PCM_IOCTL_FORWARD",
        Convert(dev::pcm_rewind_forward),
    ),
    row(
        0x400c4150,
        "SNDRV_PCM_IOCTL_WRITEI_FRAMES",
        Convert(dev::pcm_xfer),
    ),
    row(
        0x800c4151,
        "SNDRV_PCM_IOCTL_READI_FRAMES",
        Convert(dev::pcm_xfer),
    ),
    row(
        0x400c4152,
        "SNDRV_PCM_IOCTL_WRITEN_FRAMES",
        Convert(dev::pcm_xfer),
    ),
    row(
        0x800c4153,
        "SNDRV_PCM_IOCTL_READN_FRAMES",
        Convert(dev::pcm_xfer),
    ),
    row(0x4140, "SNDRV_PCM_IOCTL_PREPARE", Same),
    row(0x4141, "SNDRV_PCM_IOCTL_RESET", Same),
    row(0x4142, "SNDRV_PCM_IOCTL_START", Same),
    row(0x4143, "SNDRV_PCM_IOCTL_DROP", Same),
    row(0x4144, "SNDRV_PCM_IOCTL_DRAIN", Same),
    row(0x40044145, "SNDRV_PCM_IOCTL_PAUSE", Same),
    row(0x4147, "SNDRV_PCM_IOCTL_RESUME", Same),
    row(0x4148, "SNDRV_PCM_IOCTL_XRUN", Same),
    row(0x40044160, "SNDRV_PCM_IOCTL_LINK", Same),
    row(0x4161, "SNDRV_PCM_IOCTL_UNLINK", Same),
    row(0x80045500, "SNDRV_CTL_IOCTL_PVERSION", Same),
    row(0x81785501, "SNDRV_CTL_IOCTL_CARD_INFO", Same),
    row(0x40045530, "SNDRV_CTL_IOCTL_POWER", Same),
    row(0x80045531, "SNDRV_CTL_IOCTL_POWER_STATE", Same),
];

/// Handles an i386 ioctl with the translation back end.
pub fn ioctl(_p: &mut Process, a: &[u64; 6]) -> Res {
    let (fd, req, arg) = (a[0], a[1] as u32, a[2]);
    match TABLE.iter().find(|r| r.req == req) {
        Some(r) => match r.arg {
            Same => host_ioctl(fd, req, arg),
            Renumber(h) => host_ioctl(fd, h, arg),
            Convert(f) => f(fd, req, arg),
        },
        None if req >> 16 == 0 || evdev_query(req) => host_ioctl(fd, req, arg),
        None => {
            warn_once(
                1 << 40 | req as u64,
                &format!("i386 ioctl {req:#010x} ({})", describe(req)),
                "no layout description for this request; failing it with ENOTTY",
            );
            Err(Errno::ENOTTY)
        }
    }
}

/// The evdev requests whose size field is the caller's buffer length
/// (names, bitmaps, key/led/sound/switch state, multitouch slots) and
/// the absinfo ones (get and set): byte buffers and 32-bit values,
/// layout-stable.
fn evdev_query(req: u32) -> bool {
    let (ty, nr) = ((req >> 8) as u8, req as u8);
    ty == b'E' && matches!(nr, 0x06..=0x1b | 0x20..=0x7f | 0xc0..=0xff)
}

/// "_IOR('T', 0x2a, 44)"-style description of an unknown request.
fn describe(req: u32) -> String {
    let dir = ["_IO", "_IOW", "_IOR", "_IOWR"][(req >> 30) as usize];
    let ty = (req >> 8) as u8;
    let ty = if ty.is_ascii_graphic() {
        format!("'{}'", ty as char)
    } else {
        format!("{ty:#x}")
    };
    format!("{dir}({ty}, {:#x}, {})", req & 0xff, (req >> 16) & 0x3fff)
}

/// Number of ioctl requests with a row (for the report).
pub fn count() -> usize {
    TABLE.len()
}

/// The name of an i386 ioctl request with a row.
pub fn name(req: u32) -> Option<&'static str> {
    TABLE.iter().find(|r| r.req == req).map(|r| r.name)
}

// ---- conversions ----------------------------------------------------------------

fn siocgstamp(fd: u64, _req: u32, arg: u64) -> Res {
    let mut tv: libc::timeval = zeroed();
    let r = host_ioctl(fd, 0x8906, mptr(&mut tv))?;
    guest::write(arg, &Timeval32::from_host(&tv))?;
    Ok(r)
}

fn siocgstampns(fd: u64, _req: u32, arg: u64) -> Res {
    let mut ts: libc::timespec = zeroed();
    let r = host_ioctl(fd, 0x8907, mptr(&mut ts))?;
    guest::write(arg, &Timespec32::from_host(&ts))?;
    Ok(r)
}

/// struct ifreq: 16-byte name, then a union of 16 bytes on i386 and 24 on
/// the host (its largest member, ifmap, has `unsigned long`s).
const IFREQ32: usize = 32;
const IFREQ64: usize = 40;

/// SIOCGIFCONF: struct ifconf {int len; pointer} and an array of ifreqs.
fn siocgifconf(fd: u64, _req: u32, arg: u64) -> Res {
    let g: [u32; 2] = guest::read(arg)?;
    let (len, buf) = (g[0] as i32, g[1] as u64);
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = len as usize / IFREQ32;
    let mut host = vec![0u8; n * IFREQ64];
    #[repr(C)]
    struct Ifconf {
        len: i32,
        buf: u64,
    }
    let mut hc = Ifconf {
        len: host.len() as i32,
        buf: if buf == 0 {
            0
        } else {
            host.as_mut_ptr() as u64
        },
    };
    let r = host_ioctl(fd, 0x8912, &mut hc as *mut Ifconf as u64)?;
    let got = hc.len as usize / IFREQ64;
    if buf != 0 {
        for k in 0..got {
            guest::write_from(
                buf + (k * IFREQ32) as u64,
                &host[k * IFREQ64..k * IFREQ64 + IFREQ32],
            )?;
        }
    }
    let out_len = if buf == 0 {
        (hc.len as usize / IFREQ64 * IFREQ32) as u32
    } else {
        (got * IFREQ32) as u32
    };
    guest::put_u32(arg, out_len)?;
    Ok(r)
}

/// SIOCGIFMAP/SIOCSIFMAP: struct ifmap {ulong mem_start, mem_end; ushort
/// base_addr; uchar irq, dma, port}.
fn ifmap_in(g: &[u8]) -> [u8; IFREQ64] {
    let mut h = [0u8; IFREQ64];
    h[..16].copy_from_slice(&g[..16]);
    h[16..20].copy_from_slice(&g[16..20]);
    h[24..28].copy_from_slice(&g[20..24]);
    h[32..37].copy_from_slice(&g[24..29]);
    h
}

fn ifmap_out(h: &[u8]) -> [u8; IFREQ32] {
    let mut g = [0u8; IFREQ32];
    g[..16].copy_from_slice(&h[..16]);
    g[16..20].copy_from_slice(&h[16..20]);
    g[20..24].copy_from_slice(&h[24..28]);
    g[24..29].copy_from_slice(&h[32..37]);
    g
}

fn siocgifmap(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, IFREQ32)?;
    let mut h = ifmap_in(&g);
    let r = host_ioctl(fd, 0x8970, h.as_mut_ptr() as u64)?;
    guest::write_from(arg, &ifmap_out(&h))?;
    Ok(r)
}

fn siocsifmap(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, IFREQ32)?;
    let h = ifmap_in(&g);
    host_ioctl(fd, 0x8971, h.as_ptr() as u64)
}

/// ifreq requests whose union holds a pointer (ifr_data).
fn ifreq_data(fd: u64, req: u32, arg: u64) -> Res {
    ifreq_ptr(fd, req, arg)
}

/// The generic ifreq: the union's first 16 bytes carry over.
fn ifreq(fd: u64, req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, IFREQ32)?;
    let mut h = [0u8; IFREQ64];
    h[..IFREQ32].copy_from_slice(&g);
    let r = host_ioctl(fd, req, h.as_mut_ptr() as u64)?;
    guest::write_from(arg, &h[..IFREQ32])?;
    Ok(r)
}

/// ifreq with ifr_data: a 32-bit pointer widened.
fn ifreq_ptr(fd: u64, req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, IFREQ32)?;
    let mut h = [0u8; IFREQ64];
    h[..16].copy_from_slice(&g[..16]);
    let p = u32::from_le_bytes(g[16..20].try_into().unwrap_or_default()) as u64;
    h[16..24].copy_from_slice(&p.to_le_bytes());
    host_ioctl(fd, req, h.as_mut_ptr() as u64)
}

fn blkgetsize(fd: u64, _req: u32, arg: u64) -> Res {
    let mut v: u64 = 0;
    let r = host_ioctl(fd, 0x1260, mptr(&mut v))?;
    if v > u32::MAX as u64 {
        return Err(Errno(libc::EFBIG));
    }
    guest::put_u32(arg, v as u32)?;
    Ok(r)
}

/// BLKRAGET, BLKFRAGET: an unsigned long; the guest gets 32 bits.
fn blk_ulong_get(fd: u64, req: u32, arg: u64) -> Res {
    let mut v: u64 = 0;
    let r = host_ioctl(fd, req, mptr(&mut v))?;
    guest::put_u32(arg, v as u32)?;
    Ok(r)
}

/// RTC_IRQP_READ, RTC_EPOCH_READ: _IOR(.., unsigned long) under the
/// host's number; the guest gets 32 bits.
fn rtc_ulong_get(fd: u64, req: u32, arg: u64) -> Res {
    blk_ulong_get(fd, (req & !(0x3fff << 16)) | 8 << 16, arg)
}

/// HDIO_GETGEO: struct hd_geometry {u8 heads, sectors; u16 cylinders; ulong start}.
fn hdio_getgeo(fd: u64, _req: u32, arg: u64) -> Res {
    let mut h = [0u8; 16];
    let r = host_ioctl(fd, 0x0301, h.as_mut_ptr() as u64)?;
    let mut g = [0u8; 8];
    g[..4].copy_from_slice(&h[..4]);
    g[4..8].copy_from_slice(&h[8..12]);
    guest::write_from(arg, &g)?;
    Ok(r)
}

/// struct loop_info64 (layout-stable): offsets of its fields.
const LI64_SIZE: usize = 232;
/// compat_loop_info: int number; u16 device; ulong inode; u16 rdevice;
/// int offset, encrypt_type, encrypt_key_size, flags; char name[64];
/// u8 key[32]; ulong init[2]; char reserved[4].
const LI32_SIZE: usize = 140;
const LO_CRYPT_CRYPTOAPI: u32 = 18;

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

/// LOOP_GET_STATUS: the kernel's loop_info64_to_compat, with its
/// overflow checks.
fn loop_get_status(fd: u64, _req: u32, arg: u64) -> Res {
    let mut h = [0u8; LI64_SIZE];
    let r = host_ioctl(fd, 0x4C05, h.as_mut_ptr() as u64)?;
    let (device, inode, rdevice, offset) = (le64(&h, 0), le64(&h, 8), le64(&h, 16), le64(&h, 24));
    let (number, encrypt_type, key_size, flags) =
        (le32(&h, 40), le32(&h, 44), le32(&h, 48), le32(&h, 52));
    let (init0, init1) = (le64(&h, 216), le64(&h, 224));
    if device > 0xffff
        || rdevice > 0xffff
        || inode > u32::MAX as u64
        || offset as i64 as i32 as i64 != offset as i64
        || init0 > u32::MAX as u64
        || init1 > u32::MAX as u64
    {
        return Err(Errno::EOVERFLOW);
    }
    let mut g = [0u8; LI32_SIZE];
    g[0..4].copy_from_slice(&number.to_le_bytes());
    g[4..6].copy_from_slice(&(device as u16).to_le_bytes());
    g[8..12].copy_from_slice(&(inode as u32).to_le_bytes());
    g[12..14].copy_from_slice(&(rdevice as u16).to_le_bytes());
    g[16..20].copy_from_slice(&(offset as u32).to_le_bytes());
    g[20..24].copy_from_slice(&encrypt_type.to_le_bytes());
    g[24..28].copy_from_slice(&key_size.to_le_bytes());
    g[28..32].copy_from_slice(&flags.to_le_bytes());
    let name_at = if encrypt_type == LO_CRYPT_CRYPTOAPI {
        120
    } else {
        56
    };
    g[32..96].copy_from_slice(&h[name_at..name_at + 64]);
    g[96..128].copy_from_slice(&h[184..216]);
    g[128..132].copy_from_slice(&(init0 as u32).to_le_bytes());
    g[132..136].copy_from_slice(&(init1 as u32).to_le_bytes());
    guest::write_from(arg, &g)?;
    Ok(r)
}

/// LOOP_SET_STATUS as LOOP_SET_STATUS64 (loop_info64_from_compat).
fn loop_set_status(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, LI32_SIZE)?;
    let mut h = [0u8; LI64_SIZE];
    let u16at = |at: usize| u16::from_le_bytes([g[at], g[at + 1]]) as u64;
    h[0..8].copy_from_slice(&u16at(4).to_le_bytes());
    h[8..16].copy_from_slice(&(le32(&g, 8) as u64).to_le_bytes());
    h[16..24].copy_from_slice(&u16at(12).to_le_bytes());
    h[24..32].copy_from_slice(&(le32(&g, 16) as i32 as i64).to_le_bytes());
    h[40..44].copy_from_slice(&g[0..4]);
    h[44..56].copy_from_slice(&g[20..32]);
    let name_at = if le32(&g, 20) == LO_CRYPT_CRYPTOAPI {
        120
    } else {
        56
    };
    h[name_at..name_at + 64].copy_from_slice(&g[32..96]);
    h[184..216].copy_from_slice(&g[96..128]);
    h[216..224].copy_from_slice(&(le32(&g, 128) as u64).to_le_bytes());
    h[224..232].copy_from_slice(&(le32(&g, 132) as u64).to_le_bytes());
    host_ioctl(fd, 0x4C04, h.as_ptr() as u64)
}

/// TIOCGSERIAL/TIOCSSERIAL: struct serial_struct has a pointer
/// (iomem_base) and an unsigned long (iomap_base) at its end.
fn serial_in(g: &[u8]) -> [u8; 72] {
    let mut h = [0u8; 72];
    h[..44].copy_from_slice(&g[..44]);
    h[48..52].copy_from_slice(&g[44..48]);
    h[56..64].copy_from_slice(&g[48..56]);
    h[64..68].copy_from_slice(&g[56..60]);
    h
}

fn serial_out(h: &[u8]) -> [u8; 60] {
    let mut g = [0u8; 60];
    g[..44].copy_from_slice(&h[..44]);
    g[44..48].copy_from_slice(&h[48..52]);
    g[48..56].copy_from_slice(&h[56..64]);
    g[56..60].copy_from_slice(&h[64..68]);
    g
}

fn tiocgserial(fd: u64, _req: u32, arg: u64) -> Res {
    let mut h = [0u8; 72];
    let r = host_ioctl(fd, 0x541E, h.as_mut_ptr() as u64)?;
    guest::write_from(arg, &serial_out(&h))?;
    Ok(r)
}

fn tiocsserial(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, 60)?;
    host_ioctl(fd, 0x541F, serial_in(&g).as_ptr() as u64)
}

/// DRM_IOCTL_VERSION: three ints, then three (size_t, char *) pairs.
fn drm_version(fd: u64, _req: u32, arg: u64) -> Res {
    let g: [u32; 9] = guest::read(arg)?;
    let mut h = [0u64; 8];
    h[0] = g[0] as u64 | (g[1] as u64) << 32;
    h[1] = g[2] as u64;
    for k in 0..3 {
        h[2 + 2 * k] = g[3 + 2 * k] as u64;
        h[3 + 2 * k] = g[4 + 2 * k] as u64;
    }
    let r = host_ioctl(fd, 0xc0406400, h.as_mut_ptr() as u64)?;
    let mut out = [0u32; 9];
    out[0] = h[0] as u32;
    out[1] = (h[0] >> 32) as u32;
    out[2] = h[1] as u32;
    for k in 0..3 {
        out[3 + 2 * k] = h[2 + 2 * k] as u32;
        out[4 + 2 * k] = h[3 + 2 * k] as u32;
    }
    guest::write(arg, &out)?;
    Ok(r)
}

/// struct v4l2_format: the union starts at 4 on i386 and 8 on the host.
fn v4l2_fmt(fd: u64, arg: u64, host_req: u32) -> Res {
    let g = guest::read_bytes(arg, 204)?;
    let ty = u32::from_le_bytes(g[..4].try_into().unwrap_or_default());
    // Overlay formats (types 3 and 8) hold pointers.
    if ty == 3 || ty == 8 {
        warn_once(
            1 << 40 | host_req as u64,
            "i386 ioctl VIDIOC_*_FMT",
            "overlay formats are not translated",
        );
        return Err(Errno::EINVAL);
    }
    let mut h = [0u8; 208];
    h[..4].copy_from_slice(&g[..4]);
    h[8..].copy_from_slice(&g[4..]);
    let r = host_ioctl(fd, host_req, h.as_mut_ptr() as u64)?;
    let mut out = [0u8; 204];
    out[..4].copy_from_slice(&h[..4]);
    out[4..].copy_from_slice(&h[8..]);
    guest::write_from(arg, &out)?;
    Ok(r)
}

fn v4l2_g_fmt(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_fmt(fd, arg, 0xc0d05604)
}

fn v4l2_s_fmt(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_fmt(fd, arg, 0xc0d05605)
}

fn v4l2_try_fmt(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_fmt(fd, arg, 0xc0d05640)
}

/// struct v4l2_buffer: a timeval and a union with an unsigned long.
/// (i386 offset, host offset, size) of each member.
const V4L2_BUF: [(usize, usize, usize); 9] = [
    (0, 0, 20),   // index, type, bytesused, flags, field
    (20, 24, 4),  // timestamp.tv_sec (low half)
    (24, 32, 4),  // timestamp.tv_usec
    (28, 40, 16), // timecode
    (44, 56, 8),  // sequence, memory
    (52, 64, 4),  // m (offset, userptr, fd)
    (56, 72, 8),  // length, reserved2
    (64, 80, 4),  // request_fd
    (0, 0, 0),
];

fn v4l2_buf(fd: u64, arg: u64, host_req: u32) -> Res {
    let g = guest::read_bytes(arg, 68)?;
    let ty = le32(&g, 4);
    let mut h = [0u8; 88];
    for (go, ho, n) in V4L2_BUF {
        h[ho..ho + n].copy_from_slice(&g[go..go + n]);
    }
    // tv_sec sign-extends.
    let sec = i32::from_le_bytes(g[20..24].try_into().unwrap_or_default()) as i64;
    h[24..32].copy_from_slice(&sec.to_le_bytes());
    // Multi-planar: m.planes points to `length` planes, converted both
    // ways (get/put_v4l2_plane32).
    let guest_planes = le32(&g, 52) as u64;
    let mut planes = None;
    if dev::v4l2_multiplanar(ty) {
        planes = dev::v4l2_planes_in(guest_planes, le32(&g, 56), le32(&g, 48));
        let p = planes.as_ref().map_or(guest_planes, |p| p.as_ptr() as u64);
        h[64..72].copy_from_slice(&p.to_le_bytes());
    }
    let r = host_ioctl(fd, host_req, h.as_mut_ptr() as u64)?;
    let mut out = [0u8; 68];
    for (go, ho, n) in V4L2_BUF {
        out[go..go + n].copy_from_slice(&h[ho..ho + n]);
    }
    if let Some(p) = &planes {
        out[52..56].copy_from_slice(&(guest_planes as u32).to_le_bytes());
        dev::v4l2_planes_out(guest_planes, p)?;
    }
    guest::write_from(arg, &out)?;
    Ok(r)
}

fn v4l2_prepare_buf(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_buf(fd, arg, 0xc058565d)
}

fn v4l2_querybuf(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_buf(fd, arg, 0xc0585609)
}

fn v4l2_qbuf(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_buf(fd, arg, 0xc058560f)
}

fn v4l2_dqbuf(fd: u64, _req: u32, arg: u64) -> Res {
    v4l2_buf(fd, arg, 0xc0585611)
}

/// USBDEVFS_CONTROL: {u8, u8, u16 x3, u32 timeout, void *data}.
fn usb_control(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, 16)?;
    let mut h = [0u8; 24];
    h[..12].copy_from_slice(&g[..12]);
    h[16..20].copy_from_slice(&g[12..16]);
    host_ioctl(fd, 0xc0185500, h.as_mut_ptr() as u64)
}

/// USBDEVFS_BULK: {u32 ep, len, timeout; void *data}.
fn usb_bulk(fd: u64, _req: u32, arg: u64) -> Res {
    let g = guest::read_bytes(arg, 16)?;
    let mut h = [0u8; 24];
    h[..12].copy_from_slice(&g[..12]);
    h[16..20].copy_from_slice(&g[12..16]);
    host_ioctl(fd, 0xc0185502, h.as_mut_ptr() as u64)
}
