// bench/messenger (messenger issue, acceptance 7): msgr2.1 throughput over loopback, 4 KiB and
// 4 MiB messages, crc and secure mode, cephx-authenticated, our client to our server in another
// process; CPU per message on each side. The reference is raw TCP between the same two processes
// moving the same payloads with a 4-byte length framing and the same one-ack-per-message flow, so
// the ratio is what msgr2 framing, CRCs or AES-GCM, and the message layer cost.
// Writes the "messenger" section of bench/RESULTS.md.
// Usage: node bench/dist/src/messenger/msgr-bench.js [seconds per workload, default 3]
import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { randomBytes } from 'node:crypto';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { AuthRegistry, CephxClientProvider, CryptoKey } from '@ts-ceph/cephx';
import { Connection, makeMessage, Messenger, Policies } from '@ts-ceph/messenger';
import { BenchRow, ratio, stamp, table, writeSection } from '../lib/results';

const seconds = Number(process.argv[2] ?? 3);
const sizes = [
  { name: '4 KiB', bytes: 4096, window: 64 },
  { name: '4 MiB', bytes: 4 << 20, window: 4 },
];

interface Peer {
  child: ChildProcess;
  port: number;
  rawPort: number;
  cpu(): Promise<number>;
}

async function startPeer(mode: string, key: string): Promise<Peer> {
  const child = spawn(process.execPath, [join(__dirname, 'peer.js'), mode, key], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const line = () => new Promise<string>((r) => (lines.length ? r(lines.shift()!) : waiters.push(r)));
  const [, port, rawPort] = (await line()).split(' ');
  return {
    child,
    port: Number(port),
    rawPort: Number(rawPort),
    cpu: async () => {
      child.stdin!.write('cpu\n');
      return Number((await line()).split(' ')[1]);
    },
  };
}

interface Result {
  msgs: number;
  ms: number;
  clientCpuMs: number;
  peerCpuMs: number;
}

/** Keep `window` messages in flight for `seconds`; count acknowledged messages. */
async function runMsgr(con: Connection, acks: { n: number; wake?: () => void }, payload: Buffer, window: number, peer: Peer): Promise<Result> {
  const deadline = performance.now() + seconds * 1000;
  let sent = 0;
  const c0 = cpuUsage();
  const p0 = await peer.cpu();
  const t0 = performance.now();
  const base = acks.n;
  while (performance.now() < deadline) {
    while (sent - (acks.n - base) < window) {
      con.send(makeMessage({ type: 42, data: payload, tid: BigInt(++sent) }));
    }
    await new Promise<void>((r) => (acks.wake = r));
  }
  while (acks.n - base < sent) await new Promise<void>((r) => (acks.wake = r));
  const ms = performance.now() - t0;
  const c = cpuUsage(c0);
  return { msgs: sent, ms, clientCpuMs: (c.user + c.system) / 1000, peerCpuMs: (await peer.cpu()) - p0 };
}

async function runRaw(port: number, payload: Buffer, window: number, peer: Peer): Promise<Result> {
  const s = connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  await new Promise<void>((r) => s.once('connect', () => r()));
  let acked = 0;
  let wake: (() => void) | undefined;
  let pending = 0;
  s.on('data', (d: Buffer) => {
    pending += d.length;
    acked += Math.floor(pending / 4);
    pending %= 4;
    wake?.();
  });
  const head = Buffer.alloc(4);
  head.writeUInt32LE(payload.length);
  const deadline = performance.now() + seconds * 1000;
  let sent = 0;
  const c0 = cpuUsage();
  const p0 = await peer.cpu();
  const t0 = performance.now();
  while (performance.now() < deadline) {
    while (sent - acked < window) {
      s.cork();
      s.write(head);
      s.write(payload);
      s.uncork();
      sent++;
    }
    await new Promise<void>((r) => (wake = r));
  }
  while (acked < sent) await new Promise<void>((r) => (wake = r));
  const ms = performance.now() - t0;
  const c = cpuUsage(c0);
  s.destroy();
  return { msgs: sent, ms, clientCpuMs: (c.user + c.system) / 1000, peerCpuMs: (await peer.cpu()) - p0 };
}

function fmt(r: Result, bytes: number): { rate: number; text: string } {
  const rate = (r.msgs * 1000) / r.ms;
  const mbs = (rate * bytes) / 1e6;
  const cpu = (x: number) => ((x * 1000) / r.msgs).toFixed(bytes > 65536 ? 0 : 1);
  return { rate, text: `${rate.toFixed(0)} msg/s, ${mbs.toFixed(0)} MB/s; CPU/msg ${cpu(r.clientCpuMs)} µs sender, ${cpu(r.peerCpuMs)} µs receiver` };
}

async function main(): Promise<void> {
  const key = CryptoKey.generate({ bytes: (n) => randomBytes(n) }, Date.now());
  const rows: BenchRow[] = [];
  for (const mode of ['crc', 'secure'] as const) {
    const peer = await startPeer(mode, key.toBase64());
    try {
      const auth = new CephxClientProvider({
        name: { type: EntityType.CLIENT, id: 'admin' },
        secret: key,
        registry: new AuthRegistry(EntityType.CLIENT, { msMonClientMode: mode }),
        now: () => Date.now(),
      });
      const msgr = new Messenger({ entityType: EntityType.CLIENT, authClient: auth, defaultPolicy: Policies.lossyClient() });
      const acks: { n: number; wake?: () => void } = { n: 0 };
      msgr.addDispatcher({ msDispatch: () => (acks.n++, acks.wake?.()) });
      const con = msgr.connectTo(makeAddr(AddrType.MSGR2, '127.0.0.1', peer.port, 0), EntityType.MON);
      for (const sz of sizes) {
        const payload = Buffer.alloc(sz.bytes, 0xab);
        const ours = await runMsgr(con, acks, payload, sz.window, peer);
        const ref = await runRaw(peer.rawPort, payload, sz.window, peer);
        const o = fmt(ours, sz.bytes);
        const r = fmt(ref, sz.bytes);
        rows.push({ workload: `${sz.name} messages, ${mode} mode, ${sz.window} in flight`, ours: o.text, reference: r.text, ratio: ratio(o.rate, r.rate) });
        console.log(rows[rows.length - 1]);
      }
      if (con.protocol?.secure !== (mode === 'secure')) throw new Error(`connection mode is not ${mode}`);
      await msgr.shutdown();
    } finally {
      peer.child.stdin!.end();
    }
  }
  writeSection(
    'messenger',
    `${stamp()}\n\nmsgr2.1 over loopback between two node processes (ours: \`@ts-ceph/messenger\` client → server, cephx-authenticated, one empty ack message per message, the payload in the data segment; reference: raw TCP between the same processes, 4-byte length framing, 4-byte ack per message), ${seconds} s per workload. CPU/msg is user+system time of each process divided by the messages moved.\n\n${table(rows, 'raw TCP (same flow)')}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
