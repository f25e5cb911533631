/**
 * Acceptance 6, handshake level: 10^5 mutated handshake sequences for each side's state machine.
 * A recorded good exchange (ours, AUTH_NONE and a keyed method; plus the session frames a real
 * server may send) is mutated frame by frame (drop, duplicate, swap, insert another frame, mutate a
 * frame with or without fixing its CRCs, truncate) and fed in random chunks to a fresh
 * ServerProtocol or ClientProtocol. The machine must never throw, must end READY, waiting for more
 * bytes, or closed with exactly one fault that carries a CephError and a reason; a closed machine
 * stays silent; nothing hangs. TS_CEPH_SEED replays a run; TS_CEPH_FUZZ_N scales it.
 */
import t, { Test } from 'tap';
import { CephError, configureLog } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import {
  AuthNoneClient,
  AuthNoneServer,
  ClientProtocol,
  encodeControl,
  FrameAssembler,
  FrameReader,
  makeMessage,
  MemoryNetwork,
  Messenger,
  Policies,
  ProtocolOutput,
  ProtocolV2,
  ServerProtocol,
  Session,
  SessionDirectory,
  StreamDecoder,
  Tag,
} from '../src';
import { CLIENT_SOCK, env, makePair, pump, SERVER_ADDR, SharedKeyClient, SharedKeyServer } from './lib/harness';
import { fixCrcs, fuzzRun, mutate, Prng } from './lib/fuzz';

const { n: N, seed, inputMsMax: feedMsMax } = fuzzRun(t, 'sequences per side');
const admin = { type: EntityType.CLIENT, id: 'admin' };

/** Split a direction's bytes into [banner, frame, frame ...]. */
function split(bufs: Buffer[]): Buffer[] {
  const d = new StreamDecoder();
  for (const b of bufs) d.push(b);
  return d.drain().map((it) => (it.kind === 'banner' ? it.raw : Buffer.concat(it.frame.raw)));
}

function record(keyed: boolean): { c2s: Buffer[]; s2c: Buffer[] } {
  const key = Buffer.alloc(16, 9);
  const { c, s } = makePair({
    clientAuth: keyed ? new SharedKeyClient(key, [1]) : new AuthNoneClient(admin),
    serverAuth: keyed ? new SharedKeyServer(key, [1]) : new AuthNoneServer(),
    clientPolicy: Policies.losslessClient(),
    serverPolicy: () => Policies.statefulServer(),
  });
  const ev = pump(c, s);
  c.send(makeMessage({ type: 5 }));
  c.send(makeMessage({ type: 15, front: Buffer.from('sub') }));
  c.sendKeepalive(1_700_000_000_000);
  s.send(makeMessage({ type: 4, front: Buffer.alloc(170, 1), data: Buffer.alloc(33, 2) }));
  const ev2 = pump(c, s);
  return { c2s: split([...ev.wire.c2s, ...ev2.wire.c2s]), s2c: split([...ev.wire.s2c, ...ev2.wire.s2c]) };
}

const asm = new FrameAssembler();
const frame = (tag: number, payload: Buffer) => Buffer.concat(asm.assemble(tag, [payload], [8]));
const addrs = [makeAddr(AddrType.ANY, '127.0.0.1', 0, 1234)];
const toServer = [
  frame(Tag.SESSION_RECONNECT, encodeControl({ tag: Tag.SESSION_RECONNECT, addrs, clientCookie: 7n, serverCookie: 8n, globalSeq: 3, connectSeq: 1, msgSeq: 1 })),
  frame(Tag.AUTH_REQUEST_MORE, encodeControl({ tag: Tag.AUTH_REQUEST_MORE, payload: Buffer.alloc(32, 1) })),
  frame(Tag.ACK, encodeControl({ tag: Tag.ACK, seq: 1 })),
  frame(Tag.KEEPALIVE2, encodeControl({ tag: Tag.KEEPALIVE2, timestamp: { sec: 1, nsec: 2 } })),
];
const toClient = [
  frame(Tag.AUTH_BAD_METHOD, encodeControl({ tag: Tag.AUTH_BAD_METHOD, method: 1, result: -13, allowedMethods: [2], allowedModes: [1] })),
  frame(Tag.AUTH_REPLY_MORE, encodeControl({ tag: Tag.AUTH_REPLY_MORE, payload: Buffer.alloc(9, 3) })),
  frame(Tag.IDENT_MISSING_FEATURES, encodeControl({ tag: Tag.IDENT_MISSING_FEATURES, features: 1n })),
  frame(Tag.SESSION_RESET, encodeControl({ tag: Tag.SESSION_RESET, full: false })),
  frame(Tag.SESSION_RESET, encodeControl({ tag: Tag.SESSION_RESET, full: true })),
  frame(Tag.SESSION_RETRY, encodeControl({ tag: Tag.SESSION_RETRY, connectSeq: 4 })),
  frame(Tag.SESSION_RETRY_GLOBAL, encodeControl({ tag: Tag.SESSION_RETRY_GLOBAL, globalSeq: 9 })),
  frame(Tag.SESSION_RECONNECT_OK, encodeControl({ tag: Tag.SESSION_RECONNECT_OK, msgSeq: 1 })),
  frame(Tag.WAIT, Buffer.alloc(0)),
  frame(Tag.KEEPALIVE2_ACK, encodeControl({ tag: Tag.KEEPALIVE2_ACK, timestamp: { sec: 1, nsec: 2 } })),
];

/** Frame-level mutation of a recorded sequence, then random chunking. */
function mutateSequence(rng: Prng, seq: Buffer[], extra: Buffer[]): Buffer[] {
  const s = [...seq];
  for (let k = 1 + rng.int(3); k > 0; k--) {
    const i = 1 + rng.int(Math.max(1, s.length - 1));
    switch (rng.int(7)) {
      case 0:
        s.splice(i, 1);
        break;
      case 1:
        s.splice(i, 0, s[Math.min(i, s.length - 1)]!);
        break;
      case 2: {
        const j = 1 + rng.int(Math.max(1, s.length - 1));
        [s[i], s[j]] = [s[j]!, s[i]!];
        break;
      }
      case 3:
        s.splice(i, 0, rng.pick(extra));
        break;
      case 4:
        if (s[i]) s[i] = fixCrcs(mutate(rng, s[i]!));
        break;
      case 5:
        if (s[i]) s[i] = mutate(rng, s[i]!);
        break;
      default:
        if (rng.int(8) === 0) s[0] = mutate(rng, s[0]!);
        else s.length = Math.max(1, i);
    }
  }
  const all = Buffer.concat(s.filter(Boolean));
  const chunks: Buffer[] = [];
  for (let o = 0; o < all.length; ) {
    const n = rng.int(4) === 0 ? all.length - o : 1 + rng.int(200);
    chunks.push(all.subarray(o, o + n));
    o += n;
  }
  return chunks;
}

const VALID = new Set(['READY', 'CLOSED', 'STANDBY', 'BANNER_CONNECTING', 'HELLO_CONNECTING', 'AUTH_CONNECTING', 'AUTH_CONNECTING_SIGN', 'SESSION_CONNECTING', 'SESSION_RECONNECTING', 'BANNER_ACCEPTING', 'HELLO_ACCEPTING', 'AUTH_ACCEPTING', 'AUTH_ACCEPTING_MORE', 'AUTH_ACCEPTING_SIGN', 'SESSION_ACCEPTING']);

function fuzzSide(t: Test, side: string, make: (rng: Prng) => ProtocolV2, seqs: Buffer[][], extra: Buffer[]) {
  const rng = new Prng(seed ^ (side === 'server' ? 0x5e5e : 0xc1c1));
  const outcomes = new Map<string, number>();
  let bad = 0;
  let slowest = 0;
  const fail = (msg: string) => {
    if (bad++ < 5) t.fail(msg);
  };
  for (let i = 0; i < N; i++) {
    const p = make(rng);
    const chunks = mutateSequence(rng, rng.pick(seqs), extra);
    const outs: ProtocolOutput[] = [];
    const t0 = performance.now();
    try {
      p.start(0);
      outs.push(...p.takeOutputs());
      for (const c of chunks) {
        p.receive(c, 1_700_000_000_000);
        outs.push(...p.takeOutputs());
        if (rng.int(16) === 0) {
          p.sendKeepalive(1_700_000_000_000);
          outs.push(...p.takeOutputs());
        }
      }
    } catch (e) {
      fail(`${side} sequence ${i}: threw ${(e as Error).name}: ${(e as Error).message}`);
      continue;
    }
    slowest = Math.max(slowest, performance.now() - t0);
    const faults = outs.filter((o) => o.kind === 'fault');
    if (faults.length > 1) fail(`${side} sequence ${i}: ${faults.length} faults`);
    const f = faults[0];
    if (f?.kind === 'fault') {
      if (!(f.error instanceof CephError) || !f.error.message) fail(`${side} sequence ${i}: fault without a CephError reason`);
      if (p.state !== 'CLOSED' && p.state !== 'STANDBY') fail(`${side} sequence ${i}: faulted but state ${p.state}`);
      // Closed stays closed.
      p.receive(chunks[0] ?? Buffer.alloc(1), 0);
      if (p.takeOutputs().length) fail(`${side} sequence ${i}: output after close`);
      outcomes.set(f.error.code, (outcomes.get(f.error.code) ?? 0) + 1);
    } else {
      if (!VALID.has(p.state)) fail(`${side} sequence ${i}: state ${p.state}`);
      outcomes.set(p.state, (outcomes.get(p.state) ?? 0) + 1);
    }
  }
  t.equal(bad, 0, `${side}: ${N} mutated handshakes, never a throw, every fault a CephError with a reason`);
  t.ok(slowest < feedMsMax, `${side}: slowest sequence ${slowest.toFixed(2)} ms`);
  t.ok((outcomes.get('READY') ?? 0) > 0, `${side}: some sequences still reach READY (${outcomes.get('READY') ?? 0})`);
  t.comment(`${side}: ${[...outcomes].map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

const none = record(false);
const keyed = record(true);
t.equal(none.c2s.length >= 8 && none.s2c.length >= 6, true, `recorded ${none.c2s.length} client frames and ${none.s2c.length} server frames`);

t.test('accepting side', async (t) => {
  // A directory that knows one READY lossless session, so SESSION_RECONNECT and CLIENT_IDENT take
  // the existing-session paths too.
  const existingFor = () => {
    const ex = new ServerProtocol(env(EntityType.MON, [SERVER_ADDR], () => Policies.statefulServer()), new AuthNoneServer(), CLIENT_SOCK);
    ex.state = 'READY';
    ex.policy = Policies.statefulServer();
    ex.session = Object.assign(new Session(false), { clientCookie: 7n, serverCookie: 8n, connectSeq: 1, peerGlobalSeq: 2 });
    return ex;
  };
  fuzzSide(
    t,
    'server',
    (rng) => {
      const dir: SessionDirectory | undefined = rng.int(2) ? { lookup: () => existingFor(), register: () => true } : undefined;
      const auth = rng.int(4) ? new AuthNoneServer() : new SharedKeyServer(Buffer.alloc(16, 9), [1]);
      return new ServerProtocol(env(EntityType.MON, [SERVER_ADDR], () => (rng.int(2) ? Policies.statefulServer() : Policies.statelessServer())), auth, CLIENT_SOCK, dir);
    },
    [none.c2s, none.c2s, keyed.c2s],
    [...toServer, ...none.c2s.slice(1), ...keyed.c2s.slice(1)],
  );
});

t.test('connecting side', async (t) => {
  fuzzSide(
    t,
    'client',
    (rng) => {
      const session = new Session(false);
      if (rng.int(3) === 0) Object.assign(session, { clientCookie: 7n, serverCookie: 8n, connectSeq: 1 });
      const auth = rng.int(4) ? new AuthNoneClient(admin) : new SharedKeyClient(Buffer.alloc(16, 9), [1]);
      return new ClientProtocol(env(EntityType.CLIENT, []), auth, SERVER_ADDR, EntityType.MON, Policies.losslessClient(), session);
    },
    [none.s2c, none.s2c, keyed.s2c],
    [...toClient, ...none.s2c.slice(1), ...keyed.s2c.slice(1)],
  );
});

t.test('the recorded sequences are sound', async (t) => {
  const r = new FrameReader();
  for (const f of none.c2s.slice(1)) r.push(f);
  let n = 0;
  while (r.next()) n++;
  t.equal(n, none.c2s.length - 1, 'every recorded frame decodes');
});

t.test('end to end: a messenger closes a garbling peer\'s connection and logs why', async (t) => {
  const lines: string[] = [];
  // Each reason is at debug_ms 5: at the default level a flood of these is one summary line.
  configureLog({ sink: { write: (l) => void lines.push(l) }, levels: { ms: 5 } });
  t.teardown(() => configureLog({ levels: { ms: 0 } }));
  const net = new MemoryNetwork();
  const server = new Messenger({ entityType: EntityType.MON, nonce: 0, authServer: new AuthNoneServer(), transports: net, connectTimeoutMs: 150 });
  await server.bind('127.0.0.1', 3300);
  const rng = new Prng(seed ^ 0xe2e);
  let closed = 0;
  let faulted = 0;
  const runs = 150;
  for (let i = 0; i < runs; i++) {
    const tr = await net.connect({ ip: '127.0.0.1', port: 3300 }, 1000);
    const done = new Promise<boolean>((res) => {
      const timer = setTimeout(() => res(false), 300);
      tr.setHandlers({ onData() {}, onDrain() {}, onClose: () => (clearTimeout(timer), res(true)) });
    });
    const before = lines.length;
    for (const c of mutateSequence(rng, none.c2s, toServer)) tr.write([c]);
    const wasClosed = await done;
    const logged = lines.slice(before).some((l) => / fault: \S/.test(l));
    if (wasClosed) closed++;
    if (logged) faulted++;
    if (wasClosed !== logged) t.fail(`run ${i}: closed=${wasClosed} but fault logged=${logged}`);
    tr.destroy();
  }
  t.ok(closed > runs / 2, `${closed} of ${runs} garbled connections were closed by the server, each with a logged reason`);
  t.equal(closed, faulted, 'every close had its reason in the log');
  t.ok(lines.some((l) => /handshake not complete after 150 ms/.test(l)), 'a peer that stops mid-handshake is timed out (ETIMEDOUT logged)');
  await server.shutdown();
});
