/**
 * What test/acceptance/rados-diff.test.ts (python3-rados against ts-ceph and a real 16.2.15 OSD,
 * line for line) found, each pinned here on the op core with the behaviour of PrimaryLogPG.cc.
 */
import t from 'tap';
import { CephOsdFlag, CephOsdOp, CephOsdOpFlag, osdOp, osdOpExtent, osdOpWriteFull } from '@ts-ceph/messages';
import { PgLogOp } from '../src/core/pg';
import { harness, req } from './lib/harness';

/**
 * PrimaryLogPG::do_op checks the name, locator key and namespace lengths before it looks the object
 * up, so a stat of a 2049-byte name is ENAMETOOLONG on a real OSD (ts-osd answered ENOENT, and
 * only the object store refused the write); an empty name is EINVAL.
 */
t.test('object names over the limits are ENAMETOOLONG for reads and writes', async (t) => {
  const h = await harness();
  const stat = [osdOp(CephOsdOp.STAT)];
  const read = { flags: CephOsdFlag.READ };
  const long = 'n'.repeat(2049);
  t.equal((await h.run(req(long, stat, read))).result, -36, 'stat of a 2049-byte name');
  t.equal((await h.run(req(long, [osdOpWriteFull(Buffer.from('x'))]))).result, -36, 'write of a 2049-byte name');
  t.equal((await h.run(req('n'.repeat(2048), [osdOpWriteFull(Buffer.from('x'))]))).result, 0, 'a 2048-byte name is fine');
  const oloc = (key: string, nspace: string) => ({ oloc: { pool: 1, key, nspace, hash: -1 } });
  t.equal((await h.run(req('o', stat, { ...read, ...oloc('k'.repeat(2049), '') }))).result, -36, 'a 2049-byte locator key');
  t.equal((await h.run(req('o', stat, { ...read, ...oloc('', 's'.repeat(257)) }))).result, -36, 'a 257-byte namespace');
  t.equal((await h.run(req('o', stat, { ...read, ...oloc('', 's'.repeat(256)) }))).result, -2, 'a 256-byte namespace is looked up');
  t.equal((await h.run(req('', stat, read))).result, -22, 'an empty name');
});

/**
 * The versions in replies, as librados' get_last_version shows them. A read of a missing object is
 * reply_ctx(-ENOENT) in do_op: no versions (ts-osd gave the PG's). A read vector that fails is
 * complete_read_ctx with zero versions (ts-osd gave the object's). A write vector that fails or
 * changes nothing is update_log_only: the object's user version in the reply (ts-osd gave 0) and an
 * ERROR entry at the PG's next version, which the next write's user version then passes (a real OSD
 * answered a write after a zero past the end two user versions on; ts-osd one).
 */
t.test('reply versions of missing reads, failed reads, failed and no-op writes', async (t) => {
  const h = await harness();
  const read = { flags: CephOsdFlag.READ };
  let r = await h.run(req('o', [osdOpWriteFull(Buffer.from('12345678'))]));
  t.same([r.result, r.userVersion], [0, 1n]);
  r = await h.run(req('missing', [osdOp(CephOsdOp.STAT)], read));
  t.same([r.result, r.replayVersion.version, r.userVersion], [-2, 0n, 0n], 'stat of a missing object: no versions');
  r = await h.run(req('o', [osdOpExtent(CephOsdOp.CMPEXT, 0n, 2n, Buffer.from('xx'))], read));
  t.same([r.result, r.userVersion], [-4095, 0n], 'a failed read (-MAX_ERRNO - offset 0): no versions');
  r = await h.run(req('o', [osdOp(CephOsdOp.CREATE, { flags: CephOsdOpFlag.EXCL })]));
  t.same([r.result, r.replayVersion.version, r.userVersion], [-17, 2n, 1n], 'a failed write: its ERROR entry version, the object\'s user version');
  r = await h.run(req('o', [osdOpExtent(CephOsdOp.ZERO, 20n, 5n)]));
  t.same([r.result, r.replayVersion.version, r.userVersion], [0, 3n, 1n], 'zero past the end: a no-op write logged at the next version');
  t.same(h.pg.entries.map((e) => e.op), [PgLogOp.MODIFY, PgLogOp.ERROR, PgLogOp.ERROR], 'both logged as ERROR entries');
  r = await h.run(req('o', [osdOpWriteFull(Buffer.from('x'))]));
  t.same([r.replayVersion.version, r.userVersion], [4n, 4n], 'the next write: user version 4, not 2');
});

/**
 * An empty write or append within an existing object: PrimaryLogPG's WRITE adds t->nop(soid), so
 * it is a write with a new user version (a real OSD answered python's append(b'') one version on;
 * ts-osd treated it as a no-op).
 */
t.test('an empty append to an existing object is a write with a new version', async (t) => {
  const h = await harness();
  let r = await h.run(req('o', [osdOpWriteFull(Buffer.from('abc'))]));
  t.same([r.result, r.userVersion], [0, 1n]);
  r = await h.run(req('o', [osdOpExtent(CephOsdOp.APPEND, 0n, 0n)]));
  t.same([r.result, r.replayVersion.version, r.userVersion], [0, 2n, 2n], 'append of nothing: a new version');
  r = await h.run(req('o', [osdOpExtent(CephOsdOp.WRITE, 1n, 0n)]));
  t.same([r.result, r.userVersion, h.pg.entries.at(-1)?.op], [0, 3n, PgLogOp.MODIFY], 'an empty write inside the object: a MODIFY entry');
});

/**
 * complete_read_ctx sends every op's outdata also when a later op failed: a real OSD answered a read
 * vector [stat, cmpext that mismatches, omap-cmp] with the stat's size filled in for librados
 * (rados_diff_more.py, rop_fail_middle); ts-osd cleared every op's data on failure (librados then
 * reported the stat's prval as EIO).
 */
t.test('a failed read vector keeps the data of the ops before the failure', async (t) => {
  const h = await harness();
  await h.run(req('o', [osdOpWriteFull(Buffer.from('0123456789'))]));
  const cmpext = osdOpExtent(CephOsdOp.CMPEXT, 0, 2, Buffer.from('0X'));
  const r = await h.run(req('o', [osdOp(CephOsdOp.STAT), cmpext], { flags: CephOsdFlag.READ }));
  t.equal(r.result, -4096, 'the mismatch at byte 1: -MAX_ERRNO - 1');
  t.equal(r.ops[0]!.rval, 0, 'the stat succeeded');
  t.equal(r.ops[0]!.data.readBigUInt64LE(0), 10n, "the stat's size is in the reply");
  t.same([r.ops[1]!.rval, r.ops[1]!.data.length], [-4096, 0], 'the cmpext carries its rval, no data');
});
