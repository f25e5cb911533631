/**
 * Acceptance 5 (second half): fuzzed MOSDOp frames sent to a running ts-osd never crash it. Our own
 * client stack (MonClient + cephx as client.admin + msgr2) opens sessions to osd.0 and sends mutated
 * captured MOSDOps, random op vectors (every CEPH_OSD_OP_* code and unknown ones) and valid MOSDOps
 * with hostile arguments (test/acceptance/osd-fuzz-frames.ts). Every frame the OSD must answer gets
 * a reply whose result and op rvals are 0/positive or a negative errno, or the session is closed;
 * a frame it may drop (a PG it does not have, a newer map) just must not hurt. No op may fail with
 * an untyped exception (the OSD logs those). Afterwards the daemon is alive, `rados put/get` is
 * byte-exact, and after a clean stop `ts-objectstore-tool --op fsck` finds no error.
 * TS_CEPH_SEED=<seed> replays a run; TS_CEPH_FUZZ_FRAMES sets the frame count (3000).
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sharedDir } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { CephMessage, decodeHeader2, StreamDecoder, Tag } from '@ts-ceph/messenger';
import { CEPH_MSG_OSD_OP, MOSDOp, MOSDOpCodec } from '@ts-ceph/messages';
import { Prng, run, seedFromEnv } from '@ts-ceph/testkit';
import { FuzzTarget, nextFrame } from './osd-fuzz-frames';
import { startTsOsdCluster } from './osd-lib';
import { RawOsdClient, RawOutcome } from './osd-raw-client';

const seed = seedFromEnv();
const frames = Number(process.env.TS_CEPH_FUZZ_FRAMES ?? 3000);
const clients = 3;
const replyTimeoutMs = 10_000;
/** A frame the OSD may drop (not its PG, a newer map) is given this long before the next one. */
const dropWaitMs = 150;
const toolBin = join(repoRoot(), 'packages', 'objectstore', 'dist', 'src', 'bin', 'ts-objectstore-tool.js');
t.comment(`osd fuzz seed ${seed} (TS_CEPH_SEED=${seed} to replay), ${frames} frames`);

/** The MOSDOps of the captured rados put/get sessions (byte-exact 16.2.15 clients). */
function capturedOps(): MOSDOp[] {
  const dir = join(sharedDir(), 'ceph-traces', 'streams');
  const out: MOSDOp[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.c2s.bin'))) {
    const d = new StreamDecoder();
    d.push(readFileSync(join(dir, f)));
    for (const it of d.drain()) {
      if (it.kind !== 'frame' || it.frame.tag !== Tag.MESSAGE) continue;
      const s = it.frame.segments;
      const h = decodeHeader2(s[0]!);
      if (h.type !== CEPH_MSG_OSD_OP) continue;
      const e = Buffer.alloc(0);
      const m: CephMessage = { type: h.type, version: h.version, compatVersion: h.compatVersion, priority: h.priority, tid: h.tid, dataOff: h.dataOff, front: s[1] ?? e, middle: s[2] ?? e, data: s[3] ?? e };
      out.push(MOSDOpCodec.decode(m, CEPH_FEATURES_ALL));
    }
  }
  return out;
}

/** What the OSD must do with a frame: be answered, close the session (undecodable), or may drop it. */
function expectation(msg: Omit<CephMessage, 'tid'>, target: FuzzTarget, pgNum: number): 'reply' | 'close' | 'any' {
  let req: MOSDOp;
  try {
    req = MOSDOpCodec.decode({ ...msg, tid: 0n }, CEPH_FEATURES_ALL);
  } catch {
    return 'close';
  }
  const pg = req.pgid.pgid;
  return pg.pool === target.pool && pg.seed < pgNum && req.osdmapEpoch <= target.epoch ? 'reply' : 'any';
}

const isErrno = (r: number): boolean => Number.isInteger(r) && r >= -4095;

/** The problem with an outcome, or undefined. */
function judge(o: RawOutcome, expect: 'reply' | 'close' | 'any'): string | undefined {
  if (o.kind === 'timeout') return expect === 'any' ? undefined : `no reply within ${replyTimeoutMs} ms and the session is still open (expected ${expect})`;
  // The OSD may always end a session (Ceph faults it on a message it cannot decode or handle).
  if (o.kind === 'closed') return undefined;
  if (expect === 'close') return 'an undecodable frame got a reply';
  const r = o.reply;
  if (!isErrno(r.result)) return `result ${r.result} is not an errno`;
  const bad = r.ops.find((x) => !isErrno(x.rval));
  if (bad) return `op rval ${bad.rval} is not an errno`;
  return undefined;
}

t.test('fuzzed MOSDOps never crash ts-osd', async (t) => {
  const c = await startTsOsdCluster({ debugOsd: 5, deviceBytes: 1 << 30 });
  t.teardown(() => c.stop());
  const captured = capturedOps();
  t.ok(captured.length >= 2, `${captured.length} captured MOSDOps to mutate`);
  const sessions = await Promise.all(Array.from({ length: clients }, () => RawOsdClient.open(c.mon.conf, c.mon.adminKeyring)));
  t.teardown(() => Promise.all(sessions.map((s) => s.close())));
  const pool = sessions[0]!.poolId(c.pool);
  const pgNum = sessions[0]!.osdmap.pools.get(pool)!.pgNum;
  const counts = { reply: 0, errno: 0, closed: 0, dropped: 0 };
  const failures: string[] = [];
  const started = Date.now();
  await Promise.all(
    sessions.map(async (s, i) => {
      const rng = new Prng((seed + i * 0x9e3779b9) >>> 0);
      const target: FuzzTarget = { pool, epoch: s.epoch, place: (oid, ns = '', key = '') => s.place(pool, oid, ns, key) };
      for (let n = i; n < frames && failures.length === 0; n += clients) {
        const f = nextFrame(rng, target, captured);
        const expect = expectation(f.msg, target, pgNum);
        const o = await s.request(f.msg, expect === 'any' ? dropWaitMs : replyTimeoutMs);
        if (o.kind === 'reply') counts[o.reply.result < 0 ? 'errno' : 'reply']++;
        else counts[o.kind === 'closed' ? 'closed' : 'dropped']++;
        const problem = judge(o, expect);
        if (problem) failures.push(`client ${i} frame ${n} (${f.what}): ${problem}; front ${f.msg.front.toString('hex').slice(0, 400)}`);
        if (c.osd.exitCode !== null || c.osd.signalCode !== null) failures.push(`ts-osd exited (${c.osd.exitCode ?? c.osd.signalCode}) after frame ${n} (${f.what})`);
      }
    }),
  );
  t.comment(`${frames} frames in ${Date.now() - started} ms: ${counts.reply} ok, ${counts.errno} errno replies, ${counts.closed} sessions closed, ${counts.dropped} dropped`);
  t.same(failures, [], `every frame answered or its session closed (TS_CEPH_SEED=${seed} to replay)`);
  t.equal(c.osd.exitCode, null, 'ts-osd is still running');
  t.ok(counts.reply > frames / 20 && counts.errno > frames / 20, 'the frames reached the op engine (successes and errnos)');
  const log = readFileSync(join(c.dir, 'osd.log'), 'utf8');
  const lines = log.split('\n');
  // Each match with the stack lines that follow it.
  const untyped = lines.flatMap((l, i) => (/ osd \d+ (op failed|op handler failed|op .+ failed: |transaction for .+ failed|op effect failed)| dispatcher failed|nhandled/.test(l) ? [lines.slice(i, i + 6).join('\n')] : []));
  t.same(untyped.slice(0, 5), [], `no op ended in an untyped exception (TS_CEPH_SEED=${seed} to replay)`);

  const blob = randomBytes(3 << 20);
  const inFile = join(c.mon.dir, 'fuzz-after.in');
  writeFileSync(inFile, blob);
  const put = await c.rados(['put', 'after-fuzz', inFile]);
  t.equal(put.code, 0, `rados put after the fuzz ${put.stderr}`);
  const get = await c.rados(['get', 'after-fuzz', '-']);
  t.ok(get.stdoutBuf.equals(blob), 'rados get is byte-exact');

  const exited = new Promise((r) => c.osd.once('exit', r));
  c.osd.kill('SIGTERM');
  await exited;
  t.equal(c.osd.exitCode, 0, 'ts-osd stops cleanly');
  const fsck = await run(process.execPath, [toolBin, '--data-path', c.dir, '--op', 'fsck'], { timeoutMs: 120_000 });
  t.equal(fsck.code, 0, `fsck: ${fsck.stdout}${fsck.stderr}`);
  t.match(fsck.stdout, / 0 errors/, 'the store has no errors');
});
