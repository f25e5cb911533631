/**
 * The auth database: `ceph auth ...` outputs and messages as a real 16.2.15 mon gives them, caps
 * checks on commands, rotating keys and global_id allocation, persistence across restarts, and the
 * AuthMonitor::Incremental encoding against Ceph's corpus.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { Reader, Writer, EntityType } from '@ts-ceph/denc';
import { MonCap } from '@ts-ceph/cephx';
import { Harness } from './lib/harness';
import { decodeAuthMonIncremental, encodeAuthMonIncremental } from '../src/core/auth/auth-inc';
import { MIN_GLOBAL_ID } from '../src/core/auth/auth-monitor';

t.test('AuthMonitor::Incremental corpus samples round-trip', async (t) => {
  const dir = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', 'AuthMonitor::Incremental');
  for (const f of readdirSync(dir)) {
    const b = readFileSync(join(dir, f));
    const w = new Writer();
    encodeAuthMonIncremental(w, decodeAuthMonIncremental(new Reader(b)));
    t.ok(w.finish().equals(b), f);
  }
});

t.test('mkfs creates the bootstrap entities and client.admin', async (t) => {
  const h = await Harness.create();
  const r = await h.cmd({ prefix: 'auth ls' });
  t.equal(r.rs, 'installed auth entries:\n');
  const names = r.out.split('\n').filter((l) => l && !l.startsWith('\t'));
  t.same(names, ['client.admin', 'client.bootstrap-mds', 'client.bootstrap-mgr', 'client.bootstrap-osd', 'client.bootstrap-rbd', 'client.bootstrap-rbd-mirror', 'client.bootstrap-rgw']);
  t.match(r.out, /^client\.admin\n\tkey: AQ[A-Za-z0-9+/]+==\n\tcaps: \[mon\] allow \*\n\tcaps: \[osd\] allow \*\n/);
  t.match(r.out, /client\.bootstrap-osd\n\tkey: \S+\n\tcaps: \[mon\] allow profile bootstrap-osd\n/);
  const mon = await h.cmd({ prefix: 'auth get', entity: 'mon.' });
  t.match(mon.out, /^\[mon\.\]\n\tkey = \S+\n\tcaps mon = "allow \*"\n$/, 'mon. comes from the mon keyring');
  t.equal(h.auth.maxGlobalId, MIN_GLOBAL_ID + 10000n);
  t.equal(h.auth.keyServer.data.rotatingSecrets.size, 5, 'rotating secrets for auth, mon, osd, mds, mgr');
});

t.test('auth commands: outputs and errors as Ceph', async (t) => {
  const h = await Harness.create();
  let r = await h.cmd({ prefix: 'auth get-or-create', entity: 'client.app', caps: ['mon', 'allow r', 'osd', 'allow rw pool=p'] });
  t.equal(r.r, 0);
  const key = /key = (\S+)/.exec(r.out)![1]!;
  t.equal(r.out, `[client.app]\n\tkey = ${key}\n`, 'get-or-create prints the key only');
  r = await h.cmd({ prefix: 'auth get-or-create', entity: 'client.app', caps: ['mon', 'allow r', 'osd', 'allow rw pool=p'] });
  t.same([r.r, r.out], [0, `[client.app]\n\tkey = ${key}\n`], 'idempotent');
  r = await h.cmd({ prefix: 'auth get-or-create', entity: 'client.app', caps: ['mon', 'allow rw'] });
  t.same([r.r, r.rs], [-22, 'key for client.app exists but cap mon does not match']);
  r = await h.cmd({ prefix: 'auth get', entity: 'client.app' });
  t.same([r.rs, r.out], ['exported keyring for client.app', `[client.app]\n\tkey = ${key}\n\tcaps mon = "allow r"\n\tcaps osd = "allow rw pool=p"\n`]);
  r = await h.cmd({ prefix: 'auth get', entity: 'client.app', format: 'json-pretty' });
  t.equal(r.out, `[\n    {\n        "entity": "client.app",\n        "key": "${key}",\n        "caps": {\n            "mon": "allow r",\n            "osd": "allow rw pool=p"\n        }\n    }\n]\n`);
  r = await h.cmd({ prefix: 'auth get-or-create', entity: 'client.app', format: 'json' });
  t.equal(r.out, `[{"entity":"client.app","key":"${key}","caps":{"mon":"allow r","osd":"allow rw pool=p"}}]`);
  r = await h.cmd({ prefix: 'auth get-key', entity: 'client.app' });
  t.equal(r.out, key);
  r = await h.cmd({ prefix: 'auth get-or-create-key', entity: 'client.app', format: 'json' });
  t.equal(r.out, `{"key":"${key}"}`);
  r = await h.cmd({ prefix: 'auth print-key', entity: 'client.nope' });
  t.same([r.r, r.rs], [-2, "don't have client.nope"]);
  r = await h.cmd({ prefix: 'auth get', entity: 'client.nope' });
  t.same([r.r, r.rs], [-2, 'failed to find client.nope in keyring']);
  r = await h.cmd({ prefix: 'auth export', entity: 'client.app' });
  t.same([r.r, r.rs], [0, `export auth(key=${key})`]);
  r = await h.cmd({ prefix: 'auth add', entity: 'client.x', caps: ['mon', 'allow r'] });
  t.same([r.r, r.rs], [0, 'added key for client.x']);
  r = await h.cmd({ prefix: 'auth add', entity: 'client.x', caps: ['mon', 'allow r'] });
  t.same([r.r, r.rs], [0, ''], 'same add is a no-op');
  r = await h.cmd({ prefix: 'auth add', entity: 'client.x', caps: ['mon', 'allow w'] });
  t.same([r.r, r.rs], [-22, 'entity client.x exists but cap mon does not match']);
  r = await h.cmd({ prefix: 'auth get-or-create', entity: 'client.bad', caps: ['mon', 'allow foo'] });
  t.equal(r.r, -22);
  t.match(r.rs, /mon capability parse failed/);
  r = await h.cmd({ prefix: 'auth caps', entity: 'client.x', caps: ['mon', 'allow *'] });
  t.same([r.r, r.rs], [0, 'updated caps for client.x']);
  r = await h.cmd({ prefix: 'auth del', entity: 'client.x' });
  t.same([r.r, r.rs], [0, 'updated']);
  r = await h.cmd({ prefix: 'auth del', entity: 'client.x' });
  t.same([r.r, r.rs], [0, 'entity client.x does not exist']);
  r = await h.cmd({ prefix: 'auth import' }, { inbuf: Buffer.from('[client.imp]\n\tkey = AQCQ4gJrwcg4GxAANHuG86XFNu8dmUBjEeeSjg==\n\tcaps mon = "allow r"\n') });
  t.same([r.r, r.rs], [0, 'imported keyring']);
  r = await h.cmd({ prefix: 'auth get-key', entity: 'client.imp' });
  t.equal(r.out, 'AQCQ4gJrwcg4GxAANHuG86XFNu8dmUBjEeeSjg==');

  await h.restart();
  r = await h.cmd({ prefix: 'auth get-key', entity: 'client.app' });
  t.equal(r.out, key, 'entities survive a restart');
  r = await h.cmd({ prefix: 'auth get', entity: 'client.x' });
  t.equal(r.r, -2, 'deletions survive a restart');
});

t.test('caps: a read-only client can read but not write; no cap means EACCES', async (t) => {
  const h = await Harness.create();
  const ro = h.session('client.app', MonCap.parse('allow r'));
  let r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' }, { as: ro });
  t.equal(r.r, 0);
  r = await h.cmd({ prefix: 'config set', who: 'osd', name: 'osd_max_backfills', value: '2' }, { as: ro });
  t.same([r.r, r.rs], [-13, 'access denied']);
  r = await h.cmd({ prefix: 'auth ls' }, { as: ro });
  t.same([r.r, r.rs], [-13, 'access denied'], 'auth ls needs x');
  r = await h.cmd({ prefix: 'config get', who: 'osd.0', key: 'osd_max_backfills' }, { as: h.session('client.none', MonCap.empty()) });
  t.same([r.r, r.rs], [-13, 'access denied']);
  r = await h.cmd({ prefix: 'no such thing' });
  t.same([r.r, r.rs], [-22, 'command not known']);
  const bad = await h.runner.run(h.admin, ['{"prefix": '], Buffer.alloc(0));
  t.equal(bad.r, -22, 'bad JSON is EINVAL');
  r = await h.cmd({ foo: 1 });
  t.same([r.r, r.rs], [-22, 'command prefix not found']);
  r = await h.cmd({ prefix: 'config get', who: 5 });
  t.same([r.r, r.rs], [-22, "bad or missing field 'who'"]);
});

t.test('global ids and rotating secrets', async (t) => {
  const h = await Harness.create();
  const a = h.auth.assignGlobalId()!;
  const b = h.auth.assignGlobalId()!;
  t.equal(a, MIN_GLOBAL_ID + 1n);
  t.equal(b, a + 1n);
  t.notOk(h.auth.shouldIncreaseMaxGlobalId(), 'plenty left in the mkfs window');
  while (h.auth.assignGlobalId() !== undefined);
  t.ok(h.auth.shouldIncreaseMaxGlobalId(), 'the mkfs window is used up');
  const last = h.auth.lastAllocatedId;
  h.auth.increaseMaxGlobalId();
  await h.pipeline.run(() => h.pipeline.propose([h.auth]));
  t.equal(h.auth.maxGlobalId, last + 1n + 10000n);
  await h.restart();
  t.equal(h.auth.assignGlobalId(), undefined, 'after a restart the committed window counts as used');
  t.ok(h.auth.shouldIncreaseMaxGlobalId());
  h.auth.increaseMaxGlobalId();
  await h.pipeline.run(() => h.pipeline.propose([h.auth]));
  const c = h.auth.assignGlobalId()!;
  t.ok(c > last, `ids are never reused after a restart (${c} > ${last})`);
  const ver = h.auth.keyServer.data.rotatingVer;
  h.clock.advance(3 * 3600 * 1000 + 1);
  t.ok(h.auth.checkRotate(h.clock.wallNow()), 'expired service secrets rotate');
  await h.pipeline.run(() => h.pipeline.propose([h.auth]));
  await h.restart();
  t.ok(h.auth.keyServer.data.rotatingVer > ver, 'rotation is committed');
  t.ok(h.auth.keyServer.getActiveServiceSecret(EntityType.OSD, h.clock.wallNow()));
});
