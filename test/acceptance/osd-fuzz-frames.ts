/**
 * The MOSDOp frames the OSD fuzz test sends: captured MOSDOps (../shared/ceph-traces) re-aimed at
 * our pool and mutated byte by byte, random op vectors (every CEPH_OSD_OP_* code and unknown ones,
 * random op flags, args and indata), and valid MOSDOps with hostile arguments. Everything comes from
 * the seeded Prng, so a seed replays the same frames.
 */
import { CEPH_FEATURES_ALL, Writer } from '@ts-ceph/denc';
import { CEPH_NOSNAP, encodeObjectLocatorT, objectLocator } from '@ts-ceph/maps';
import { CephMessage } from '@ts-ceph/messenger';
import {
  CEPH_MSG_OSD_OP,
  CEPH_OSD_OP_MODE_WR,
  CEPH_OSD_OP_UNION_BYTES,
  CephOsdCmpxattrMode,
  CephOsdCmpxattrOp,
  CephOsdFlag,
  CephOsdOp,
  CephOsdOpFlag,
  CephOsdWatchOp,
  MOSDOp,
  MOSDOpCodec,
  OSDOp,
  osdOp,
  osdOpCall,
  osdOpCopyFrom,
  osdOpExtent,
  osdOpWatch,
  osdOpXattr,
} from '@ts-ceph/messages';
import { mutate, Prng } from '@ts-ceph/testkit';
import { buildMOSDOp } from '@ts-ceph/rados';
import { Placement } from './osd-raw-client';

/** Where an op on an object goes (RawOsdClient.place). */
export type Placer = (oid: string, nspace?: string, key?: string) => Placement;

export interface FuzzTarget {
  pool: number;
  epoch: number;
  place: Placer;
}

/** A frame to send, and what kind of fuzzing made it (for failure messages). */
export interface FuzzFrame {
  what: string;
  msg: Omit<CephMessage, 'tid'>;
}

const allOpCodes = Object.values(CephOsdOp);
const edgeU64 = [0n, 1n, 4095n, 4096n, 2n ** 26n, 2n ** 27n, 2n ** 27n + 1n, 2n ** 30n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 4096n, 2n ** 64n - 1n];
const edgeU32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000000, 65536];

export function randomBytes(rng: Prng, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => rng.int(256)));
}

/** The names the fuzzer writes to: a few plain ones (so ops meet existing state) and hostile ones. */
export function fuzzName(rng: Prng): string {
  switch (rng.int(10)) {
    case 0:
      return '';
    case 1:
      return 'n'.repeat(2048 + rng.int(4096));
    case 2:
      return `z\u0000${rng.int(4)}`;
    case 3:
      return `ü:%/${rng.int(4)}`;
    default:
      return `f${rng.int(6)}`;
  }
}

/** 28 bytes of op arguments: u64 edge values at the u64 slots, or noise. */
function randomArgs(rng: Prng): Buffer {
  const b = rng.int(3) === 0 ? randomBytes(rng, CEPH_OSD_OP_UNION_BYTES) : Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
  for (const off of [0, 8, 16]) if (rng.int(2)) b.writeBigUInt64LE(rng.pick(edgeU64), off);
  if (rng.int(2)) b.writeUInt32LE(rng.pick(edgeU32), 24);
  return b;
}

function randomOpFlags(rng: Prng): number {
  const r = rng.int(4);
  if (r === 0) return 0;
  if (r === 1) return rng.pick(Object.values(CephOsdOpFlag));
  if (r === 2) return rng.int(2 ** 32) >>> 0;
  return CephOsdOpFlag.FAILOK;
}

/** An op with any code (known, or a random u16), random flags, args and indata. */
export function randomOp(rng: Prng): OSDOp {
  const op = rng.int(5) === 0 ? rng.int(0x10000) : rng.pick(allOpCodes);
  const data = rng.int(3) === 0 ? Buffer.alloc(0) : randomBytes(rng, rng.int(3) === 0 ? rng.int(4096) : rng.int(64));
  return osdOp(op, { flags: randomOpFlags(rng), args: randomArgs(rng), data });
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const w = new Writer();
  w.u32(b.length);
  return Buffer.concat([w.finish(), b]);
}

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

/** A valid op with a hostile argument (the brief's list: offsets near 2^64, huge lengths, NULs ...). */
export function hostileOp(rng: Prng, t: FuzzTarget): OSDOp {
  const big = (): bigint => rng.pick(edgeU64);
  const payload = (): Buffer => randomBytes(rng, rng.int(3) === 0 ? 0 : rng.int(2048));
  switch (rng.int(20)) {
    case 0:
      return osdOpExtent(rng.pick([CephOsdOp.READ, CephOsdOp.SPARSE_READ, CephOsdOp.CMPEXT, CephOsdOp.ZERO, CephOsdOp.TRUNCATE, CephOsdOp.MAPEXT]), big(), big());
    case 1: {
      const d = payload();
      const trunc = rng.int(3) === 0 ? { size: big(), seq: rng.pick(edgeU32) } : undefined;
      return osdOpExtent(rng.pick([CephOsdOp.WRITE, CephOsdOp.APPEND, CephOsdOp.WRITEFULL]), rng.int(2) ? big() : BigInt(rng.int(1 << 20)), rng.int(2) ? d.length : big(), d, 0, trunc);
    }
    case 2: {
      // writesame: length, data_length; the data is the pattern.
      const d = randomBytes(rng, rng.pick([0, 1, 2, 3, 512, rng.int(2048)]));
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(rng.int(2) ? big() : BigInt(rng.int(1 << 20)), 0);
      args.writeBigUInt64LE(rng.int(2) ? big() : BigInt(d.length) << BigInt(rng.int(27)), 8);
      args.writeBigUInt64LE(BigInt(rng.int(2) ? d.length : rng.int(2 ** 32)), 16);
      return osdOp(CephOsdOp.WRITESAME, { args, data: d });
    }
    case 3: {
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(big(), 0);
      args.writeBigUInt64LE(big(), 8);
      args.writeUInt32LE(rng.pick(edgeU32), 16);
      args[20] = rng.int(5);
      return osdOp(CephOsdOp.CHECKSUM, { args, data: rng.int(2) ? u64(big()) : payload() });
    }
    case 4:
      return osdOpXattr(rng.pick([CephOsdOp.SETXATTR, CephOsdOp.GETXATTR, CephOsdOp.RMXATTR]), rng.pick(['', 'a\u0000b', '_', 'snapset', 'x'.repeat(300 + rng.int(70000))]), payload());
    case 5:
      return osdOpXattr(CephOsdOp.CMPXATTR, rng.pick(['a', '_', 'a\u0000b']), rng.int(2) ? u64(big()) : payload(), { op: rng.int(2) ? rng.pick(Object.values(CephOsdCmpxattrOp)) : rng.int(256), mode: rng.int(2) ? rng.pick(Object.values(CephOsdCmpxattrMode)) : rng.int(256) });
    case 6:
      return osdOp(rng.pick([CephOsdOp.OMAPGETKEYS, CephOsdOp.OMAPGETVALS]), { data: Buffer.concat([str(rng.int(2) ? '' : 'k\u0000'), u64(rng.pick([0n, 2n ** 64n - 1n, 2n ** 63n, -1n, 1n])), str('p')]) });
    case 7: {
      const n = rng.pick([0, 1, 0x7fffffff, 0xffffffff, 3]);
      return osdOp(rng.pick([CephOsdOp.OMAPSETVALS, CephOsdOp.OMAPRMKEYS, CephOsdOp.OMAPGETVALSBYKEYS, CephOsdOp.OMAP_CMP]), { data: Buffer.concat([u32(n), str('k\u0000'), str(payload()), u32(rng.pick(edgeU32))]) });
    }
    case 8:
      return osdOp(CephOsdOp.OMAPRMKEYRANGE, { data: Buffer.concat([str(rng.int(2) ? 'z' : ''), str(rng.int(2) ? 'a' : '')]) });
    case 9:
      return osdOp(CephOsdOp.OMAPSETHEADER, { data: payload() });
    case 10:
      return osdOpCall(rng.pick(['hello', 'lock', 'nosuch', '']), rng.pick(['say_hello', 'record_hello', 'lock', 'unlock', 'break_lock', 'get_info', 'list_locks', 'assert_locked', 'set_cookie', 'writes_dont_return_data', 'bad_reader', 'bad_writer', 'nope']), payload());
    case 11:
      return osdOpWatch(rng.pick([...Object.values(CephOsdWatchOp), rng.int(256)]), big(), rng.pick(edgeU32), rng.pick(edgeU32));
    case 12: {
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(big(), 0);
      return osdOp(CephOsdOp.NOTIFY, { args, data: rng.int(2) ? Buffer.concat([u32(1), u32(rng.int(2) ? 1 : rng.pick(edgeU32)), str(payload())]) : payload() });
    }
    case 13:
      return osdOp(CephOsdOp.NOTIFY_ACK, { data: Buffer.concat([u64(big()), u64(big()), str(payload())]) });
    case 14: {
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(big(), 0);
      return osdOp(rng.pick([CephOsdOp.ROLLBACK, CephOsdOp.ASSERT_VER, CephOsdOp.LIST_SNAPS]), { args: rng.int(2) ? args : randomArgs(rng) });
    }
    case 15:
      return osdOpCopyFrom({ name: fuzzName(rng) + 'missing', oloc: objectLocator(rng.int(2) ? t.pool : rng.int(1000), rng.int(2) ? '' : 'ns') }, { snapid: rng.int(2) ? CEPH_NOSNAP : big(), srcVersion: big(), flags: rng.int(64), v2: rng.int(2) === 0 });
    case 16: {
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(big(), 0);
      args.writeUInt32LE(rng.pick(edgeU32), 8);
      return osdOp(rng.pick([CephOsdOp.PGNLS, CephOsdOp.PGLS, CephOsdOp.PGNLS_FILTER, CephOsdOp.PGLS_FILTER]), { args, data: rng.int(2) ? randomBytes(rng, rng.int(80)) : Buffer.alloc(0) });
    }
    case 17: {
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(big(), 0);
      args.writeBigUInt64LE(big(), 8);
      args.writeUInt32LE(rng.pick(edgeU32), 16);
      return osdOp(CephOsdOp.SETALLOCHINT, { args });
    }
    case 18: {
      const w = new Writer();
      encodeObjectLocatorT(w, objectLocator(t.pool, 'ns'));
      return osdOp(CephOsdOp.COPY_GET, { args: randomArgs(rng), data: Buffer.concat([randomBytes(rng, rng.int(40)), w.finish()]) });
    }
    default:
      return osdOp(rng.pick([CephOsdOp.CREATE, CephOsdOp.DELETE, CephOsdOp.STAT, CephOsdOp.GETXATTRS, CephOsdOp.OMAPCLEAR, CephOsdOp.OMAPGETHEADER, CephOsdOp.LIST_WATCHERS, CephOsdOp.ASSERT_VER]), { flags: rng.int(2) ? CephOsdOpFlag.EXCL : 0, args: randomArgs(rng) });
  }
}

/** A well-formed MOSDOp (the way librados fills one) on `oid` in the fuzz target's pool. */
export function buildReq(t: FuzzTarget, oid: string, ops: OSDOp[], o: { nspace?: string; key?: string; flags?: number; snapid?: bigint; snapSeq?: bigint; snaps?: bigint[] } = {}): MOSDOp {
  const nspace = o.nspace ?? '';
  const key = o.key ?? '';
  const p = t.place(oid, nspace, key);
  const write = ops.some((x) => (x.op & CEPH_OSD_OP_MODE_WR) !== 0);
  return buildMOSDOp({
    target: { pool: t.pool, oid, nspace, key, locHash: -1, flags: 0 },
    state: p.state,
    ops,
    flags: o.flags ?? (write ? CephOsdFlag.WRITE | CephOsdFlag.ONDISK : CephOsdFlag.READ) | CephOsdFlag.KNOWN_REDIR,
    attempt: 0,
    epoch: t.epoch,
    mtime: { sec: Math.floor(Date.now() / 1000), nsec: 0 },
    features: CEPH_FEATURES_ALL,
    snapid: o.snapid,
    snapc: { seq: o.snapSeq ?? 0n, snaps: o.snaps ?? [] },
  });
}

export function toMessage(req: MOSDOp): Omit<CephMessage, 'tid'> {
  const body = MOSDOpCodec.encode(req, CEPH_FEATURES_ALL);
  return { type: CEPH_MSG_OSD_OP, version: 8, compatVersion: 3, priority: 63, dataOff: 0, front: body.front, middle: Buffer.alloc(0), data: body.data ?? Buffer.alloc(0) };
}

/** Random flags for the message: mostly what librados sets, sometimes anything. */
function messageFlags(rng: Prng, ops: OSDOp[]): number | undefined {
  if (rng.int(4)) return undefined;
  return rng.int(2) ? rng.int(2 ** 32) >>> 0 : rng.pick(Object.values(CephOsdFlag)) | (ops.some((x) => x.op & CEPH_OSD_OP_MODE_WR) ? CephOsdFlag.WRITE : CephOsdFlag.READ);
}

/** One frame: a mutated capture, a random op vector, or a hostile valid op (by the Prng). */
export function nextFrame(rng: Prng, t: FuzzTarget, captured: MOSDOp[]): FuzzFrame {
  const kind = rng.int(10);
  const nspace = rng.int(5) === 0 ? rng.pick(['ns', '\u0000', 'n'.repeat(300)]) : '';
  const key = rng.int(8) === 0 ? rng.pick(['k', 'key\u0000']) : '';
  if (kind < 3 && captured.length) {
    const base = rng.pick(captured);
    const req = { ...buildReq(t, rng.int(2) ? base.oid : fuzzName(rng), base.ops), flags: base.flags };
    const m = toMessage(req);
    const which = rng.int(10);
    const muts = 1 + rng.int(3);
    let front = m.front;
    let data = m.data;
    for (let i = 0; i < muts; i++) {
      if (which < 8) front = mutate(rng, front);
      if (which >= 7) data = mutate(rng, data);
    }
    return { what: `mutated capture (${muts} mutation(s))`, msg: { ...m, front, data } };
  }
  const snaps = rng.int(10) === 0 ? { snapid: rng.pick([CEPH_NOSNAP, 2n ** 64n - 2n, BigInt(rng.int(10))]), snapSeq: rng.pick(edgeU64), snaps: [rng.pick(edgeU64), BigInt(rng.int(5))] } : {};
  if (kind < 6) {
    const ops = Array.from({ length: 1 + rng.int(4) }, () => randomOp(rng));
    return { what: 'random ops', msg: toMessage(buildReq(t, fuzzName(rng), ops, { nspace, key, flags: messageFlags(rng, ops), ...snaps })) };
  }
  const ops = Array.from({ length: 1 + rng.int(3) }, () => hostileOp(rng, t));
  return { what: 'hostile ops', msg: toMessage(buildReq(t, fuzzName(rng), ops, { nspace, key, flags: messageFlags(rng, ops), ...snaps })) };
}
