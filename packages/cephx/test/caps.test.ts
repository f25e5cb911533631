/**
 * MonCap, OSDCap and MgrCap against Ceph's own unit-test vectors (src/test/{mon/moncap.cc,
 * osd/osdcap.cc, mgr/test_mgrcap.cc}): every string Ceph accepts or refuses, the canonical printed
 * forms, and every is_capable decision those tests assert.
 */
import t from 'tap';
import { AddrType, makeAddr, EntityType } from '@ts-ceph/denc';
import { isCephError } from '@ts-ceph/common';
import { MonCap, OSDCap, MgrCap, CapParseError } from '../src/index';
import * as cases from './data/cap-parse-cases';
import { osdIsCapable } from './data/osdcap-cases';

const ip = (s: string) => makeAddr(AddrType.LEGACY, s, 0);

function parses(parse: (s: string) => unknown, s: string): boolean {
  try {
    parse(s);
    return true;
  } catch (e) {
    if (!(e instanceof CapParseError) || !isCephError(e, 'EINVAL')) throw e;
    return false;
  }
}

t.test('MonCap grammar', async (t) => {
  for (const s of cases.monParseGood) t.ok(parses(MonCap.parse, s), `accepts ${JSON.stringify(s)}`);
  for (const s of cases.monParseBad) t.notOk(parses(MonCap.parse, s), `refuses ${JSON.stringify(s)}`);
  for (const s of cases.monParseIdentity) t.equal(MonCap.parse(s).toString(), s, `prints back ${JSON.stringify(s)}`);
});

t.test('MgrCap grammar', async (t) => {
  for (const s of cases.mgrParseGood) t.ok(parses(MgrCap.parse, s), `accepts ${JSON.stringify(s)}`);
  for (const s of cases.mgrParseBad) t.notOk(parses(MgrCap.parse, s), `refuses ${JSON.stringify(s)}`);
  for (const s of cases.mgrParseIdentity) t.equal(MgrCap.parse(s).toString(), s, `prints back ${JSON.stringify(s)}`);
  t.notOk(parses(MgrCap.parse, 'profile unknown'), 'unknown profile refused');
  t.notOk(parses(MgrCap.parse, 'profile rbd invalid-key=value'), 'unknown profile argument refused');
});

t.test('OSDCap grammar and printed form', async (t) => {
  for (const s of cases.osdParseGood) t.ok(parses(OSDCap.parse, s), `accepts ${JSON.stringify(s)}`);
  for (const s of cases.osdParseBad) t.notOk(parses(OSDCap.parse, s), `refuses ${JSON.stringify(s)}`);
  for (const [input, out] of cases.osdOutputParsed) t.equal(OSDCap.parse(input).toString(), out, `prints ${JSON.stringify(input)}`);
});

t.test('parse errors say where parsing stopped', async (t) => {
  const e = t.throws(() => MonCap.parse('allow r foo')) as CapParseError;
  t.equal(e.errno, 22);
  t.equal(e.position, 8);
  t.match(e.message, /mon capability parse failed, stopped at 'foo' of 'allow r foo'/);
  const o = t.throws(() => OSDCap.parse('allow rwx pool foo ;allow r pool bar gibberish')) as CapParseError;
  t.match(o.message, /stopped at 'gibberish'/);
  const m = t.throws(() => MgrCap.parse('profile foo')) as CapParseError;
  t.match(m.message, /unrecognized profile 'foo'/);
  t.throws(() => MonCap.parse('allow ' + 'r'.repeat(70000)), { code: 'CAP_PARSE' }, 'over capBytesMax');
});

t.test('OSDCap.is_capable: every assertion of osdcap.cc', async (t) => {
  let n = 0;
  for (const [test, cap, pool, ns, app, object, read, write, classes, addr, expect] of osdIsCapable) {
    const c = OSDCap.parse(cap);
    const got = c.isCapable({
      pool,
      nspace: ns,
      app,
      object,
      read,
      write,
      classes: classes.map(([className, methodName, r, w, allowed]) => ({ className, methodName, read: r, write: w, allowed })),
      addr: addr ? ip(addr) : undefined,
    });
    if (got !== expect) t.equal(got, expect, `${test}: '${cap}' ${JSON.stringify([pool, ns, app, object, read, write, classes, addr])}`);
    n++;
  }
  t.equal(n, 700, 'all 700 decisions match Ceph');
  t.notOk(OSDCap.parse('profile read-only, profile read-write pool abc').allowAll());
  t.ok(OSDCap.parse('allow *').allowAll());
  t.notOk(OSDCap.parse('allow rwx').allowAll());
});

t.test('MonCap evaluation (moncap.cc)', async (t) => {
  t.ok(MonCap.parse('allow *').isCapable({ service: 'foo', command: 'asdf', read: true, write: true, exec: true }));
  for (const s of ['allow r', 'allow w', 'allow x', 'allow rwx', 'allow rw', 'allow rx', 'allow wx']) t.notOk(MonCap.parse(s).isAllowAll(), s);
  t.ok(MonCap.parse('allow *').isAllowAll());
  t.ok(MonCap.allowAll().isAllowAll());

  const net = MonCap.parse('allow * network 192.168.0.0/16, allow * network 10.0.0.0/8');
  const all = { service: 'foo', command: 'asdf', read: true, write: true, exec: true };
  t.ok(net.isCapable({ ...all, addr: ip('10.1.2.3') }));
  t.ok(net.isCapable({ ...all, addr: ip('192.168.2.3') }));
  t.notOk(net.isCapable({ ...all, addr: ip('192.167.2.3') }));

  const osd = MonCap.parse('allow profile osd');
  const name = { type: EntityType.OSD, id: '123' };
  const q = (service: string, command: string, args: Record<string, string>, r: boolean, w: boolean, x: boolean) =>
    osd.isCapable({ name, service, command, args, read: r, write: w, exec: x });
  t.ok(q('osd', '', {}, true, false, false));
  t.ok(q('osd', '', {}, true, true, false));
  t.ok(q('osd', '', {}, true, true, true));
  t.ok(q('mon', '', {}, true, false, false));
  t.notOk(q('mds', '', {}, true, true, true));
  t.notOk(q('mon', '', {}, true, true, true));
  t.notOk(q('', 'config-key get', {}, true, true, true));
  t.notOk(q('', 'config-key get', { key: 'daemon-private/osd.123' }, true, true, true));
  t.notOk(q('', 'config-key get', { key: 'daemon-private/osd.12/asdf' }, true, true, true));
  t.ok(q('', 'config-key get', { key: 'daemon-private/osd.123/' }, true, true, true));
  for (const c of ['get', 'put', 'set', 'exists', 'delete']) t.ok(q('', `config-key ${c}`, { key: 'daemon-private/osd.123/foo' }, true, true, true), c);

  const re = MonCap.parse('allow command abc with arg regex "^[0-9a-z.]*$"');
  t.ok(re.isCapable({ name, command: 'abc', args: { arg: '12345abcde' }, read: true, write: true, exec: true }));
  t.notOk(re.isCapable({ name, command: 'abc', args: { arg: '~!@#$' }, read: true, write: true, exec: true }));
  t.notOk(MonCap.parse('allow command abc with arg regex "[*"').isCapable({ name, command: 'abc', args: { arg: '' }, read: true, write: true, exec: true }));

  const mon = { type: EntityType.MON, id: 'a' };
  const goc = (cap: string, caps_mon: string, caps_osd: string) =>
    MonCap.parse(cap).isCapable({ name: mon, command: 'auth get-or-create', args: { entity: 'client.rbd', caps_mon, caps_osd }, read: true, write: true, exec: true });
  t.ok(goc('profile bootstrap-rbd', 'profile rbd', 'profile rbd pool=foo, profile rbd-read-only'));
  t.notOk(goc('profile bootstrap-rbd', 'allow *', 'profile rbd'));
  t.notOk(goc('profile bootstrap-rbd', 'profile rbd', 'profile rbd pool=foo, allow *, profile rbd-read-only'));
  t.ok(goc('profile bootstrap-rbd-mirror', 'profile rbd-mirror', 'profile rbd pool=foo, profile rbd-read-only'));
  t.notOk(goc('profile bootstrap-rbd-mirror', 'profile rbd', 'profile rbd pool=foo, profile rbd-read-only'));
  t.notOk(goc('profile bootstrap-rbd-mirror', 'allow *', 'profile rbd'));
  t.notOk(goc('profile bootstrap-rbd-mirror', 'profile rbd-mirror', 'profile rbd pool=foo, allow *, profile rbd-read-only'));
  const ck = { name: mon, service: 'config-key', command: 'config-key get', args: { key: 'rbd/mirror/peer/1/1234' }, read: true };
  t.notOk(MonCap.parse('profile rbd').isCapable(ck));
  t.ok(MonCap.parse('profile rbd-mirror').isCapable(ck));
});

t.test('MgrCap evaluation (test_mgrcap.cc)', async (t) => {
  t.ok(MgrCap.parse('allow *').isCapable({ service: 'foo', command: 'asdf', read: true, write: true, exec: true }));
  t.ok(MgrCap.allowAll().isAllowAll());
  const net = MgrCap.parse('allow * network 192.168.0.0/16, allow * network 10.0.0.0/8');
  const all = { service: 'foo', command: 'asdf', read: true, write: true, exec: true };
  t.ok(net.isCapable({ ...all, addr: ip('10.1.2.3') }));
  t.ok(net.isCapable({ ...all, addr: ip('192.168.2.3') }));
  t.notOk(net.isCapable({ ...all, addr: ip('192.167.2.3') }));
  const re = MgrCap.parse('allow command abc with arg regex "^[0-9a-z.]*$"');
  t.ok(re.isCapable({ command: 'abc', args: { arg: '12345abcde' }, read: true, write: true, exec: true }));
  t.notOk(re.isCapable({ command: 'abc', args: { arg: '~!@#$' }, read: true, write: true, exec: true }));
  const mod = MgrCap.parse('allow module abc r, allow module bcd w');
  t.notOk(mod.isCapable({ module: 'abc', read: true, write: true }));
  t.ok(mod.isCapable({ module: 'abc', read: true }));
  t.notOk(mod.isCapable({ module: 'bcd', read: true, write: true }));
  t.ok(mod.isCapable({ module: 'bcd', write: true }));
  const rbd = MgrCap.parse('profile rbd');
  t.notOk(rbd.isCapable({ module: 'abc', read: true }));
  t.ok(rbd.isCapable({ module: 'rbd_support', read: true, write: true }));
  t.ok(rbd.isCapable({ module: 'rbd_support', read: true }));
  const rbdNs = MgrCap.parse('profile rbd pool=abc namespace prefix def');
  t.notOk(rbdNs.isCapable({ module: 'rbd_support', read: true, write: true }));
  t.notOk(rbdNs.isCapable({ module: 'rbd_support', args: { pool: 'abc' }, read: true, write: true }));
  t.ok(rbdNs.isCapable({ module: 'rbd_support', args: { pool: 'abc', namespace: 'defghi' }, read: true, write: true }));
  const ro = MgrCap.parse('profile rbd-read-only');
  t.notOk(ro.isCapable({ module: 'abc', read: true }));
  t.notOk(ro.isCapable({ module: 'rbd_support', read: true, write: true }));
  t.ok(ro.isCapable({ module: 'rbd_support', read: true }));
});
