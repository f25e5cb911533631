// bench/messenger, in process: the msgr2.1 protocol cores of a client and a server (cephx, crc or
// secure mode) driven against each other without sockets, as bench/messenger's two processes do
// over TCP: the client keeps `window` messages in flight, the server answers each with an empty
// message. Every batch of writes one side emits is handed to the other as one read, as a socket
// would. What it measures is the CPU time of the message path in the cores alone (send queue,
// header, frame assembly, crcs or AES-GCM, frame reading, message decoding) per message and round
// trip, without the event loop and the kernel, so that it stays comparable on a loaded machine. It
// also counts the buffers the cores hand to the transport per message, and how many writes those
// are once adjacent buffers are joined (what tcp-transport.ts does per flush).
// Usage: node bench/dist/src/messenger/core-bench.js [seconds per workload, default 2] [runs, default 3]
//        [--only=<text>: just the workloads whose name contains it, e.g. --only="4 KiB data, crc"]
//        [--copy-max=<bytes>: slabLimits.frameCopyBytesMax for this run (which parts a crc frame copies)]
import { randomBytes } from 'node:crypto';
import { cpuUsage } from 'node:process';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { AuthRegistry, CephxClientProvider, CryptoKey, cryptoRandom } from '@ts-ceph/cephx';
import { benchMonAuthServer } from './mon-auth';
import { ClientProtocol, installNativeCrc32c, makeMessage, nativeGcmBinding, Policies, ProtocolEnv, ProtocolOutput, ProtocolV2, ServerProtocol, slabLimits } from '@ts-ceph/messenger';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seconds = Number(args[0] ?? 2);
const runs = Number(args[1] ?? 3);
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const copyMax = process.argv.find((a) => a.startsWith('--copy-max='))?.slice('--copy-max='.length);
const window = 64;
const workloads = [
  { name: '200 B (front only)', bytes: 200, front: true },
  { name: '4 KiB data', bytes: 4096, front: false },
];

function env(type: number, port: number): ProtocolEnv {
  let gseq = 0;
  const addrs = [makeAddr(AddrType.MSGR2, '127.0.0.1', port, 0)];
  return {
    myType: type,
    myAddrs: () => addrs,
    myGid: () => -1n,
    nextGlobalSeq: (atLeast = 0) => (gseq = Math.max(gseq, atLeast) + 1),
    randomCookie: () => randomBytes(8).readBigUInt64LE(0) || 1n,
    policyFor: () => Policies.statelessServer(),
    gcm: nativeGcmBinding(),
  };
}

function pair(mode: 'crc' | 'secure'): { c: ProtocolV2; s: ProtocolV2 } {
  const now = Date.now();
  const adminKey = CryptoKey.generate({ bytes: (n) => randomBytes(n) }, now);
  const authServer = benchMonAuthServer(mode, adminKey);
  const authClient = new CephxClientProvider({
    rng: cryptoRandom,
    name: { type: EntityType.CLIENT, id: 'admin' },
    secret: adminKey,
    registry: new AuthRegistry(EntityType.CLIENT, { msMonClientMode: mode }),
    now: () => Date.now(),
  });
  const serverAddr = makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0);
  const c = new ClientProtocol(env(EntityType.CLIENT, 0), authClient, serverAddr, EntityType.MON, Policies.lossyClient());
  const s = new ServerProtocol(env(EntityType.MON, 3300), authServer, makeAddr(AddrType.MSGR2, '127.0.0.1', 51000, 0));
  c.start(now);
  s.start(now);
  return { c, s };
}

interface Counts {
  msgs: number;
  buffers: number;
  writes: number;
}

/** Hand one side's writes to the other as one read; returns that side's other outputs (events). */
function move(from: ProtocolV2, to: ProtocolV2, counts: Counts): ProtocolOutput[] {
  // What was written before is on the wire now (a socket with room): the protocol may send more.
  from.setTxBacklog(0);
  const out = from.takeOutputs();
  const bufs: Buffer[] = [];
  const events: ProtocolOutput[] = [];
  for (const o of out) {
    if (o.kind !== 'write') events.push(o);
    else for (const b of o.data) if (b.length) bufs.push(b);
  }
  if (!bufs.length) return events;
  counts.buffers += bufs.length;
  counts.writes += runs_(bufs);
  to.receive(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs), Date.now());
  return events;
}

/** Writes once adjacent buffers (one after the other in one ArrayBuffer) are joined. */
function runs_(bufs: Buffer[]): number {
  let n = 1;
  for (let i = 1; i < bufs.length; i++) {
    const a = bufs[i - 1]!;
    const b = bufs[i]!;
    if (!(b.buffer === a.buffer && b.byteOffset === a.byteOffset + a.length)) n++;
  }
  return n;
}

function handshake(c: ProtocolV2, s: ProtocolV2): void {
  const none: Counts = { msgs: 0, buffers: 0, writes: 0 };
  for (let i = 0; i < 100 && !(c.state === 'READY' && s.state === 'READY'); i++) {
    move(c, s, none);
    move(s, c, none);
  }
  if (c.state !== 'READY' || s.state !== 'READY') throw new Error(`handshake stuck: ${c.state} / ${s.state}`);
}

function run(mode: 'crc' | 'secure', w: (typeof workloads)[number]): { cpuUs: number; counts: Counts } {
  const { c, s } = pair(mode);
  handshake(c, s);
  if (c.secure !== (mode === 'secure')) throw new Error(`not in ${mode} mode`);
  const payload = Buffer.alloc(w.bytes, 0xab);
  const counts: Counts = { msgs: 0, buffers: 0, writes: 0 };
  let tid = 0;
  const round = (): void => {
    for (let i = 0; i < window; i++) c.send(makeMessage(w.front ? { type: 42, front: payload, tid: BigInt(++tid) } : { type: 42, data: payload, tid: BigInt(++tid) }));
    move(c, s, counts);
    for (const o of move(s, c, counts)) if (o.kind === 'message') s.send(makeMessage({ type: 2, tid: o.msg.tid }));
    move(s, c, counts);
    let acks = 0;
    for (const o of move(c, s, counts)) if (o.kind === 'message') acks++;
    if (acks !== window) throw new Error(`${acks} acks for ${window} messages`);
    counts.msgs += window;
  };
  // Warm up (JIT), then measure.
  for (let i = 0; i < 200; i++) round();
  Object.assign(counts, { msgs: 0, buffers: 0, writes: 0 });
  const c0 = cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) for (let i = 0; i < 20; i++) round();
  const cpu = cpuUsage(c0);
  return { cpuUs: cpu.user + cpu.system, counts };
}

function main(): void {
  // As every daemon's Messenger does: long crc32c runs go to the native addon's.
  installNativeCrc32c();
  if (copyMax !== undefined) (slabLimits as { frameCopyBytesMax: number }).frameCopyBytesMax = Number(copyMax);
  const results = new Map<string, number[]>();
  for (let r = 0; r < runs; r++) {
    for (const mode of ['crc', 'secure'] as const) {
      for (const w of workloads) {
        if (only && !`${w.name}, ${mode}`.includes(only)) continue;
        const { cpuUs, counts } = run(mode, w);
        const name = `${w.name}, ${mode}`;
        const per = cpuUs / counts.msgs;
        results.set(name, [...(results.get(name) ?? []), per]);
        console.log(`${name}: ${per.toFixed(2)} µs CPU per message and its ack (both ends); ${(counts.buffers / counts.msgs / 2).toFixed(2)} buffers and ${((counts.writes / counts.msgs / 2) * window).toFixed(2)} writes per ${window} frames`);
      }
    }
  }
  for (const [name, xs] of results) {
    const s = [...xs].sort((a, b) => a - b);
    console.log(`${name}: median ${s[(s.length - 1) >> 1]!.toFixed(2)} µs (runs ${s.map((x) => x.toFixed(2)).join(', ')})`);
  }
}

main();
