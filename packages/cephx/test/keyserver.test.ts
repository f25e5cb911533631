/**
 * KeyServer state: rotating secrets against a real monitor's auth database (the 16.2.0 corpus
 * KeyServerData sample: same ids, same expirations for the same start time and ttls), rotation over
 * time, the choice of the sealing secret, incrementals, and service tickets.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { Reader, Writer, EntityType, utimeToMs } from '@ts-ceph/denc';
import {
  KeyServer,
  KeyRing,
  CryptoKey,
  decodeKeyServerData,
  encodeKeyServerData,
  decodeKeyServerIncremental,
  encodeKeyServerIncremental,
  AUTH_INC_ADD,
  AUTH_INC_DEL,
  AUTH_INC_SET_ROTATING,
  ROTATING_SERVICES,
  entityCapsFromText,
  capsText,
  decodeTicket,
  buildServiceTicketBlob,
  cryptoRandom,
} from '../src/index';

const corpusDir = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', 'KeyServerData');
const real = decodeKeyServerData(new Reader(readFileSync(join(corpusDir, readdirSync(corpusDir)[0]!))));

t.test('rotation matches a real monitor (corpus KeyServerData)', async (t) => {
  // the sample's secrets were all created at mkfs time T; that cluster ran auth_mon_ticket_ttl 12 h
  const T = real.rotatingSecrets.get(EntityType.MON)!.secrets.get(1n)!.key.created.sec * 1000;
  const ks = new KeyServer({ rng: cryptoRandom, config: { authMonTicketTtl: 43200, authServiceTicketTtl: 3600 } });
  t.ok(ks.rotate(T), 'secrets added');
  t.equal(ks.data.rotatingVer, real.rotatingVer, 'rotating_ver 1 after the first rotation');
  t.same([...ks.data.rotatingSecrets.keys()].sort((a, b) => a - b), [...real.rotatingSecrets.keys()].sort((a, b) => a - b), 'services auth, mon, osd, mds, mgr');
  for (const [svc, r] of real.rotatingSecrets) {
    const ours = ks.data.rotatingSecrets.get(svc)!;
    t.equal(ours.maxVer, r.maxVer);
    t.same(
      [...ours.secrets].map(([id, e]) => [id, e.expiration.sec]),
      [...r.secrets].map(([id, e]) => [id, e.expiration.sec]),
      `service ${svc}: same ids and expirations as Ceph`,
    );
  }
  t.notOk(ks.rotate(T), 'nothing to do at the same time');
  t.equal(ks.data.rotatingVer, 1n);
});

t.test('rotation over time and the sealing secret', async (t) => {
  const T = 1_700_000_000_000;
  const ks = new KeyServer({ rng: cryptoRandom });
  ks.rotate(T);
  const cur = ks.getActiveServiceSecret(EntityType.OSD, T)!;
  t.equal(cur.secretId, 2n, 'tickets are sealed with the "current" (second) secret');
  t.equal(cur.ttl, 3600, 'ttl = auth_service_ticket_ttl');
  t.equal(ks.getActiveServiceSecret(EntityType.AUTH, T)!.ttl, 259200, 'auth tickets: auth_mon_ticket_ttl');
  // secret 2 expires at T + 2 h: after that, rotation adds 4 and drops 1
  t.equal(utimeToMs(ks.data.rotatingSecrets.get(EntityType.OSD)!.secrets.get(2n)!.expiration), T + 7200_000);
  t.notOk(ks.rotate(T + 7199_000));
  t.ok(ks.rotate(T + 7200_000));
  const osd = ks.data.rotatingSecrets.get(EntityType.OSD)!;
  t.same([...osd.secrets.keys()], [2n, 3n, 4n]);
  t.equal(utimeToMs(osd.secrets.get(4n)!.expiration), T + 4 * 3600_000, 'new secret: max(now + ttl, newest) + ttl');
  t.equal(ks.data.rotatingVer, 2n);
  t.equal(ks.getActiveServiceSecret(EntityType.OSD, T + 7200_000)!.secretId, 3n);
  // the ttl is capped so no ticket outlives the newest secret
  const ks2 = new KeyServer({ rng: cryptoRandom, config: { authServiceTicketTtl: 3600 } });
  ks2.rotate(T);
  ks2.config.authServiceTicketTtl = 100000;
  t.equal(ks2.getActiveServiceSecret(EntityType.OSD, T)!.ttl, 3 * 3600, 'capped by the newest expiration');
  // an expired "current" falls through to the next
  t.equal(ks2.getActiveServiceSecret(EntityType.OSD, T + 7300_000)!.secretId, 3n);
  t.equal(ks.getServiceSecret(EntityType.OSD, 1n), undefined, 'rotated-out secret is gone');
  t.ok(ks.getServiceSecret(EntityType.OSD, 4n));
  t.equal(ks.getActiveServiceSecret(0x40, T), undefined, 'unknown service');
  t.same(ROTATING_SERVICES, [EntityType.AUTH, EntityType.MON, EntityType.OSD, EntityType.MDS, EntityType.MGR]);
  const upd = ks.updatedRotating(T + 7200_000, 1n)!;
  t.equal(upd.rotatingVer, 2n);
  const other = new KeyServer({ rng: cryptoRandom });
  other.decodeRotating(upd.rotatingBl);
  t.ok(other.getServiceSecret(EntityType.OSD, 4n)!.equals(ks.getServiceSecret(EntityType.OSD, 4n)!), 'a peon applies the leader\'s rotating set');
  t.equal(ks.updatedRotating(T + 7200_000, 2n), undefined, 'nothing newer');
});

t.test('entities, incrementals and service tickets', async (t) => {
  const T = 1_700_000_000_000;
  const mon = new KeyRing();
  mon.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate(cryptoRandom, T), caps: entityCapsFromText([['mon', 'allow *']]) });
  const ks = new KeyServer({ rng: cryptoRandom, extraSecrets: mon });
  const foo = { type: EntityType.CLIENT, id: 'foo' };
  const fooAuth = { key: CryptoKey.generate(cryptoRandom, T), caps: entityCapsFromText([['mon', 'allow r'], ['osd', 'allow rw pool=p1']]) };
  const add = { op: AUTH_INC_ADD, name: foo, auth: fooAuth } as const;
  const w = new Writer();
  encodeKeyServerIncremental(w, add);
  ks.applyIncremental(decodeKeyServerIncremental(new Reader(w.finish())));
  t.ok(ks.contains(foo));
  t.equal(capsText(ks.getCaps(foo, 'osd')!), 'allow rw pool=p1');
  t.equal(capsText(ks.getCaps(foo, 'mgr')!), '', 'no caps for a service: empty, but the entity exists');
  t.equal(ks.getCaps({ type: EntityType.CLIENT, id: 'bar' }, 'osd'), undefined, 'unknown entity');
  t.ok(ks.getSecret({ type: EntityType.MON, id: '' }), 'the mon keyring is consulted too');
  ks.rotate(T);
  const inc = ks.rotatingIncremental();
  t.equal(inc.op, AUTH_INC_SET_ROTATING);
  ks.applyIncremental(inc);
  // a service ticket for osd carries the osd caps and opens with the osd rotating secret
  const parent = { name: foo, globalId: 4200n, created: { sec: 0, nsec: 0 }, expires: { sec: 0, nsec: 0 }, caps: { allowAll: false, caps: Buffer.alloc(0) }, flags: 0 };
  const info = ks.buildSessionAuthInfo(EntityType.OSD, parent, T);
  t.equal(info.secretId, 2n);
  t.same(info.validity, { sec: 3600, nsec: 0 });
  const opened = decodeTicket(ks, EntityType.OSD, { type: EntityType.MON, id: '' }, buildServiceTicketBlob(info));
  t.equal(capsText(opened.ticket.caps), 'allow rw pool=p1');
  t.equal(opened.ticket.globalId, 4200n);
  t.equal(utimeToMs(opened.ticket.expires) - utimeToMs(opened.ticket.created), 3600_000);
  t.ok(opened.sessionKey.equals(info.sessionKey));
  t.throws(() => ks.buildSessionAuthInfo(EntityType.OSD, { ...parent, name: { type: EntityType.CLIENT, id: 'ghost' } }, T), { code: 'EINVAL' });
  t.throws(() => new KeyServer({ rng: cryptoRandom }).buildSessionAuthInfo(EntityType.OSD, parent, T), { code: 'EACCES' }, 'no rotating secret yet');
  // GET_ROTATING_KEY only for entities with a rotating type
  t.equal(ks.getRotatingEncrypted(foo), undefined);
  ks.applyIncremental({ op: AUTH_INC_DEL, name: foo, auth: fooAuth });
  t.notOk(ks.contains(foo));
  // the whole database round-trips
  const db = new Writer();
  encodeKeyServerData(db, ks.data);
  const back = decodeKeyServerData(new Reader(db.finish()));
  t.equal(back.rotatingVer, ks.data.rotatingVer);
  t.same([...back.rotatingSecrets.keys()], [...ks.data.rotatingSecrets.keys()].sort((a, b) => a - b));
});
