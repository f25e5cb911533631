/**
 * Fuzz the MOSDOp / MOSDOpReply decoders (as test/unit/fuzz.test.ts does for wire types): mutated
 * fronts and data segments of the captured frames and of built messages with many op kinds, a
 * redirect and snaps. Every decode either succeeds (and then re-encodes, and that re-decodes to the
 * same bytes) or throws a CephError; never a RangeError/TypeError, never slower than fuzzCaseMsMax.
 * Reproduce with TS_CEPH_SEED=<seed>.
 */
import t from 'tap';
import { CephMessage, MessageCodec } from '@ts-ceph/messenger';
import { fuzzDecodeTest, mutate, Prng, seedFromEnv } from '@ts-ceph/testkit';
import { CEPH_NOSNAP, objectLocator } from '@ts-ceph/maps';
import {
  BLKIN_TRACE_NONE,
  CEPH_MSG_OSD_OP,
  CEPH_MSG_OSD_OPREPLY,
  CephOsdFlag,
  CephOsdOp,
  CephOsdWatchOp,
  MOSDOp,
  MOSDOpCodec,
  MOSDOpReply,
  MOSDOpReplyCodec,
  MWatchNotifyCodec,
  CEPH_MSG_WATCH_NOTIFY,
  encodeNotifyCompleteData,
  osdOp,
  osdOpCall,
  osdOpExtent,
  osdOpRead,
  osdOpWatch,
  osdOpWriteFull,
  osdOpXattr,
} from '../src';
import { messagesOfStream, streamFiles } from './stream-messages';

const seed = seedFromEnv();
const perCodec = Number(process.env.TS_CEPH_FUZZ_PER_TYPE ?? 4000);
t.comment(`fuzz seed ${seed} (TS_CEPH_SEED=${seed} to replay), ${perCodec} mutations per codec`);

function asMessage(type: number, version: number, compat: number, body: { front: Buffer; data?: Buffer }): CephMessage {
  return { type, version, compatVersion: compat, priority: 63, tid: 1n, dataOff: 0, front: body.front, middle: Buffer.alloc(0), data: body.data ?? Buffer.alloc(0) };
}

const ops = [
  osdOpXattr(CephOsdOp.SETXATTR, 'user.k', Buffer.from('v')),
  osdOpCall('rbd', 'get_size', Buffer.from([1, 2, 3])),
  osdOpWatch(CephOsdWatchOp.WATCH, 77n, 1, 30),
  osdOpExtent(CephOsdOp.WRITE, 4096, 5, Buffer.from('hello')),
  osdOpRead(0, 100),
  osdOp(CephOsdOp.OMAPGETVALS, { data: Buffer.from([0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }),
];
const built: MOSDOp = {
  pgid: { pgid: { pool: 2, seed: 7 }, shard: -1 },
  hash: 0x12345678,
  osdmapEpoch: 19,
  flags: CephOsdFlag.ONDISK | CephOsdFlag.WRITE | CephOsdFlag.KNOWN_REDIR,
  reqid: { name: { type: 8, num: 4100 }, tid: 3n, inc: 0 },
  trace: BLKIN_TRACE_NONE,
  clientInc: 0,
  mtime: { sec: 1700000000, nsec: 1 },
  oloc: objectLocator(2, 'ns'),
  oid: 'rbd_header.1234',
  ops,
  snapid: CEPH_NOSNAP,
  snapSeq: 5n,
  snaps: [5n, 2n],
  retryAttempt: 0,
  features: 0x3f01cfbffffdffffn,
};
const reply: MOSDOpReply = {
  oid: 'obj',
  pgid: { pool: 2, seed: 7 },
  flags: BigInt(CephOsdFlag.ONDISK | CephOsdFlag.READ),
  result: -2,
  badReplayVersion: { epoch: 19, version: 4n },
  osdmapEpoch: 19,
  ops: [{ ...osdOpRead(0, 4), data: Buffer.from('abcd'), rval: 0 }, { ...osdOpWriteFull(Buffer.alloc(0)), rval: -2 }],
  retryAttempt: 0,
  replayVersion: { epoch: 19, version: 4n },
  userVersion: 4n,
  redirect: { locator: objectLocator(5, '', 'key'), object: 'other', legacyInstructions: Buffer.alloc(0) },
  trace: BLKIN_TRACE_NONE,
};

const captured = streamFiles().flatMap((f) => messagesOfStream(f));
const codecBases: [MessageCodec<unknown>, CephMessage[]][] = [
  [MOSDOpCodec as MessageCodec<unknown>, [...captured.filter((m) => m.type === CEPH_MSG_OSD_OP), asMessage(CEPH_MSG_OSD_OP, 8, 3, MOSDOpCodec.encode(built, 0n))]],
  [MOSDOpReplyCodec as MessageCodec<unknown>, [...captured.filter((m) => m.type === CEPH_MSG_OSD_OPREPLY), asMessage(CEPH_MSG_OSD_OPREPLY, 8, 2, MOSDOpReplyCodec.encode(reply, 0n))]],
  [
    MWatchNotifyCodec as MessageCodec<unknown>,
    [
      asMessage(CEPH_MSG_WATCH_NOTIFY, 3, 1, MWatchNotifyCodec.encode({ msgVer: 1, opcode: 1, cookie: 77n, ver: 0n, notifyId: 5n, payload: Buffer.from('hello'), returnCode: 0, notifierGid: 4100n, data: Buffer.alloc(0) }, 0n)),
      asMessage(CEPH_MSG_WATCH_NOTIFY, 3, 1, MWatchNotifyCodec.encode({ msgVer: 1, opcode: 2, cookie: 78n, ver: 0n, notifyId: 5n, payload: Buffer.alloc(0), returnCode: -110, notifierGid: 4100n, data: encodeNotifyCompleteData({ acks: [{ gid: 1n, cookie: 2n, reply: Buffer.from('r') }], missed: [] }) }, 0n)),
      asMessage(CEPH_MSG_WATCH_NOTIFY, 3, 1, MWatchNotifyCodec.encode({ msgVer: 1, opcode: 3, cookie: 79n, ver: 0n, notifyId: 0n, payload: Buffer.alloc(0), returnCode: 0, notifierGid: 0n, data: Buffer.alloc(0) }, 0n)),
    ],
  ],
];

/** Mostly the front; sometimes the data segment (payload_len vs data length), sometimes both. */
function mutateMessage(rng: Prng, base: CephMessage): CephMessage {
  const which = rng.int(10);
  return { ...base, front: which < 8 ? mutate(rng, base.front) : base.front, data: which >= 7 ? mutate(rng, base.data) : base.data };
}

/** Decode; what decodes must re-encode, and that must decode and re-encode to the same bytes. */
function decodeStably(codec: MessageCodec<unknown>, m: CephMessage): string | void {
  const again = codec.encode(codec.decode(m, 0n), 0n);
  const again2 = codec.encode(codec.decode({ ...m, front: again.front, data: again.data ?? Buffer.alloc(0) }, 0n), 0n);
  if (!again2.front.equals(again.front) || !(again2.data ?? Buffer.alloc(0)).equals(again.data ?? Buffer.alloc(0))) return 're-encoding is not stable';
}

for (const [codec, bases] of codecBases) {
  t.test(codec.name, async (t) => {
    t.ok(bases.length >= 3, `${bases.length} base messages`);
    fuzzDecodeTest(t, {
      bases,
      cases: perCodec,
      seed,
      mutate: mutateMessage,
      decode: (m) => decodeStably(codec, m),
      show: (m) => `front ${m.front.toString('hex').slice(0, 200)}`,
    });
  });
}
