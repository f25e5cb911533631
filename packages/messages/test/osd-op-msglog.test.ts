/**
 * The workflows captured only as client debug logs (d-rados-object, e-rados-omap-xattr,
 * f-rbd-image, g-fio-rbd, h-python-rados .msglog): each osd_op / osd_op_reply line Ceph printed is
 * parsed into a message (op codes, union arguments, data lengths, flags, snap context, versions,
 * result), encoded with our codec, decoded back, and printed; the print must equal Ceph's line.
 * This checks the op table, the union layouts the printer reads, hobject hashing and escaping,
 * flag names and the reply fields over every op kind those clients used (the byte-exact check of
 * the wire layout is osd-op.test.ts, on the captured frames).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CEPH_NOSNAP, CEPH_SNAPDIR, objectLocator } from '@ts-ceph/maps';
import { CephMessage } from '@ts-ceph/messenger';
import {
  BLKIN_TRACE_NONE,
  CephOsdFlag,
  CephOsdOp,
  cephOsdOpName,
  formatMOSDOp,
  formatMOSDOpReply,
  MOSDOp,
  MOSDOpCodec,
  MOSDOpReply,
  MOSDOpReplyCodec,
  OSDOp,
  osdOp,
  osdOpExtent,
  osdOpWatch,
} from '../src';
import { tracesDir } from './stream-messages';

const workflows = ['d-rados-object', 'e-rados-omap-xattr', 'f-rbd-image', 'g-fio-rbd', 'h-python-rados'];

const opCodeByName = new Map<string, number>();
for (const code of Object.values(CephOsdOp)) opCodeByName.set(cephOsdOpName(code), code);
const flagByName = new Map<string, number>([
  ['ack', CephOsdFlag.ACK],
  ['ondisk', CephOsdFlag.ONDISK],
  ['read', CephOsdFlag.READ],
  ['write', CephOsdFlag.WRITE],
  ['exec', CephOsdFlag.EXEC],
  ['ignore_overlay', CephOsdFlag.IGNORE_OVERLAY],
  ['known_if_redirected', CephOsdFlag.KNOWN_REDIR],
  ['full_try', CephOsdFlag.FULL_TRY],
  ['peerstat_old', CephOsdFlag.PEERSTAT_OLD],
  ['balance_reads', CephOsdFlag.BALANCE_READS],
  ['localize_reads', CephOsdFlag.LOCALIZE_READS],
  ['rwordered', CephOsdFlag.RWORDERED],
  ['returnvec', CephOsdFlag.RETURNVEC],
  ['skiprwlocks', CephOsdFlag.SKIPRWLOCKS],
  ['ignore_cache', CephOsdFlag.IGNORE_CACHE],
]);

function unescape(s: string): string {
  return Buffer.from(s.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

function bitReverse(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) r = (r << 1) | ((x >>> i) & 1);
  return r >>> 0;
}

function snapOf(s: string): bigint {
  return s === 'head' ? CEPH_NOSNAP : s === 'snapdir' ? CEPH_SNAPDIR : BigInt(`0x${s}`);
}

function union(fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(28);
  fill(b);
  return b;
}

/** One printed op ("write 446464~4096 in=4096b", "call rbd.get_id in=13b", "setxattr attr1 (4) in=9b") as an OSDOp. */
function parseOp(text: string, dir: 'in' | 'out'): OSDOp {
  const m = /^(\S+)(.*)$/.exec(text)!;
  const code = opCodeByName.get(m[1]!);
  if (code === undefined) throw new Error(`unknown op name ${m[1]}`);
  let rest = m[2]!;
  let dataLen = 0;
  const d = / (in|out)=(\d+)b$/.exec(rest);
  if (d) {
    dataLen = Number(d[2]);
    rest = rest.slice(0, d.index);
  }
  const data = Buffer.alloc(dataLen, 0x61);
  let e: RegExpExecArray | null;
  if ((e = /^ (\d+)~(\d+)(?: \[(\d+)@(-?\d+)\])?$/.exec(rest))) {
    return { ...osdOpExtent(code, BigInt(e[1]!), BigInt(e[2]!), data, 0, { seq: Number(e[3] ?? 0), size: BigInt.asUintN(64, BigInt(e[4] ?? 0)) }) };
  }
  if (code === CephOsdOp.TRUNCATE && (e = /^ (\d+)$/.exec(rest))) return osdOpExtent(code, BigInt(e[1]!), 0, data);
  if ((e = /^ (\w+) cookie (\d+)(?: gen (\d+))?$/.exec(rest)) && code === CephOsdOp.WATCH) {
    const wop = { unwatch: 0, watch: 3, reconnect: 5, ping: 7 }[e[1]!]!;
    return { ...osdOpWatch(wop, BigInt(e[2]!), Number(e[3] ?? 0)), data };
  }
  if ((e = /^ cookie (\d+)$/.exec(rest))) return osdOp(code, { args: union((b) => b.writeBigUInt64LE(BigInt(e![1]!), 0)), data });
  if ((e = /^ object_size (\d+) write_size (\d+)$/.exec(rest))) {
    return osdOp(code, { args: union((b) => (b.writeBigUInt64LE(BigInt(e![1]!), 0), b.writeBigUInt64LE(BigInt(e![2]!), 8))), data });
  }
  if ((e = /^ start_epoch (\d+)$/.exec(rest))) return osdOp(code, { args: union((b) => b.writeUInt32LE(Number(e![1]!), 8)), data });
  if (code === CephOsdOp.CALL && (e = /^ (\w+)\.(\w+)$/.exec(rest))) {
    const [cl, ml] = [e[1]!, e[2]!];
    const input = Math.max(0, dataLen - cl.length - ml.length);
    const bytes = Buffer.concat([Buffer.from(cl), Buffer.from(ml), Buffer.alloc(input)]);
    return osdOp(code, { args: union((b) => ((b[0] = cl.length), (b[1] = ml.length), b.writeUInt32LE(input, 3))), data: bytes });
  }
  if ((e = /^(?: ([^\s(]\S*))?(?: \((\d+)\))?$/.exec(rest)) && (code & 0x0f00) === 0x0300) {
    const name = e[1] ?? '';
    const valueLen = Number(e[2] ?? 0);
    const bytes = dir === 'in' ? Buffer.concat([Buffer.from(name), Buffer.alloc(Math.max(0, dataLen - name.length))]) : data;
    return osdOp(code, { args: union((b) => (b.writeUInt32LE(name.length, 0), b.writeUInt32LE(valueLen, 4))), data: bytes });
  }
  if (rest !== '') throw new Error(`cannot parse op arguments "${rest}" of ${text}`);
  return osdOp(code, { data });
}

function splitOps(s: string): string[] {
  return s === '' ? [] : s.split(',');
}

function asMessage(type: number, version: number, compat: number, body: { front: Buffer; data?: Buffer }): CephMessage {
  return { type, version, compatVersion: compat, priority: 63, tid: 0n, dataOff: 0, front: body.front, middle: Buffer.alloc(0), data: body.data ?? Buffer.alloc(0) };
}

const reqRe = /^osd_op\((\w+\.\d+)\.(\d+):(\d+) (\d+)\.([0-9a-f]+) (-?\d+):([0-9a-f]{8}):([^:]*):([^:]*):([^:]*):(\w+) \[(.*)\] snapc ([0-9a-f]+)=\[([0-9a-f,]*)\] (\S+) e(\d+)\)$/;
const replyRe = /^osd_op_reply\((\d+) (\S*) \[(.*)\] v(\d+)'(\d+) uv(\d+) (ondisk|onnvram|ack) = (-?\d+)(?: \(.*\))?\)$/;

function parseRequest(line: string): { p: MOSDOp; src: string; tid: bigint } {
  const m = reqRe.exec(line);
  if (!m) throw new Error(`unparsed request line ${line}`);
  const pool = Number(m[6]);
  const flags = m[15]!.split('+').reduce((a, n) => a | (flagByName.get(n) ?? (() => { throw new Error(`flag ${n}`); })()), 0);
  const p: MOSDOp = {
    pgid: { pgid: { pool: Number(m[4]), seed: parseInt(m[5]!, 16) }, shard: -1 },
    hash: bitReverse(parseInt(m[7]!, 16)),
    osdmapEpoch: Number(m[16]),
    flags,
    reqid: { name: { type: 0, num: 0 }, tid: 0n, inc: Number(m[2]) },
    trace: BLKIN_TRACE_NONE,
    clientInc: Number(m[2]),
    mtime: { sec: 0, nsec: 0 },
    oloc: objectLocator(pool, unescape(m[8]!), unescape(m[9]!)),
    oid: unescape(m[10]!),
    ops: splitOps(m[12]!).map((o) => parseOp(o, 'in')),
    snapid: snapOf(m[11]!),
    snapSeq: BigInt(`0x${m[13]}`),
    snaps: m[14] ? m[14].split(',').map((s) => BigInt(`0x${s}`)) : [],
    retryAttempt: 0,
    features: 0x3f01cfbffffdffffn,
  };
  return { p, src: m[1]!, tid: BigInt(m[3]!) };
}

function parseReply(line: string): { p: MOSDOpReply; tid: bigint } {
  const m = replyRe.exec(line);
  if (!m) throw new Error(`unparsed reply line ${line}`);
  const ack = { ondisk: CephOsdFlag.ONDISK, onnvram: CephOsdFlag.ONNVRAM, ack: CephOsdFlag.ACK }[m[7] as 'ondisk'];
  const v = { epoch: Number(m[4]), version: BigInt(m[5]!) };
  const p: MOSDOpReply = {
    oid: m[2]!,
    pgid: { pool: 3, seed: 0 },
    flags: BigInt(ack),
    result: Number(m[8]),
    badReplayVersion: v,
    osdmapEpoch: 20,
    ops: splitOps(m[3]!).map((o) => parseOp(o, 'out')),
    retryAttempt: 0,
    replayVersion: v,
    userVersion: BigInt(m[6]!),
    redirect: undefined,
    trace: BLKIN_TRACE_NONE,
  };
  return { p, tid: BigInt(m[1]!) };
}

for (const wf of workflows) {
  t.test(wf, async (t) => {
    const text = readFileSync(join(tracesDir, `${wf}.msglog`), 'utf8');
    const requests = [...text.matchAll(/ -- (osd_op\(.*\)) v8 -- /g)].map((m) => m[1]!);
    const replies = [...text.matchAll(/ ==== (osd_op_reply\(.*\)) v8 ==== /g)].map((m) => m[1]!);
    let ok = 0;
    const kinds = new Set<string>();
    for (const line of requests) {
      const { p, src, tid } = parseRequest(line);
      const back = MOSDOpCodec.decode(asMessage(42, 8, 3, MOSDOpCodec.encode(p, 0n)), 0n);
      const printed = formatMOSDOp(back, { src, tid });
      if (printed !== line) t.equal(printed, line, 'request prints as Ceph logged it');
      else ok++;
      for (const o of back.ops) kinds.add(cephOsdOpName(o.op));
    }
    for (const line of replies) {
      const { p, tid } = parseReply(line);
      const back = MOSDOpReplyCodec.decode(asMessage(43, 8, 2, MOSDOpReplyCodec.encode(p, 0n)), 0n);
      const printed = formatMOSDOpReply(back, tid);
      if (printed !== line) t.equal(printed, line, 'reply prints as Ceph logged it');
      else ok++;
    }
    t.ok(requests.length > 0 && replies.length > 0, `${requests.length} requests, ${replies.length} replies in the log`);
    t.equal(ok, requests.length + replies.length, `all ${ok} lines reproduced after an encode/decode round trip`);
    t.comment(`${wf}: ops ${[...kinds].sort().join(' ')}`);
  });
}
