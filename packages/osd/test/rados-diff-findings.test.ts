/**
 * What test/acceptance/rados-diff.test.ts (python3-rados against ts-ceph and a real 16.2.15 OSD,
 * line for line) found, each pinned here on the op core with the behaviour of PrimaryLogPG.cc.
 */
import t from 'tap';
import { CephOsdFlag, CephOsdOp, osdOp, osdOpWriteFull } from '@ts-ceph/messages';
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
