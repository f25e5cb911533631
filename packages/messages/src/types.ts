/**
 * Message type numbers (src/include/ceph_fs.h CEPH_MSG_*, src/msg/Message.h MSG_*) for the messages
 * this package knows; a codec file registers each with the messenger's registry.
 */
export const CEPH_MSG_SHUTDOWN = 1;
export const CEPH_MSG_PING = 2;
export const CEPH_MSG_MON_MAP = 4;
export const CEPH_MSG_MON_GET_MAP = 5;
export const CEPH_MSG_MON_GET_OSDMAP = 6;
export const CEPH_MSG_MON_METADATA = 7;
export const CEPH_MSG_STATFS = 13;
export const CEPH_MSG_STATFS_REPLY = 14;
export const CEPH_MSG_MON_SUBSCRIBE = 15;
export const CEPH_MSG_MON_SUBSCRIBE_ACK = 16;
export const CEPH_MSG_AUTH = 17;
export const CEPH_MSG_AUTH_REPLY = 18;
export const CEPH_MSG_MON_GET_VERSION = 19;
export const CEPH_MSG_MON_GET_VERSION_REPLY = 20;
export const CEPH_MSG_OSD_MAP = 41;
export const CEPH_MSG_OSD_OP = 42;
export const CEPH_MSG_OSD_OPREPLY = 43;
export const CEPH_MSG_WATCH_NOTIFY = 44;
export const CEPH_MSG_OSD_BACKOFF = 61;
export const CEPH_MSG_POOLOP_REPLY = 48;
export const CEPH_MSG_POOLOP = 49;
export const MSG_MON_COMMAND = 50;
export const MSG_MON_COMMAND_ACK = 51;
export const MSG_LOG = 52;
export const MSG_LOGACK = 53;
export const MSG_ROUTE = 47;
export const MSG_FORWARD = 46;
export const MSG_CONFIG = 62;
export const MSG_GET_CONFIG = 63;
export const MSG_GETPOOLSTATS = 58;
export const MSG_GETPOOLSTATSREPLY = 59;
export const MSG_MGR_MAP = 0x704;
/** Daemon and client sessions with the active mgr (src/msg/Message.h). */
export const MSG_MGR_OPEN = 0x700;
export const MSG_MGR_CONFIGURE = 0x701;
export const MSG_MGR_REPORT = 0x702;
export const MSG_MGR_COMMAND = 0x709;
export const MSG_MGR_COMMAND_REPLY = 0x70a;
/** An OSD's PG statistics for the mgr (MPGStats). */
export const MSG_PGSTATS = 87;
/** `ceph tell` / librados osd_command to a daemon, and its reply (src/msg/Message.h). */
export const MSG_COMMAND = 97;
export const MSG_COMMAND_REPLY = 98;

/** CEPH_SUBSCRIBE_ONETIME: send one update past `start`, then forget the subscription. */
export const CEPH_SUBSCRIBE_ONETIME = 1;

/** OSD → mon messages (src/msg/Message.h MSG_OSD_*). */
/** OSD ↔ OSD heartbeat on the hb_back/hb_front messengers (MOSDPing). */
export const MSG_OSD_PING = 70;
export const MSG_OSD_BOOT = 71;
export const MSG_OSD_FAILURE = 72;
export const MSG_OSD_ALIVE = 73;
export const MSG_OSD_MARK_ME_DOWN = 74;
export const MSG_OSD_FULL = 75;
export const MSG_OSD_PGTEMP = 78;
export const MSG_OSD_BEACON = 79;
export const MSG_OSD_PG_CREATED = 116;
export const MSG_OSD_MARK_ME_DEAD = 123;
export const MSG_OSD_PG_CREATE2 = 120;
/** mgr → OSD: scrub, deep-scrub or repair these PGs (MOSDScrub2). */
export const MSG_OSD_SCRUB2 = 121;

/**
 * ts-osd's own OSD-to-OSD envelope (peering and replication, docs/formats/osd-messages.md): a type
 * number far above Ceph's (its MSG_* stop below 0x1000, MSG_MGR_* are 0x700s), so a real daemon that
 * meets it drops it as unknown rather than misreading it.
 */
export const MSG_TS_OSD_PEER = 0x7e01;
