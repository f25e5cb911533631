// The receiving side of bench/messenger, run as a child process so each end has its own core:
// a msgr2.1 server (cephx, crc or secure) that answers every message with an empty ack message, and
// a raw TCP server that does the same with a 4-byte length framing (the reference). Prints
// "ready <port> <rawport>" when listening; on stdin "cpu" prints "cpu <user+system ms>".
import { createServer } from 'node:net';
import { EntityType } from '@ts-ceph/denc';
import { CryptoKey } from '@ts-ceph/cephx';
import { benchMonAuthServer } from './mon-auth';
import { makeMessage, Messenger, Policies } from '@ts-ceph/messenger';

const [mode, adminKey] = [process.argv[2] as 'crc' | 'secure', process.argv[3]!];

async function main(): Promise<void> {
  const authServer = benchMonAuthServer(mode, CryptoKey.fromBase64(adminKey));
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
