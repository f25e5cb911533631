import { CEPH_MSG_PRIO_HIGH } from '@ts-ceph/messenger/core';
import { defineMessage, readFront, writeFront } from './codec';
import { CEPH_MSG_MON_GET_VERSION, CEPH_MSG_MON_GET_VERSION_REPLY } from './types';

/** MMonGetVersion: the latest version of map `what` ("osdmap", "mdsmap", "fsmap", "mgrmap" ...). */
export interface MMonGetVersion {
  /** The caller's request id, echoed in the reply. */
  handle: bigint;
  what: string;
}

export const MMonGetVersionCodec = defineMessage<MMonGetVersion>({
  type: CEPH_MSG_MON_GET_VERSION,
  name: 'mon_get_version',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MMonGetVersion', (r) => ({ handle: r.u64('handle'), what: r.string('what') })),
  encode: (p) => writeFront((w) => w.u64(p.handle).string(p.what)),
});

/** MMonGetVersionReply, v2: handle, newest version, oldest version (v2+). */
export interface MMonGetVersionReply {
  handle: bigint;
  version: number;
  oldestVersion: number;
}

export const MMonGetVersionReplyCodec = defineMessage<MMonGetVersionReply>({
  type: CEPH_MSG_MON_GET_VERSION_REPLY,
  name: 'mon_get_version_reply',
  version: 2,
  // Constructed without a COMPAT_VERSION: Message::encode makes compat = version.
  compatVersion: 2,
  priority: CEPH_MSG_PRIO_HIGH,
  decode: (m) =>
    readFront(m, 'MMonGetVersionReply', (r) => ({
      handle: r.u64('handle'),
      version: r.u64n('version'),
      oldestVersion: m.version >= 2 ? r.u64n('oldest_version') : 0,
    })),
  encode: (p) => writeFront((w) => w.u64(p.handle).u64(p.version).u64(p.oldestVersion)),
});
