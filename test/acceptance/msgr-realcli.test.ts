/**
 * Acceptance 2 (messenger issue): our accepting side against the real Ceph 16.2.15 `ceph` CLI, in
 * crc and secure mode. Our Messenger listens as a monitor with cephx (the cephx package's mon
 * provider, a KeyServer holding the test's client.admin key and mon. secret); the CLI completes
 * the msgr2.1 handshake and cephx, and its first message, mon_getmap, arrives decoded. We answer
 * with a monmap and a config, and the CLI accepts them: it opens its second (real) session and
 * subscribes, which it only does after its bootstrap session got what it wanted.
 */
import t, { Test } from 'tap';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sharedDir } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr, Reader, Writer, formatEntityName } from '@ts-ceph/denc';
import { decodeMonMap, encodeMonMap, newMonInfo } from '@ts-ceph/maps';
import { AuthRegistry, CephxMonServerProvider, CryptoKey, entityCapsFromText, KeyRing, KeyServer, monAuthSession, cryptoRandom } from '@ts-ceph/cephx';
import { CephMessage, Connection, Messenger, messageTypes, nativeGcmBinding, Policies } from '@ts-ceph/messenger';
import { CEPH_MSG_MON_GET_MAP, CEPH_MSG_MON_SUBSCRIBE, MConfigCodec, MMonMapCodec, MMonSubscribe } from '@ts-ceph/messages';
import { freePort, requireBinary, tempDir, waitFor } from '@ts-ceph/testkit';
import { randomBytes } from 'node:crypto';

interface Seen {
  con: Connection;
  msg: CephMessage;
  payload: unknown;
}

async function serveOnce(t: Test, mode: 'crc' | 'secure', cliKey?: string, gcm: 'native' | 'node' = 'native') {
  requireBinary('ceph');
  const dir = tempDir('ts-ceph-realcli-');
  t.teardown(dir.cleanup);
  const now = Date.now();
  const fsid = randomUUID();
  const port = await freePort();
  const admin = { type: EntityType.CLIENT, id: 'admin' };
  const adminKey = CryptoKey.generate({ bytes: (n) => randomBytes(n) }, now);
  const ks = new KeyServer({ rng: cryptoRandom });
  ks.addAuth(admin, { key: adminKey, caps: entityCapsFromText([['mon', 'allow *'], ['osd', 'allow *'], ['mgr', 'allow *']]) });
  const monKeyring = new KeyRing();
  monKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate(ks.rng, now), caps: entityCapsFromText([['mon', 'allow *']]) });
  ks.extraSecrets.import(monKeyring);
  ks.rotate(now);
  let gid = 4200n;
  const registry = new AuthRegistry(EntityType.MON, { msMonClientMode: mode, msMonServiceMode: mode, msMonClusterMode: mode, msClientMode: mode, msServiceMode: mode, msClusterMode: mode });
  const provider = new CephxMonServerProvider({ rng: cryptoRandom, keyServer: ks, monKeyring, registry, allocateGlobalId: () => gid++, now: () => Date.now() });
  const msgr = new Messenger({ entityType: EntityType.MON, nonce: 0, authServer: provider, defaultPolicy: Policies.statelessServer(), gcm });
  t.teardown(() => msgr.shutdown());
  await msgr.bind('127.0.0.1', port);

  // A monmap the CLI will believe: the capture cluster's, with our fsid and address.
  const mm = decodeMonMap(new Reader(readFileSync(join(sharedDir(), 'ceph-traces', 'maps', 'monmap.bin'))));
  mm.fsid = fsid;
  mm.monInfo = new Map([['a', newMonInfo('a', [makeAddr(AddrType.MSGR2, '127.0.0.1', port, 0)])]]);
  mm.ranks = ['a'];
  const w = new Writer();
  encodeMonMap(w, mm);
  const monmapBl = w.finish();

  const accepted: Connection[] = [];
  const seen: Seen[] = [];
  msgr.addDispatcher({
    msHandleAccept: (con) => void accepted.push(con),
    msDispatch(con, msg, payload) {
      seen.push({ con, msg, payload });
      if (msg.type === CEPH_MSG_MON_GET_MAP) con.send(messageTypes.build(MMonMapCodec, { monmap: monmapBl }));
      if (msg.type === CEPH_MSG_MON_SUBSCRIBE && (payload as MMonSubscribe).what.has('config')) {
        con.send(messageTypes.build(MConfigCodec, { config: new Map() }));
        con.send(messageTypes.build(MMonMapCodec, { monmap: monmapBl }));
      }
    },
  });

  const conf = join(dir.path, 'ceph.conf');
  const keyring = join(dir.path, 'ceph.client.admin.keyring');
  writeFileSync(keyring, `[client.admin]\n\tkey = ${cliKey ?? adminKey.toBase64()}\n`, { mode: 0o600 });
  const modes = ['ms_cluster_mode', 'ms_service_mode', 'ms_client_mode', 'ms_mon_cluster_mode', 'ms_mon_service_mode', 'ms_mon_client_mode'].map((o) => `${o} = ${mode}`).join('\n');
  writeFileSync(conf, `[global]\nfsid = ${fsid}\nmon_host = [v2:127.0.0.1:${port}]\nauth_cluster_required = cephx\nauth_service_required = cephx\nauth_client_required = cephx\n${modes}\nkeyring = ${keyring}\n`);
  const cli: ChildProcess = spawn('ceph', ['-c', conf, '--connect-timeout', '20', 'status'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let cliErr = '';
  cli.stderr!.on('data', (d: Buffer) => (cliErr += d.toString()));
  const exited = new Promise<number | null>((res) => cli.once('exit', (code) => res(code)));
  t.teardown(() => void cli.kill('SIGKILL'));
  return { accepted, seen, cli: () => cliErr, exited, fsid, msgr };
}

// Secure mode twice: with the native AES-GCM (the default) and with the node:crypto fallback.
const variants = [
  ['crc', 'native'],
  ['secure', 'native'],
  ['secure', 'node'],
] as const;
for (const [mode, gcm] of variants) {
  t.test(`the real ceph CLI against our accepting side, ${mode} mode${mode === 'secure' ? ` (${gcm} AES-GCM)` : ''}`, async (t) => {
    const s = await serveOnce(t, mode, undefined, gcm);
    const first = await waitFor(() => s.seen[0], 20_000, `the CLI's first message (CLI stderr: ${s.cli()})`);
    const con = first.con;
    t.ok(s.accepted.includes(con), 'the handshake completed (msHandleAccept)');
    t.equal(con.protocol?.secure, mode === 'secure', `the session is ${mode}`);
    const wantImpl = gcm === 'native' && !nativeGcmBinding() ? 'node' : gcm;
    t.equal(con.protocol?.secureImpl, mode === 'secure' ? wantImpl : undefined, `frames sealed by ${mode === 'secure' ? wantImpl : 'nobody'}`);
    const meta = con.protocol!.meta;
    t.equal(meta.peerName && formatEntityName(meta.peerName), 'client.admin', 'cephx authenticated client.admin');
    t.ok(monAuthSession(meta)?.monCaps, 'with its mon caps');
    t.equal(first.msg.type, CEPH_MSG_MON_GET_MAP, 'first message: mon_getmap');
    t.same(first.payload, {}, 'decoded by the registry (MMonGetMap has no fields)');
    t.equal(first.msg.seq, 1, 'seq 1');
    t.equal(first.msg.priority, 127, 'priority CEPH_MSG_PRIO_DEFAULT');
    // The CLI took our monmap: it opens its real session and subscribes on it.
    const second = await waitFor(
      () => s.seen.find((x) => x.con !== con && x.msg.type === CEPH_MSG_MON_SUBSCRIBE),
      20_000,
      `the CLI's second session (CLI stderr: ${s.cli()})`,
    );
    const subs = second.payload as MMonSubscribe;
    t.ok(subs.what.has('monmap') && subs.what.has('config'), `second session subscribes ${[...subs.what.keys()].join(',')}`);
    t.ok(s.accepted.length >= 2, `${s.accepted.length} sessions accepted`);
  });
}

t.test('the real ceph CLI with a key we do not know: refused with EACCES, nothing dispatched', async (t) => {
  const s = await serveOnce(t, 'crc', 'AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==');
  const t0 = Date.now();
  const code = await s.exited;
  t.equal(code, 13, `the CLI gave up with errno 13 (EACCES) after ${Date.now() - t0} ms: ${s.cli().trim().split('\n').pop()}`);
  t.equal(s.seen.length, 0, 'no message was dispatched');
  t.equal(s.accepted.length, 0, 'no session was accepted');
  // The CLI's exit and its sockets' close reach us as separate events, in either order.
  await waitFor(() => s.msgr.connectionCount === 0, 5000, 'the refused connections to close');
  t.equal(s.msgr.connectionCount, 0, 'the refused connections are gone');
});
