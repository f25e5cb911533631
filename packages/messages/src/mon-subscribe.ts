import { cephError } from '@ts-ceph/common/core';
import { compareStringBytes, decodeUuid, encodeUuid, Uuid } from '@ts-ceph/denc';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { CEPH_MSG_MON_SUBSCRIBE, CEPH_MSG_MON_SUBSCRIBE_ACK, CEPH_SUBSCRIBE_ONETIME } from './types';

/**
 * MMonSubscribe (src/messages/MMonSubscribe.h), v3: map<string, ceph_mon_subscribe_item{le64 start,
 * u8 flags}> then the hostname. `start` is the first epoch wanted (0: the current one), flags
 * CEPH_SUBSCRIBE_ONETIME. Version 0/1 senders (no SUBSCRIBE2) used {unused, have, onetime}.
 */
export interface SubscribeItem {
  start: number;
  flags: number;
}

export interface MMonSubscribe {
  what: Map<string, SubscribeItem>;
  hostname: string;
}

export const MMonSubscribeCodec = defineMessage<MMonSubscribe>({
  type: CEPH_MSG_MON_SUBSCRIBE,
  name: 'mon_subscribe',
  version: 3,
  compatVersion: 1,
  decode: (m) =>
    readFront(m, 'MMonSubscribe', (r) => {
      const n = r.count('what', 13);
      if (n > messagesLimits.subscribeItemsMax) throw cephError('EINVAL', `MMonSubscribe with ${n} items over subscribeItemsMax ${messagesLimits.subscribeItemsMax}`);
      const what = new Map<string, SubscribeItem>();
      for (let i = 0; i < n; i++) {
        const k = r.string('what.key');
        if (m.version < 2) {
          r.u64('unused');
          const have = r.u64n('have');
          const onetime = r.u8('onetime');
          what.set(k, { start: have ? have + 1 : 0, flags: onetime ? CEPH_SUBSCRIBE_ONETIME : 0 });
        } else {
          what.set(k, { start: r.u64n('start'), flags: r.u8('flags') });
        }
      }
      const hostname = m.version >= 3 ? r.string('hostname') : '';
      return { what, hostname };
    }),
  encode: (p) =>
    writeFront((w) => {
      const keys = [...p.what.keys()].sort(byteOrder);
      w.u32(keys.length);
      for (const k of keys) {
        const it = p.what.get(k)!;
        w.string(k).u64(it.start).u8(it.flags);
      }
      w.string(p.hostname);
    }),
  describe: (p) => `mon_subscribe({${[...p.what.entries()].map(([k, v]) => `${k}=${v.start}${v.flags & CEPH_SUBSCRIBE_ONETIME ? '' : '+'}`).join(',')}})`,
});

/** MMonSubscribeAck: the renewal interval in seconds and the fsid (old clients; a 16.2 mon still sends it to them). */
export interface MMonSubscribeAck {
  interval: number;
  fsid: Uuid;
}

export const MMonSubscribeAckCodec = defineMessage<MMonSubscribeAck>({
  type: CEPH_MSG_MON_SUBSCRIBE_ACK,
  name: 'mon_subscribe_ack',
  version: 1,
  compatVersion: 1,
  decode: (m) => readFront(m, 'MMonSubscribeAck', (r) => ({ interval: r.u32('interval'), fsid: decodeUuid(r, 'fsid') })),
  encode: (p) =>
    writeFront((w) => {
      w.u32(p.interval);
      encodeUuid(w, p.fsid);
    }),
});

/** std::map<std::string, ...> order: bytewise. */
export function byteOrder(a: string, b: string): number {
  return compareStringBytes(a, b);
}
