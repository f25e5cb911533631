/**
 * AUTH_SIGNATURE against real traffic, through our ClientProtocol: the server half of a captured
 * `ceph -s` mon session (ceph-traces/streams, real Ceph 16.2.15, crc mode) is fed to our connecting
 * protocol with the cephx client provider holding client.admin's key from pcap-keys.txt. The
 * AUTH_SIGNATURE our protocol then sends must be byte-identical to the one the real client sent,
 * which pins down exactly which received bytes the HMAC covers (banner through AUTH_DONE). The
 * server's AUTH_SIGNATURE in the capture must be the HMAC, under the session key our protocol
 * obtained, of the real client's bytes before its own signature (the other direction's transcript).
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { AuthRegistry, CephxClientProvider, CryptoKey, cryptoRandom } from '@ts-ceph/cephx';
import { ClientProtocol, decodeControl, Policies, ProtocolEnv, StreamDecoder, Tag } from '@ts-ceph/messenger';

const streams = join(sharedDir(), 'ceph-traces', 'streams');
const keyText = readFileSync(join(sharedDir(), 'ceph-traces', 'pcap-keys.txt'), 'utf8');
const adminKey = /\[client\.admin\]\s*\n\s*key = (\S+)/.exec(keyText)![1]!;
const captureNow = Date.UTC(2026, 10, 22, 10, 46, 33);

function frames(buf: Buffer): { tag: number; payload: Buffer; end: number }[] {
  const d = new StreamDecoder();
  d.push(buf);
  let off = 0;
  const out: { tag: number; payload: Buffer; end: number }[] = [];
  for (const it of d.drain()) {
    if (it.kind === 'banner') off += it.raw.length;
    else {
      off += it.frame.raw.reduce((a, b) => a + b.length, 0);
      out.push({ tag: it.frame.tag, payload: it.frame.segments[0]!, end: off });
    }
  }
  return out;
}

for (const n of ['00', '01']) {
  t.test(`pcap-a-ceph-status stream ${n}`, async (t) => {
    const c2s = readFileSync(join(streams, `pcap-a-ceph-status.${n}.c2s.bin`));
    const s2c = readFileSync(join(streams, `pcap-a-ceph-status.${n}.s2c.bin`));
    const cf = frames(c2s);
    const sf = frames(s2c);
    const clientSig = cf.find((f) => f.tag === Tag.AUTH_SIGNATURE)!;
    const serverSig = sf.find((f) => f.tag === Tag.AUTH_SIGNATURE)!;
    const env: ProtocolEnv = {
      myType: EntityType.CLIENT,
      myAddrs: () => [makeAddr(AddrType.ANY, '127.0.0.1', 0, 1)],
      myGid: () => -1n,
      nextGlobalSeq: () => 1,
      randomCookie: () => 1n,
    };
    const auth = new CephxClientProvider({
      rng: cryptoRandom,
      name: { type: EntityType.CLIENT, id: 'admin' },
      secret: CryptoKey.fromBase64(adminKey),
      // The bootstrap session (00) asked for the auth ticket only ("want 32" in the handshake log).
      want: n === '00' ? EntityType.AUTH : undefined,
      registry: new AuthRegistry(EntityType.CLIENT, { msMonClientMode: 'crc' }),
      now: () => captureNow,
    });
    const p = new ClientProtocol(env, auth, makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0), EntityType.MON, Policies.lossyClient());
    p.start(captureNow);
    // Everything the server sent before its AUTH_SIGNATURE (banner, HELLO, AUTH_REPLY_MORE, AUTH_DONE).
    p.receive(s2c.subarray(0, sf.find((f) => f.tag === Tag.AUTH_DONE)!.end), captureNow);
    const writes = p.takeOutputs().flatMap((o) => (o.kind === 'write' ? [Buffer.concat(o.data)] : o.kind === 'fault' ? (t.fail(o.error.message), []) : []));
    const ours = frames(Buffer.concat(writes)).find((f) => f.tag === Tag.AUTH_SIGNATURE);
    t.ok(ours, 'our protocol answered AUTH_DONE with AUTH_SIGNATURE');
    t.equal(p.state, 'AUTH_CONNECTING_SIGN');
    t.equal(ours!.payload.toString('hex'), clientSig.payload.toString('hex'), 'our AUTH_SIGNATURE is the real client\'s, byte for byte');
    // The other direction: the server signed the real client's transcript up to (not including) its signature.
    const key = p.meta.sessionKey!;
    const before = c2s.subarray(0, cf[cf.indexOf(clientSig) - 1]!.end);
    const hmac = createHmac('sha256', key).update(before).digest();
    t.equal(hmac.toString('hex'), serverSig.payload.toString('hex'), "the server's AUTH_SIGNATURE covers the client's banner through AUTH_REQUEST_MORE");
    t.equal(decodeControl(Tag.AUTH_SIGNATURE, serverSig.payload).tag, Tag.AUTH_SIGNATURE);
    // Fed the server's signature, our protocol checks it against *our* transmitted bytes (which differ
    // from the capture's: our HELLO and cephx challenge are our own), so it must refuse.
    p.receive(s2c.subarray(sf.find((f) => f.tag === Tag.AUTH_DONE)!.end, serverSig.end), captureNow);
    const fault = p.takeOutputs().find((o) => o.kind === 'fault');
    t.match(fault?.kind === 'fault' ? fault.error.message : '', /signature mismatch/, 'a signature over other bytes is refused');
  });
}
