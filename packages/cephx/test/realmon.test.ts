/**
 * cephx against the real thing, over real sockets (crc-mode msgr2 through test/lib/mini-msgr2):
 *  - our client provider authenticates to a real ceph-mon 16.2.15: the mon accepts our proof, we
 *    open its tickets, its AUTH_SIGNATURE matches our session key, and it accepts ours (it answers
 *    CLIENT_IDENT with SERVER_IDENT); a wrong key gets AUTH_BAD_METHOD with EACCES;
 *  - the real `ceph` CLI authenticates to our mon provider: its AUTH_SIGNATURE proves it decrypted
 *    our AUTH_DONE with the key from a keyring we wrote; with a wrong key it reports EACCES.
 */
import t from 'tap';
import { createServer, connect, Socket, AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startRealMon, run, requireBinary, tempDir } from '@ts-ceph/testkit';
import { Writer, EntityType, AddrType, makeAddr, encodeEntityAddr, encodeEntityAddrvec, CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { AuthConnectionMeta, AuthMethod, ConMode, Tag } from '@ts-ceph/messenger';
import { CryptoKey, AuthRegistry, CephxClientProvider, KeyRing, writeKeyRing, cryptoRandom, monAuthSession } from '../src/index';
import { FrameSocket, BANNER, blob, u32s } from './lib/mini-msgr2';
import { monFixture, admin } from './lib/loopback';

requireBinary('ceph');

function hello(type: number, peerPort: number): Buffer {
  const w = new Writer(CEPH_FEATURES_ALL);
  w.u8(type);
  encodeEntityAddr(w, makeAddr(AddrType.MSGR2, '127.0.0.1', peerPort, 0));
  return w.finish();
}

function clientIdent(monPort: number): Buffer {
  const w = new Writer(CEPH_FEATURES_ALL);
  encodeEntityAddrvec(w, [makeAddr(AddrType.ANY, '127.0.0.1', 0, 12345)]);
  encodeEntityAddr(w, makeAddr(AddrType.MSGR2, '127.0.0.1', monPort, 0));
  w.i64(-1).u64(1).u64(0x3f01cfbdfffdffffn).u64(0x0800000000000000n).u64(0).u64(cryptoRandom.bytes(8).readBigUInt64LE());
  return w.finish();
}

async function dial(port: number): Promise<FrameSocket> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => sock.once('connect', res).once('error', rej));
  return new FrameSocket(sock);
}

t.test('our client against a real ceph-mon', async (t) => {
  const mon = await startRealMon({ mode: 'crc' });
  t.teardown(() => mon.stop());
  const registry = new AuthRegistry(EntityType.CLIENT, { msMonClientMode: 'crc' });
  const attempt = async (secret: CryptoKey, reuse?: CephxClientProvider) => {
    const fs = await dial(mon.port);
    fs.send(BANNER);
    await fs.readBanner();
    fs.sendFrame(Tag.HELLO, hello(EntityType.CLIENT, mon.port));
    t.equal((await fs.readFrame()).tag, Tag.HELLO);
    const p = reuse ?? new CephxClientProvider({ rng: cryptoRandom, name: admin, secret, registry, now: Date.now });
    const meta: AuthConnectionMeta = { peerType: EntityType.MON, selfType: EntityType.CLIENT, authMethod: 0, conMode: 0 };
    const req = p.getAuthRequest(meta);
    fs.sendFrame(Tag.AUTH_REQUEST, Buffer.concat([u32s([req.method]).subarray(4), u32s(req.preferredModes), blob(req.payload)]));
    for (;;) {
      const f = await fs.readFrame();
      const seg = f.segments[0]!;
      if (f.tag === Tag.AUTH_REPLY_MORE) {
        fs.sendFrame(Tag.AUTH_REQUEST_MORE, blob(p.handleAuthReplyMore(meta, seg.subarray(4, 4 + seg.readUInt32LE(0)))));
      } else if (f.tag === Tag.AUTH_BAD_METHOD) {
        fs.sock.destroy();
        return { refused: seg.readInt32LE(4) };
      } else if (f.tag === Tag.AUTH_DONE) {
        p.handleAuthDone(meta, seg.readBigUInt64LE(0), seg.readUInt32LE(8), seg.subarray(16, 16 + seg.readUInt32LE(12)));
        const key = new CryptoKey(0, { sec: 0, nsec: 0 }, meta.sessionKey!);
        const ourSig = key.hmacSha256(fs.received());
        const sent = fs.sent();
        const theirs = await fs.readFrame();
        t.equal(theirs.tag, Tag.AUTH_SIGNATURE);
        t.ok(theirs.segments[0]!.equals(key.hmacSha256(sent)), "the mon's AUTH_SIGNATURE matches the session key we decrypted");
        fs.sendFrame(Tag.AUTH_SIGNATURE, ourSig);
        fs.sendFrame(Tag.CLIENT_IDENT, clientIdent(mon.port));
        const ident = await fs.readFrame();
        fs.sock.destroy();
        return { provider: p, meta, ident: ident.tag };
      } else {
        throw new Error(`unexpected frame ${f.tag}`);
      }
    }
  };
  const ok = await attempt(CryptoKey.fromBase64(mon.adminKey));
  t.equal(ok.ident, Tag.SERVER_IDENT, 'the mon accepted our AUTH_SIGNATURE and answered CLIENT_IDENT');
  t.equal(ok.meta?.conMode, ConMode.CRC);
  t.ok(ok.provider!.globalId > 0n, `global_id ${ok.provider?.globalId} assigned by the real mon`);
  for (const svc of [EntityType.AUTH, EntityType.MON, EntityType.OSD, EntityType.MGR]) t.ok(ok.provider!.handler.ticketFor(svc), `ticket for service ${svc}`);
  t.notOk(ok.provider!.needTickets());
  // reconnect with the same state: the real mon lets us reclaim our global_id with the old ticket
  const gid = ok.provider!.globalId;
  const again = await attempt(CryptoKey.fromBase64(mon.adminKey), ok.provider);
  t.equal(again.ident, Tag.SERVER_IDENT, 'reconnected');
  t.equal(again.provider!.globalId, gid, 'the real mon let us keep our global_id (old ticket presented)');
  // an impostor with the right key but without the ticket cannot take that global_id
  // (auth_allow_insecure_global_id_reclaim = false on this mon)
  const impostor = new CephxClientProvider({ rng: cryptoRandom, name: admin, secret: CryptoKey.fromBase64(mon.adminKey), registry, now: Date.now });
  impostor.handler.globalId = gid;
  t.equal((await attempt(CryptoKey.fromBase64(mon.adminKey), impostor)).refused, -13, 'reclaim without a ticket: EACCES from the real mon');
  const wrong = await attempt(CryptoKey.generate(cryptoRandom, Date.now()));
  t.equal(wrong.refused, -13, 'wrong key: the real mon answers AUTH_BAD_METHOD with EACCES');
});

/** Serve one msgr2 connection as a monitor, running our provider; resolves with what happened. */
function serveOnce(provider: ReturnType<typeof monFixture>['provider']) {
  const server = createServer();
  const result = new Promise<{ signatureOk?: boolean; refused?: number; meta: AuthConnectionMeta }>((resolve, reject) => {
    server.once('connection', (sock: Socket) => {
      const fs = new FrameSocket(sock);
      const meta: AuthConnectionMeta = { peerType: EntityType.CLIENT, selfType: EntityType.MON, authMethod: 0, conMode: 0 };
      (async () => {
        fs.send(BANNER);
        await fs.readBanner();
        await fs.readFrame(); // the client's HELLO
        fs.sendFrame(Tag.HELLO, hello(EntityType.MON, (sock.remoteAddress && sock.remotePort) || 0));
        const req = (await fs.readFrame()).segments[0]!;
        const method = req.readUInt32LE(0);
        const n = req.readUInt32LE(4);
        const modes = [...Array(n).keys()].map((i) => req.readUInt32LE(8 + 4 * i));
        let payload = req.subarray(12 + 4 * n, 12 + 4 * n + req.readUInt32LE(8 + 4 * n));
        const mode = provider.pickConMode(EntityType.CLIENT, method, modes);
        meta.conMode = mode ?? 0;
        for (let more = false; ; more = true) {
          const res = provider.handleAuthRequest(meta, more, method, payload);
          if (res.kind === 'error') {
            fs.sendFrame(Tag.AUTH_BAD_METHOD, Buffer.concat([u32s([method]).subarray(4), Buffer.from(Int32Array.of(res.result).buffer), u32s([AuthMethod.CEPHX]), u32s([ConMode.CRC])]));
            await new Promise((r) => setTimeout(r, 300));
            return { refused: res.result, meta };
          }
          if (res.kind === 'done') {
            const g = Buffer.alloc(12);
            g.writeBigUInt64LE(res.globalId);
            g.writeUInt32LE(meta.conMode, 8);
            fs.sendFrame(Tag.AUTH_DONE, Buffer.concat([g, blob(res.payload)]));
            const sent = fs.sent();
            const sig = await fs.readFrame();
            const key = new CryptoKey(0, { sec: 0, nsec: 0 }, meta.sessionKey!);
            return { signatureOk: sig.tag === Tag.AUTH_SIGNATURE && sig.segments[0]!.equals(key.hmacSha256(sent)), meta };
          }
          fs.sendFrame(Tag.AUTH_REPLY_MORE, blob(res.payload));
          const m = (await fs.readFrame()).segments[0]!;
          payload = m.subarray(4, 4 + m.readUInt32LE(0));
        }
      })()
        .then(resolve, reject)
        .finally(() => sock.destroy());
    });
  });
  return new Promise<{ port: number; result: typeof result; close: () => void }>((res) =>
    server.listen(0, '127.0.0.1', () => res({ port: (server.address() as AddressInfo).port, result, close: () => server.close() })),
  );
}

t.test('the real ceph CLI against our mon provider', async (t) => {
  const dir = tempDir('ts-ceph-cephx-cli-');
  t.teardown(dir.cleanup);
  const f = monFixture({ now: Date.now });
  const cli = async (key: CryptoKey) => {
    const s = await serveOnce(f.provider);
    const kr = new KeyRing();
    kr.add(admin, { key, caps: new Map() });
    const keyring = join(dir.path, 'client.keyring');
    writeKeyRing(keyring, kr);
    const conf = join(dir.path, 'ceph.conf');
    writeFileSync(conf, `[global]\nmon_host = v2:127.0.0.1:${s.port}\nauth_client_required = cephx\nms_mon_client_mode = crc\nkeyring = ${keyring}\n`);
    const proc = run('ceph', ['-c', conf, '--name', 'client.admin', '--connect-timeout', '6', 'fsid'], { timeoutMs: 20_000 });
    const r = await s.result;
    s.close();
    const exit = await proc;
    return { ...r, exit };
  };
  const good = await cli(f.adminKey);
  t.equal(good.meta.conMode, ConMode.CRC);
  t.same(good.meta.peerName, admin);
  t.equal(monAuthSession(good.meta)?.handler?.globalIdStatus, 'new_ok', 'the real client sends CephXAuthenticate v3');
  t.ok(good.signatureOk, "the real client's AUTH_SIGNATURE proves it decrypted our AUTH_DONE");
  const bad = await cli(CryptoKey.generate(cryptoRandom, Date.now()));
  t.equal(bad.refused, -13, 'wrong key refused with EACCES');
  t.not(bad.exit.code, 0, 'the CLI fails');
  t.match(bad.exit.stderr, /permission denied|error 13|EACCES/i, `the CLI reports the refusal: ${bad.exit.stderr.trim().split('\n').pop()}`);
});
