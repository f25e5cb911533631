import { cephError } from '@ts-ceph/common/core';
import { decodeUTime, decodeUuid, encodeUTime, encodeUuid, Reader, UTime, Uuid, Writer } from '@ts-ceph/denc';
import { defineMessage, readFront, writeFront } from './codec';
import { messagesLimits } from './limits';
import { MSG_OSD_PING, MSG_TS_OSD_PEER } from './types';

/** MOSDPing ops (src/messages/MOSDPing.h). */
export const MOSDPingOp = {
  HEARTBEAT: 0,
  START_HEARTBEAT: 1,
  YOU_DIED: 2,
  STOP_HEARTBEAT: 3,
  PING: 4,
  PING_REPLY: 5,
} as const;

const opNames = ['heartbeat', 'start_heartbeat', 'you_died', 'stop_heartbeat', 'ping', 'ping_reply'];

/**
 * A ceph::signedspan on the wire (src/include/encoding.h, encode of a std::chrono::duration): le32
 * seconds then le32 nanoseconds, both truncated toward zero, so a negative span has both negative.
 */
export interface SignedSpan {
  sec: number;
  nsec: number;
}

/** A span from a count of nanoseconds (a mono clock reading or a clock delta). */
export function spanFromNs(ns: bigint): SignedSpan {
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

export function spanToNs(s: SignedSpan): bigint {
  return BigInt(s.sec) * 1_000_000_000n + BigInt(s.nsec);
}

function decodeSpan(r: Reader, field: string): SignedSpan {
  return { sec: r.i32(`${field}.sec`), nsec: r.i32(`${field}.nsec`) };
}

function encodeSpan(w: Writer, s: SignedSpan): void {
  w.i32(s.sec).i32(s.nsec);
}

/**
 * MOSDPing (MOSDPing.h), v5 compat 4, the OSD heartbeat on the hb_back and hb_front messengers:
 * uuid fsid, le32 map_epoch, u8 op, utime ping_stamp (sender's wall clock), le32 pad_len, then (v5)
 * le32 up_from, signedspan mono_ping_stamp (the pinger's monotonic clock, echoed in the reply),
 * signedspan mono_send_stamp (the sender's monotonic clock when sent), optional<signedspan> delta_ub
 * (u8 present + span: the replier's upper bound of the clock difference), then pad_len zero bytes.
 * Ceph pads the front to osd_heartbeat_min_size (2000) so jumbo-frame MTU problems show up as lost
 * heartbeats: `minMessageSize` is that target, the padding is what the encoder adds to reach it.
 */
export interface MOSDPing {
  fsid: Uuid;
  mapEpoch: number;
  op: number;
  pingStamp: UTime;
  upFrom: number;
  monoPingStamp: SignedSpan;
  monoSendStamp: SignedSpan;
  deltaUb?: SignedSpan;
  /** Front bytes the encoder pads to; on decode, the bytes before the pad plus the pad (Ceph's min_message_size). */
  minMessageSize: number;
}

/** The front bytes before pad_len: fsid (16), map_epoch (4), op (1), ping_stamp (8). */
const pingMidBytes = 29;

export const MOSDPingCodec = defineMessage<MOSDPing>({
  type: MSG_OSD_PING,
  name: 'osd_ping',
  version: 5,
  compatVersion: 4,
  decode: (m) =>
    readFront(m, 'MOSDPing', (r) => {
      const fsid = decodeUuid(r);
      const mapEpoch = r.u32('map_epoch');
      const op = r.u8('op');
      const pingStamp = decodeUTime(r, 'ping_stamp');
      const pad = r.u32('min_message_size');
      if (pad > messagesLimits.osdPingPadBytesMax) throw cephError('EINVAL', `MOSDPing pad of ${pad} bytes, over osdPingPadBytesMax ${messagesLimits.osdPingPadBytesMax}`);
      let upFrom = 0;
      let monoPingStamp: SignedSpan = { sec: 0, nsec: 0 };
      let monoSendStamp: SignedSpan = { sec: 0, nsec: 0 };
      let deltaUb: SignedSpan | undefined;
      if (m.version >= 5) {
        upFrom = r.u32('up_from');
        monoPingStamp = decodeSpan(r, 'mono_ping_stamp');
        monoSendStamp = decodeSpan(r, 'mono_send_stamp');
        deltaUb = r.optional('delta_ub', () => decodeSpan(r, 'delta_ub'));
      }
      r.skip(pad, 'padding');
      return { fsid, mapEpoch, op, pingStamp, upFrom, monoPingStamp, monoSendStamp, deltaUb, minMessageSize: pad + pingMidBytes };
    }),
  encode: (p) =>
    writeFront((w) => {
      encodeUuid(w, p.fsid);
      w.u32(p.mapEpoch).u8(p.op);
      encodeUTime(w, p.pingStamp);
      const pad = Math.min(Math.max(0, p.minMessageSize - pingMidBytes), messagesLimits.osdPingPadBytesMax);
      w.u32(pad).u32(p.upFrom);
      encodeSpan(w, p.monoPingStamp);
      encodeSpan(w, p.monoSendStamp);
      w.u8(p.deltaUb ? 1 : 0);
      if (p.deltaUb) encodeSpan(w, p.deltaUb);
      w.bytes(Buffer.alloc(pad));
    }),
  describe: (p) =>
    `osd_ping(${opNames[p.op] ?? '???'} e${p.mapEpoch} up_from ${p.upFrom} ping_stamp ${p.pingStamp.sec}.${String(p.pingStamp.nsec).padStart(9, '0')}/${spanText(p.monoPingStamp)} send_stamp ${spanText(p.monoSendStamp)}${p.deltaUb ? ` delta_ub ${spanText(p.deltaUb)}` : ''})`,
});

function spanText(s: SignedSpan): string {
  return `${(Number(spanToNs(s)) / 1e9).toFixed(9)}s`;
}

/**
 * MSG_TS_OSD_PEER: ts-osd's own OSD-to-OSD envelope on the cluster messenger (docs/formats/
 * osd-messages.md): the front is le32 map epoch of the sender; the middle segment is the payload (a
 * peering or replication message, encoded by packages/osd's core/peering/messages.ts) and the data
 * segment its bulk bytes (a RepOp's write data), so object data rides where Ceph puts bulk bytes and
 * goes out and comes in as its own buffer. One message type for every peer message keeps the
 * messenger's registry out of the peering protocol.
 */
export interface MTsOsdPeer {
  epoch: number;
  payload: Buffer;
  /** Bulk bytes beside the payload; empty when it has none. */
  data: Buffer;
}

function checkPeerBytes(what: string, n: number): void {
  if (n > messagesLimits.tsOsdPeerPayloadBytesMax) throw cephError('EINVAL', `ts_osd_peer ${what} of ${n} bytes, over tsOsdPeerPayloadBytesMax ${messagesLimits.tsOsdPeerPayloadBytesMax}`);
}

export const MTsOsdPeerCodec = defineMessage<MTsOsdPeer>({
  type: MSG_TS_OSD_PEER,
  name: 'ts_osd_peer',
  // v2: the payload moved to the middle segment and the data segment carries its bulk bytes; a v1
  // peer cannot read it (no mixed-version ts-osd clusters yet).
  version: 2,
  compatVersion: 2,
  decode: (m) => {
    const epoch = readFront(m, 'MTsOsdPeer', (r) => r.u32('epoch'));
    if (m.compatVersion > 2 || m.version < 2) throw cephError('EINVAL', `ts_osd_peer v${m.version} (compat ${m.compatVersion}): we read v2`);
    checkPeerBytes('payload', m.middle.length);
    checkPeerBytes('data', m.data.length);
    return { epoch, payload: m.middle, data: m.data };
  },
  encode: (p) => {
    checkPeerBytes('payload', p.payload.length);
    checkPeerBytes('data', p.data.length);
    // The front is one le32: written directly, as every RepOp and reply of a write comes here
    // (a Writer would allocate its 256-byte buffer per message).
    const front = Buffer.allocUnsafe(4);
    front.writeUInt32LE(p.epoch, 0);
    return { front, middle: p.payload, data: p.data };
  },
  describe: (p) => `ts_osd_peer(e${p.epoch} ${p.payload.length}+${p.data.length} bytes)`,
});
