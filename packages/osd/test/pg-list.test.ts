/**
 * The PG listing ops beyond plain pgnls (PrimaryLogPG::do_pg_op): pgnls in one namespace or all
 * (librados' "\x01"), with locator keys; the legacy PGLS (pg_ls_response_t: name and key in exactly
 * the request's namespace, the handle where to resume, rval 1 at the end); PGNLS_FILTER and
 * PGLS_FILTER with the "plain" and cls_hello "hello.hello" xattr filters, and -EINVAL for any other.
 */
import t from 'tap';
import { Reader, Writer } from '@ts-ceph/denc';
import { HobjectT, encodeHobjectT } from '@ts-ceph/maps';
import { CephOsdFlag, CephOsdOp, decodePgLsResponseT, osdOp, osdOpWriteFull, osdOpXattr, pgnlsReply } from '@ts-ceph/messages';
import { CEPH_NOSNAP } from '@ts-ceph/objectstore';
import { harness, Harness, req } from './lib/harness';

const start: HobjectT = { oid: '', key: '', snap: CEPH_NOSNAP, hash: 0x3, max: false, nspace: '', pool: 1 };

/** Objects: a (ns ''), b (ns1, locator L), c (ns1, xattr _tag=yes), d (ns '', xattr _tag=no). */
async function populate(h: Harness): Promise<void> {
  const mk = async (name: string, hash: number, nspace: string, key: string, tag?: string) => {
    const ops = [osdOpWriteFull(Buffer.from(name))];
    if (tag) ops.push(osdOpXattr(CephOsdOp.SETXATTR, 'tag', Buffer.from(tag)));
    const r = await h.run(req(name, ops, { hash, oloc: { pool: 1, key, nspace, hash: -1n } as never }));
    if (r.result !== 0) throw new Error(`write ${name}: ${r.result}`);
  };
  await mk('a', 0x1234abcb, '', '');
  await mk('b', 0x2234abcb, 'ns1', 'L');
  await mk('c', 0x3234abcb, 'ns1', '', 'yes');
  await mk('d', 0x4234abcb, '', '', 'no');
}

function listOp(op: number, nspace: string, filter?: { type: string; xattr: string; value: string }, count = 100n, snapid = CEPH_NOSNAP) {
  const w = new Writer();
  if (filter) w.string('pg').string('filter').string(filter.type).string(filter.xattr).string(filter.value);
  encodeHobjectT(w, start);
  const args = Buffer.alloc(28);
  args.writeBigUInt64LE(count, 0);
  return req('', [osdOp(op, { args, data: w.finish() })], { flags: CephOsdFlag.READ, snapid, oloc: { pool: 1, key: '', nspace, hash: -1n } as never });
}

t.test('pgnls: one namespace, all namespaces, locators', async (t) => {
  const h = await harness();
  await populate(h);
  let r = await h.run(listOp(CephOsdOp.PGNLS, ''));
  t.same([r.result, pgnlsReply(r.ops[0]!).entries.map((e) => e.oid).sort()], [1, ['a', 'd']], 'the default namespace');
  r = await h.run(listOp(CephOsdOp.PGNLS, 'ns1'));
  t.same(pgnlsReply(r.ops[0]!).entries.sort((x, y) => x.oid.localeCompare(y.oid)), [
    { nspace: 'ns1', oid: 'b', locator: 'L' },
    { nspace: 'ns1', oid: 'c', locator: '' },
  ], 'ns1, with the locator key');
  r = await h.run(listOp(CephOsdOp.PGNLS, '\x01'));
  t.same(pgnlsReply(r.ops[0]!).entries.map((e) => `${e.nspace}/${e.oid}`).sort(), ['/a', '/d', 'ns1/b', 'ns1/c'], 'LIBRADOS_ALL_NSPACES');
  r = await h.run(listOp(CephOsdOp.PGNLS, '', undefined, 100n, 5n));
  t.equal(r.result, -22, 'pgnls at a snapshot: EINVAL');
});

t.test('legacy pgls answers a pg_ls_response_t', async (t) => {
  const h = await harness();
  await populate(h);
  let r = await h.run(listOp(CephOsdOp.PGLS, 'ns1'));
  t.equal(r.result, 1, 'the PG is exhausted');
  const resp = decodePgLsResponseT(new Reader(r.ops[0]!.data));
  t.same(resp.entries.sort((x, y) => x.oid.localeCompare(y.oid)), [{ oid: 'b', key: 'L' }, { oid: 'c', key: '' }], 'name and locator key, ns1 only');
  t.ok(resp.handle.max, 'the handle is max at the end');
  r = await h.run(listOp(CephOsdOp.PGLS, '\x01'));
  t.same(decodePgLsResponseT(new Reader(r.ops[0]!.data)).entries, [], 'pgls has no all-namespaces mode');
  r = await h.run(listOp(CephOsdOp.PGLS, '', undefined, 1n));
  t.equal(r.result, 0, 'count 1: more to come');
  const part = decodePgLsResponseT(new Reader(r.ops[0]!.data));
  t.same([part.entries.length, part.handle.max], [1, false], 'one entry and a resume handle');
});

t.test('pgls filters: plain, hello.hello, unknown', async (t) => {
  const h = await harness();
  await populate(h);
  let r = await h.run(listOp(CephOsdOp.PGNLS_FILTER, '\x01', { type: 'plain', xattr: '_tag', value: 'yes' }));
  t.same([r.result, pgnlsReply(r.ops[0]!).entries.map((e) => e.oid)], [1, ['c']], 'plain: the xattr equals the value');
  r = await h.run(listOp(CephOsdOp.PGNLS_FILTER, '', { type: 'hello.hello', xattr: '_tag', value: 'no' }));
  t.same(pgnlsReply(r.ops[0]!).entries.map((e) => e.oid), ['d'], "cls_hello's filter");
  r = await h.run(listOp(CephOsdOp.PGLS_FILTER, 'ns1', { type: 'plain', xattr: '_tag', value: 'yes' }));
  t.same(decodePgLsResponseT(new Reader(r.ops[0]!.data)).entries, [{ oid: 'c', key: '' }], 'pgls-filter');
  r = await h.run(listOp(CephOsdOp.PGNLS_FILTER, '\x01', { type: 'plain', xattr: '_missing', value: '' }));
  t.same(pgnlsReply(r.ops[0]!).entries, [], 'objects without the xattr are rejected, even for an empty value');
  for (const type of ['nosuch.filter', 'hello.nosuch', 'nodot', 'hello.']) {
    r = await h.run(listOp(CephOsdOp.PGNLS_FILTER, '', { type, xattr: '_tag', value: 'yes' }));
    t.equal(r.result, -22, `filter type ${JSON.stringify(type)}: EINVAL`);
  }
});
