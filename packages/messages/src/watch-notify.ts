import { Reader, Writer } from '@ts-ceph/denc';
import { defineMessage, readFront, writeFront } from './codec';
import { CEPH_MSG_WATCH_NOTIFY } from './types';

/** CEPH_WATCH_EVENT_* (src/include/rados.h): what an MWatchNotify tells a watcher. */
export const CephWatchEvent = { NOTIFY: 1, NOTIFY_COMPLETE: 2, DISCONNECT: 3 } as const;

/** ceph_watch_event_name (src/common/ceph_strings.cc). */
export function cephWatchEventName(e: number): string {
  return ({ 1: 'notify', 2: 'notify_complete', 3: 'disconnect' } as Record<number, string>)[e] ?? '???';
}

/**
 * MWatchNotify (src/messages/MWatchNotify.h), v3 compat 1, OSD → watcher/notifier: u8 msg_ver (1),
 * u8 opcode (CEPH_WATCH_EVENT_*), le64 cookie (the watch's or notify's), le64 ver (unused),
 * le64 notify_id, bufferlist payload (msg_ver ≥ 1), le32 return_code (v2+), le64 notifier_gid (v3+).
 * For NOTIFY_COMPLETE the OSD sends the collected acks in the data segment (see
 * decodeNotifyCompleteData), the front payload empty.
 */
export interface MWatchNotify {
  msgVer: number;
  opcode: number;
  cookie: bigint;
  ver: bigint;
  notifyId: bigint;
  payload: Buffer;
  returnCode: number;
  notifierGid: bigint;
  /** The data segment (NOTIFY_COMPLETE: encoded acks and timeouts). */
  data: Buffer;
}

export const MWatchNotifyCodec = defineMessage<MWatchNotify>({
  type: CEPH_MSG_WATCH_NOTIFY,
  name: 'watch-notify',
  version: 3,
  compatVersion: 1,
  decode: (m) => {
    const p = readFront(m, 'MWatchNotify', (r) => {
      const msgVer = r.u8('msg_ver');
      const opcode = r.u8('opcode');
      const cookie = r.u64('cookie');
      const ver = r.u64('ver');
      const notifyId = r.u64('notify_id');
      const payload = msgVer >= 1 ? Buffer.from(r.blob('bl')) : Buffer.alloc(0);
      const returnCode = m.version >= 2 ? r.i32('return_code') : 0;
      const notifierGid = m.version >= 3 ? r.u64('notifier_gid') : 0n;
      return { msgVer, opcode, cookie, ver, notifyId, payload, returnCode, notifierGid };
    });
    return { ...p, data: m.data };
  },
  encode: (p) => ({
    ...writeFront((w) => {
      w.u8(p.msgVer).u8(p.opcode).u64(p.cookie).u64(p.ver).u64(p.notifyId);
      if (p.msgVer >= 1) w.blob(p.payload);
      w.i32(p.returnCode).u64(p.notifierGid);
    }),
    data: p.data,
  }),
  describe: (p) => formatMWatchNotify(p),
});

/** MWatchNotify::print: "watch-notify(notify (1) cookie 140220146127600 notify 73014444032 ret 0)". */
export function formatMWatchNotify(p: MWatchNotify): string {
  return `watch-notify(${cephWatchEventName(p.opcode)} (${p.opcode}) cookie ${p.cookie} notify ${p.notifyId} ret ${p.returnCode})`;
}

/**
 * NOTIFY_COMPLETE data (src/osd/Watch.cc Notify::maybe_complete_notify): map<pair<le64 notifier
 * gid, le64 cookie>, bufferlist reply> of the watchers that acked, then vector<pair<le64, le64>>
 * of those that timed out.
 */
export interface NotifyCompleteData {
  acks: { gid: bigint; cookie: bigint; reply: Buffer }[];
  missed: { gid: bigint; cookie: bigint }[];
}

export function decodeNotifyCompleteData(data: Buffer): NotifyCompleteData {
  const r = new Reader(data);
  return r.within('notify_complete', () => {
    const acks = r.list('acks', (rr) => ({ gid: rr.u64('gid'), cookie: rr.u64('cookie'), reply: Buffer.from(rr.blob('reply')) }), 20);
    const missed = r.list('missed', (rr) => ({ gid: rr.u64('gid'), cookie: rr.u64('cookie') }), 16);
    r.expectEnd('notify_complete');
    return { acks, missed };
  });
}

export function encodeNotifyCompleteData(d: NotifyCompleteData): Buffer {
  const w = new Writer();
  w.list(d.acks, (ww, a) => ww.u64(a.gid).u64(a.cookie).blob(a.reply));
  w.list(d.missed, (ww, x) => ww.u64(x.gid).u64(x.cookie));
  return w.finish();
}
