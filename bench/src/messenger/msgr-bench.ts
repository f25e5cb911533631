// bench/messenger (messenger issue, acceptance 7): msgr2.1 throughput over loopback, 4 KiB and
// 4 MiB messages, crc and secure mode, cephx-authenticated, our client to our server in another
// process; CPU per message on each side. The reference is raw TCP between the same two processes
// moving the same payloads with a 4-byte length framing and the same one-ack-per-message flow, so
// the ratio is what msgr2 framing, CRCs or AES-GCM, and the message layer cost.
// Runs are interleaved (every workload once, then again), each figure is the median run and the note
// gives the range of all runs: the machine is shared. Writes the "messenger" section of
// bench/RESULTS.md unless --only is given.
// Usage: node bench/dist/src/messenger/msgr-bench.js [seconds per workload, default 3] [runs, default 3]
//        [--only=<text>: just the workloads whose name contains it, e.g. --only="secure mode"]
//        [--no-raw: skip the raw TCP reference (A/B runs of the messenger alone)]
//        [--heap: sample the sender's heap allocations during each workload (V8's sampling heap
//         profiler, objects collected by GC included) and print bytes per message and where]
// The 200 B workload carries its payload in the front segment (no data segment), as an op reply or
// a ping does: its cost is the per-message overhead alone.
import { ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { randomBytes } from 'node:crypto';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { AuthRegistry, CephxClientProvider, CryptoKey, cryptoRandom } from '@ts-ceph/cephx';
import { Connection, makeMessage, Messenger, Policies } from '@ts-ceph/messenger';
import { BenchRow, ratio, stamp, table, writeSection } from '../lib/results';
import { HeapSampler } from './heap-sampler';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const seconds = Number(args[0] ?? 3);
const runs = Number(args[1] ?? 3);
const heap = process.argv.includes('--heap');
const noRaw = process.argv.includes('--no-raw');
const sizes = [
  { name: '200 B (front only)', bytes: 200, window: 64, front: true },
  { name: '4 KiB', bytes: 4096, window: 64, front: false },
  { name: '4 MiB', bytes: 4 << 20, window: 4, front: false },
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
  /** The sender's system (kernel) share of clientCpuMs. */
  clientSysMs: number;
  peerCpuMs: number;
}

/** Keep `window` messages in flight for `seconds`; count acknowledged messages. */
async function runMsgr(con: Connection, acks: { n: number; wake?: () => void }, payload: Buffer, front: boolean, window: number, peer: Peer): Promise<Result> {
  const deadline = performance.now() + seconds * 1000;
  let sent = 0;
  const c0 = cpuUsage();
  const p0 = await peer.cpu();
  const t0 = performance.now();
  const base = acks.n;
  while (performance.now() < deadline) {
    while (sent - (acks.n - base) < window) {
      con.send(makeMessage(front ? { type: 42, front: payload, tid: BigInt(++sent) } : { type: 42, data: payload, tid: BigInt(++sent) }));
    }
    await new Promise<void>((r) => (acks.wake = r));
  }
  while (acks.n - base < sent) await new Promise<void>((r) => (acks.wake = r));
  const ms = performance.now() - t0;
  const c = cpuUsage(c0);
  return { msgs: sent, ms, clientCpuMs: (c.user + c.system) / 1000, clientSysMs: c.system / 1000, peerCpuMs: (await peer.cpu()) - p0 };
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
  return { msgs: sent, ms, clientCpuMs: (c.user + c.system) / 1000, clientSysMs: c.system / 1000, peerCpuMs: (await peer.cpu()) - p0 };
}

interface Figures {
  rate: number;
  mbs: number;
  sender: number;
  senderSys: number;
  receiver: number;
}

function figures(r: Result, bytes: number): Figures {
  const rate = (r.msgs * 1000) / r.ms;
  return { rate, mbs: (rate * bytes) / 1e6, sender: (r.clientCpuMs * 1000) / r.msgs, senderSys: (r.clientSysMs * 1000) / r.msgs, receiver: (r.peerCpuMs * 1000) / r.msgs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The median of each figure over the runs, as the table shows it. */
function text(fs: Figures[], bytes: number): string {
  const d = bytes > 65536 ? 0 : 1;
  return `${median(fs.map((f) => f.rate)).toFixed(0)} msg/s, ${median(fs.map((f) => f.mbs)).toFixed(0)} MB/s; CPU/msg ${median(fs.map((f) => f.sender)).toFixed(d)} µs sender, ${median(fs.map((f) => f.receiver)).toFixed(d)} µs receiver`;
}

function range(xs: number[], digits = 0): string {
  return `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
}

interface Workload {
  name: string;
  mode: 'crc' | 'secure';
  size: (typeof sizes)[number];
  ours: Figures[];
  ref: Figures[];
}

/** One run of every selected workload of one mode against a fresh peer process. */
async function runMode(mode: 'crc' | 'secure', key: CryptoKey, work: Workload[]): Promise<void> {
  const peer = await startPeer(mode, key.toBase64());
  try {
    const auth = new CephxClientProvider({
      rng: cryptoRandom,
      name: { type: EntityType.CLIENT, id: 'admin' },
      secret: key,
      registry: new AuthRegistry(EntityType.CLIENT, { msMonClientMode: mode }),
      now: () => Date.now(),
    });
    const msgr = new Messenger({ entityType: EntityType.CLIENT, authClient: auth, defaultPolicy: Policies.lossyClient() });
    const acks: { n: number; wake?: () => void } = { n: 0 };
    msgr.addDispatcher({ msDispatch: () => (acks.n++, acks.wake?.()) });
    const con = msgr.connectTo(makeAddr(AddrType.MSGR2, '127.0.0.1', peer.port, 0), EntityType.MON);
    for (const w of work) {
      const payload = Buffer.alloc(w.size.bytes, 0xab);
      const sampler = heap ? await HeapSampler.start() : undefined;
      const r = await runMsgr(con, acks, payload, w.size.front, w.size.window, peer);
      if (sampler) console.log(`${w.name}: sender heap ${await sampler.stop(r.msgs)}`);
      const ours = figures(r, w.size.bytes);
      const ref = noRaw ? ours : figures(await runRaw(peer.rawPort, payload, w.size.window, peer), w.size.bytes);
      w.ours.push(ours);
      w.ref.push(ref);
      const d = w.size.bytes > 65536 ? 0 : 1;
      console.log(`${w.name}: ${ours.rate.toFixed(0)} msg/s, CPU/msg ${ours.sender.toFixed(d)} µs sender (${ours.senderSys.toFixed(d)} system), ${ours.receiver.toFixed(d)} µs receiver; raw TCP ${ref.rate.toFixed(0)} msg/s`);
    }
    if (con.protocol?.secure !== (mode === 'secure')) throw new Error(`connection mode is not ${mode}`);
    if (mode === 'secure') console.log(`secure mode AES-GCM: ${con.protocol?.secureImpl}`);
    await msgr.shutdown();
  } finally {
    peer.child.stdin!.end();
  }
}

async function main(): Promise<void> {
  const key = CryptoKey.generate({ bytes: (n) => randomBytes(n) }, Date.now());
  const all: Workload[] = [];
  for (const mode of ['crc', 'secure'] as const) {
    for (const size of sizes) all.push({ name: `${size.name} messages, ${mode} mode, ${size.window} in flight`, mode, size, ours: [], ref: [] });
  }
  const work = all.filter((w) => !only || w.name.includes(only));
  for (let r = 0; r < runs; r++) {
    for (const mode of ['crc', 'secure'] as const) {
      const mine = work.filter((w) => w.mode === mode);
      if (mine.length) await runMode(mode, key, mine);
    }
    console.log(`run ${r + 1}/${runs} done`);
  }
  const rows: BenchRow[] = work.map((w) => {
    const d = w.size.bytes > 65536 ? 0 : 1;
    const note = `runs ${range(w.ours.map((f) => f.rate))} msg/s, CPU/msg ${range(w.ours.map((f) => f.sender), d)} µs sender, ${range(w.ours.map((f) => f.receiver), d)} µs receiver; raw TCP ${range(w.ref.map((f) => f.rate))} msg/s`;
    return { workload: w.name, ours: text(w.ours, w.size.bytes), reference: text(w.ref, w.size.bytes), ratio: ratio(median(w.ours.map((f) => f.rate)), median(w.ref.map((f) => f.rate))), note };
  });
  for (const r of rows) console.log(`${r.workload}: ${r.ours} | raw TCP ${r.reference} | ${r.ratio} | ${r.note}`);
  if (only || noRaw || heap) return;
  writeSection(
    'messenger',
    `${stamp()}\n\nmsgr2.1 over loopback between two node processes (ours: \`@ts-ceph/messenger\` client → server, cephx-authenticated, one empty ack message per message, the payload in the data segment; reference: raw TCP between the same processes, 4-byte length framing, 4-byte ack per message), ${seconds} s per workload. CPU/msg is user+system time of each process divided by the messages moved. ${runs} runs, interleaved (every workload, then again) on a 2-core machine shared with other work: each figure is the median run, the note gives the range of all runs.\n\n${table(rows, 'raw TCP (same flow)')}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
