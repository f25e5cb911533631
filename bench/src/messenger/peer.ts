// The receiving side of bench/messenger, run as a child process so each end has its own core:
// a msgr2.1 server (cephx, crc or secure) that answers every message with an empty ack message, and
// a raw TCP server that does the same with a 4-byte length framing (the reference). Prints
// "ready <port> <rawport>" when listening; on stdin "cpu" prints "cpu <user+system ms>".
import { createServer } from 'node:net';
import { EntityType } from '@ts-ceph/denc';
import { AuthRegistry, CephxMonServerProvider, CryptoKey, entityCapsFromText, KeyRing, KeyServer, cryptoRandom } from '@ts-ceph/cephx';
import { makeMessage, Messenger, Policies } from '@ts-ceph/messenger';

const [mode, adminKey] = [process.argv[2] as 'crc' | 'secure', process.argv[3]!];

async function main(): Promise<void> {
  const now = Date.now();
  const ks = new KeyServer({ rng: cryptoRandom });
  ks.addAuth({ type: EntityType.CLIENT, id: 'admin' }, { key: CryptoKey.fromBase64(adminKey), caps: entityCapsFromText([['mon', 'allow *']]) });
  const monKeyring = new KeyRing();
  monKeyring.add({ type: EntityType.MON, id: '' }, { key: CryptoKey.generate(ks.rng, now), caps: entityCapsFromText([['mon', 'allow *']]) });
  ks.extraSecrets.import(monKeyring);
  ks.rotate(now);
  let gid = 5000n;
  const registry = new AuthRegistry(EntityType.MON, { msMonClientMode: mode, msMonServiceMode: mode });
  const authServer = new CephxMonServerProvider({ rng: cryptoRandom, keyServer: ks, monKeyring, registry, allocateGlobalId: () => gid++, now: () => Date.now() });
  const msgr = new Messenger({ entityType: EntityType.MON, nonce: 0, authServer, defaultPolicy: Policies.statelessServer() });
  msgr.addDispatcher({ msDispatch: (con, m) => con.send(makeMessage({ type: 2, tid: m.tid })) });
  const [addr] = await msgr.bind('127.0.0.1', 0);
  const raw = createServer((s) => {
    s.setNoDelay(true);
    let need = -1;
    let have = 0;
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      have += d.length;
      for (;;) {
        if (need < 0) {
          if (have < 4) return;
          const b = Buffer.concat(chunks.splice(0));
          chunks.push(b);
          need = b.readUInt32LE(0) + 4;
        }
        if (have < need) return;
        const b = Buffer.concat(chunks.splice(0));
        const rest = b.subarray(need);
        if (rest.length) chunks.push(rest);
        have -= need;
        need = -1;
        s.write(Buffer.alloc(4));
      }
    });
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const rawPort = (raw.address() as { port: number }).port;
  process.stdout.write(`ready ${addr!.sa.readUInt16BE(0)} ${rawPort}\n`);
  process.stdin.on('data', (d) => {
    if (d.toString().trim() === 'cpu') {
      const u = process.cpuUsage();
      process.stdout.write(`cpu ${(u.user + u.system) / 1000}\n`);
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
