/**
 * MOSDPing (v5 compat 4) and ts-osd's MSG_TS_OSD_PEER envelope. No MOSDPing front was captured
 * byte for byte, so the expected fronts are built here by hand from MOSDPing.h, with the values and
 * sizes of a real 16.2.15 exchange in ceph-traces/daemons/ii-osd-failure.msglog:
 *   osd.2 --> osd.0 osd_ping(ping_reply e59 up_from 45 ping_stamp 2026-11-22T11:45:51.321779+0000/
 *   327.681365967s send_stamp 127.419036865s delta_ub -200.262359619s) v5 [2033+0+0]
 */
import t, { Test } from 'tap';
import { fuzzDecodeTest, mutate } from '@ts-ceph/testkit';
import { MessageCodec } from '@ts-ceph/messenger';
import { MOSDPing, MOSDPingCodec, MOSDPingOp, MTsOsdPeer, MTsOsdPeerCodec, messagesLimits, spanFromNs, spanToNs } from '../src';
import { checkTruncations, codecMessage } from './frames';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const FSID = hex('3ec9b697905f4b08a7adb9c925da7c87');

const msg = codecMessage;
const splits = (t: Test, c: MessageCodec<unknown>, front: Buffer) => checkTruncations(t, c, front, { prefixMayDecode: false, label: 'every truncation fails with a typed error' });

// The captured reply's fields, laid out as MOSDPing::encode_payload writes them.
const head = Buffer.concat([FSID, le32(59), hex('05'), le32(1795347951), le32(321779000)]);
const pad = 2000 - head.length;
const v5 = Buffer.concat([le32(45), le32(327), le32(681365967), le32(127), le32(419036865), hex('01'), le32(-200), le32(-262359619)]);
const replyFront = Buffer.concat([head, le32(pad), v5, Buffer.alloc(pad)]);

t.test('osd_ping ping_reply: the captured exchange, byte by byte', async (t) => {
  t.equal(head.length, 29, 'fsid, map_epoch, op and ping_stamp come before the pad length');
  t.equal(replyFront.length, 2033, 'the size of the captured reply (padded to osd_heartbeat_min_size, then the v5 fields)');
  const c = MOSDPingCodec as MessageCodec<unknown>;
  const p = MOSDPingCodec.decode(msg(c, replyFront), 0n) as MOSDPing;
  t.same([p.mapEpoch, p.op, p.upFrom, p.minMessageSize], [59, MOSDPingOp.PING_REPLY, 45, 2000]);
  t.same(p.pingStamp, { sec: 1795347951, nsec: 321779000 });
  t.equal(spanToNs(p.monoPingStamp), 327_681365967n);
  t.equal(spanToNs(p.monoSendStamp), 127_419036865n);
  t.equal(spanToNs(p.deltaUb!), -200_262359619n, 'a negative span has both parts negative');
  t.equal(MOSDPingCodec.describe!(p), 'osd_ping(ping_reply e59 up_from 45 ping_stamp 1795347951.321779000/327.681365967s send_stamp 127.419036865s delta_ub -200.262359619s)');
  t.ok(MOSDPingCodec.encode(p, 0n).front.equals(replyFront), 're-encodes byte-identically');
  splits(t, c, replyFront);
});

t.test('osd_ping: no delta_ub is 2025 bytes; v4 has no v5 fields; the pad is bounded', async (t) => {
  const c = MOSDPingCodec as MessageCodec<unknown>;
  const ping: MOSDPing = { fsid: '3ec9b697-905f-4b08-a7ad-b9c925da7c87' as MOSDPing['fsid'], mapEpoch: 7, op: MOSDPingOp.PING, pingStamp: { sec: 5, nsec: 6 }, upFrom: 3, monoPingStamp: spanFromNs(1_500000000n), monoSendStamp: spanFromNs(1_500000000n), minMessageSize: 2000 };
  const front = MOSDPingCodec.encode(ping, 0n).front;
  t.equal(front.length, 2025, 'as the captured pings without delta_ub');
  t.ok(front.subarray(29, 33).equals(le32(1971)), 'pad length');
  t.same(MOSDPingCodec.decode(msg(c, front), 0n), { ...ping, deltaUb: undefined });
  const v4 = Buffer.concat([FSID, le32(9), hex('04'), le32(1), le32(2), le32(0)]);
  const old = MOSDPingCodec.decode(msg(c, v4, 4), 0n) as MOSDPing;
  t.same([old.mapEpoch, old.op, old.upFrom, old.minMessageSize], [9, MOSDPingOp.PING, 0, 29], 'v4: up_from and the mono stamps default to 0');
  const huge = Buffer.concat([head, le32(messagesLimits.osdPingPadBytesMax + 1), v5]);
  t.throws(() => MOSDPingCodec.decode(msg(c, huge), 0n), { code: 'EINVAL' }, 'a pad over osdPingPadBytesMax is refused before it is read');
});

t.test('ts_osd_peer v2: le32 epoch in the front, the payload in the middle, its bulk bytes in the data segment', async (t) => {
  const c = MTsOsdPeerCodec as MessageCodec<unknown>;
  const payload = Buffer.from('peering message');
  const data = Buffer.from('write data');
  const body = MTsOsdPeerCodec.encode({ epoch: 0x1234, payload, data }, 0n);
  t.ok(body.front.equals(hex('34120000')), 'front is the epoch alone');
  t.equal(body.middle, payload, 'the payload is the middle segment, not a copy');
  t.equal(body.data, data, 'the bulk bytes are the data segment, not a copy');
  const m = { ...msg(c, hex('34120000'), 2, data), middle: payload };
  const d = MTsOsdPeerCodec.decode(m, 0n) as MTsOsdPeer;
  t.same([d.epoch, d.payload.toString(), d.data.toString()], [0x1234, 'peering message', 'write data']);
  t.equal(d.data, m.data, 'decoded data is the received segment itself');
  t.throws(() => MTsOsdPeerCodec.decode(msg(c, hex('3412'), 2), 0n), { name: 'DencError' }, 'a short front is refused');
  t.throws(() => MTsOsdPeerCodec.decode({ ...msg(c, hex('34120000'), 1, payload), compatVersion: 1 }, 0n), { code: 'EINVAL' }, 'a v1 message (payload in the data segment) is refused');
  const over = { length: messagesLimits.tsOsdPeerPayloadBytesMax + 1 } as Buffer;
  t.throws(() => MTsOsdPeerCodec.encode({ epoch: 1, payload, data: over }, 0n), { code: 'EINVAL' }, 'data over tsOsdPeerPayloadBytesMax is refused');
});

t.test('osd_ping: mutated fronts decode or fail with a typed error', async (t) => {
  const c = MOSDPingCodec as MessageCodec<unknown>;
  fuzzDecodeTest(t, {
    bases: [replyFront as Buffer],
    cases: 2000,
    mutate: (rng, front: Buffer): Buffer => mutate(rng, front),
    decode: (front) => void c.decode(msg(c, front), 0n),
    show: (front) => `osd_ping front ${front.toString('hex').slice(0, 200)}`,
  });
});
