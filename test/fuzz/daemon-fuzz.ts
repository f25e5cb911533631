/**
 * The standing bad-input harness (issue 14 item 5): against a running ts-mon or ts-osd, for a given
 * time, at once
 *  - mutated captured msgr2 client streams (../shared/ceph-traces/streams, byte-exact 16.2.15
 *    clients: banner, HELLO, AUTH_REQUEST ... mutated by testkit's `mutate`), truncated streams held
 *    open, frames whose preamble announces oversized segments, and plain garbage, from 127.0.0.3;
 *  - a handshake flood of half-open connections from 127.0.0.2 (./flood.ts);
 *  - for the OSD, fuzzed MOSDOps on authenticated sessions (test/acceptance/osd-fuzz-frames.ts);
 * while a legitimate client on 127.0.0.1 (`ceph -s` for the mon, `rados stat` for the OSD) must
 * keep succeeding and the daemon must stay up. Everything random comes from one seed.
 * `npm run fuzz -- --target mon|osd --seconds N [--seed S]` runs it (scripts/fuzz.js);
 * test/acceptance/security-fuzz.test.ts runs a short version.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { CephMessage, decodeHeader2, encodeBanner, encodePreamble, StreamDecoder, Tag } from '@ts-ceph/messenger';
import { CEPH_MSG_OSD_OP, MOSDOp, MOSDOpCodec } from '@ts-ceph/messages';
import { mutate, Prng } from '@ts-ceph/testkit';
import { startTsMon, json } from '../acceptance/mon-lib';
import { OsdDump, startTsOsdCluster, TsOsdCluster } from '../acceptance/osd-lib';
import { FuzzTarget, nextFrame } from '../acceptance/osd-fuzz-frames';
import { RawOsdClient } from '../acceptance/osd-raw-client';
import { startFlood } from './flood';

export interface DaemonFuzzOptions {
  target: 'mon' | 'osd';
  seconds: number;
  seed: number;
  /** Progress lines. */
  log?(line: string): void;
  /** Half-open connections of the flood (200). */
  floodConnections?: number;
}

export interface DaemonFuzzReport {
  target: 'mon' | 'osd';
  seed: number;
  seconds: number;
  /** Raw connections by kind of input. */
  raw: Record<RawKind, number>;
  /** Fuzzed MOSDOps sent on authenticated sessions (OSD only). */
  osdOps: number;
  floodOpened: number;
  legit: { ok: number; failed: number; maxMs: number };
  /** Bytes the daemon's log grew by during the run. */
  logBytes: number;
  /** What went wrong; empty when the daemon stayed up and served the legitimate client throughout. */
  failures: string[];
}

type RawKind = 'mutated' | 'truncated' | 'oversized' | 'garbage';

/** The client halves of the captured streams (each starts with the banner). */
function capturedStreams(): Buffer[] {
  const dir = join(sharedDir(), 'ceph-traces', 'streams');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.c2s.bin'))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

/** The MOSDOps of the captured streams, to mutate (as osd-fuzz.test.ts does). */
function capturedOps(streams: Buffer[]): MOSDOp[] {
  const out: MOSDOp[] = [];
  for (const s of streams) {
    const d = new StreamDecoder();
    d.push(s);
    for (const it of d.drain()) {
      if (it.kind !== 'frame' || it.frame.tag !== Tag.MESSAGE) continue;
      const seg = it.frame.segments;
      const h = decodeHeader2(seg[0]!);
      if (h.type !== CEPH_MSG_OSD_OP) continue;
      const e = Buffer.alloc(0);
      const m: CephMessage = { type: h.type, version: h.version, compatVersion: h.compatVersion, priority: h.priority, tid: h.tid, dataOff: h.dataOff, front: seg[1] ?? e, middle: seg[2] ?? e, data: seg[3] ?? e };
      out.push(MOSDOpCodec.decode(m, CEPH_FEATURES_ALL));
    }
  }
  return out;
}

/** One raw input: what to send and how long to hold the connection open after it. */
function rawInput(rng: Prng, streams: Buffer[]): { kind: RawKind; bytes: Buffer; holdMs: number } {
  const k = rng.int(10);
  const s = rng.pick(streams);
  if (k < 5) {
    let b = s;
    for (let i = 1 + rng.int(3); i > 0; i--) b = mutate(rng, b);
    return { kind: 'mutated', bytes: b, holdMs: 200 };
  }
  if (k < 7) return { kind: 'truncated', bytes: s.subarray(0, rng.int(s.length)), holdMs: 500 };
  if (k < 9) {
    const big = rng.pick([256 << 10, (256 << 10) + 1, 1 << 20, 128 << 20, 0x7fffffff, 0xffffffff]);
    const tag = rng.pick([Tag.HELLO, Tag.AUTH_REQUEST, Tag.MESSAGE, Tag.CLIENT_IDENT, 0, 99]);
    const pre = encodePreamble({ tag, segments: [{ length: big, align: 8 }, { length: rng.int(2) ? big : 0, align: 8 }] });
    return { kind: 'oversized', bytes: Buffer.concat([encodeBanner(), pre, Buffer.alloc(rng.int(4096), 0x41)]), holdMs: 300 };
  }
  return { kind: 'garbage', bytes: Buffer.from(Array.from({ length: 1 + rng.int(2048) }, () => rng.int(256))), holdMs: 100 };
}

/** Send one raw input from `localAddress` and wait for the daemon to close or the hold to pass. */
function sendRaw(port: number, bytes: Buffer, holdMs: number, localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    const t = setTimeout(() => s.destroy(), holdMs + 1000);
    s.on('connect', () => {
      s.write(bytes);
      setTimeout(() => s.destroy(), holdMs);
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => (clearTimeout(t), resolve()));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function alive(pidFile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
    return true;
  } catch {
    return false;
  }
}

export async function runDaemonFuzz(o: DaemonFuzzOptions): Promise<DaemonFuzzReport> {
  const log = o.log ?? (() => {});
  const rng = new Prng(o.seed);
  const streams = capturedStreams();
  const report: DaemonFuzzReport = {
    target: o.target,
    seed: o.seed,
    seconds: o.seconds,
    raw: { mutated: 0, truncated: 0, oversized: 0, garbage: 0 },
    osdOps: 0,
    floodOpened: 0,
    legit: { ok: 0, failed: 0, maxMs: 0 },
    logBytes: 0,
    failures: [],
  };
  let cluster: TsOsdCluster | undefined;
  const mon = o.target === 'mon' ? await startTsMon() : (cluster = await startTsOsdCluster({ debugOsd: 1 })).mon;
  try {
    let port = mon.port;
    let logSize = (): number => mon.output().length;
    let up = (): boolean => alive(join(mon.dir, 'run', 'mon.a.pid'));
    let legit = (): Promise<{ code: number | null; stderr: string }> => mon.ceph(['-s'], { timeoutMs: 15_000 });
    if (cluster) {
      const c = cluster;
      const o0 = json<OsdDump>(await mon.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0)!;
      port = Number(o0.public_addrs.addrvec[0]!.addr.split(':').pop());
      const osdLog = join(c.dir, 'osd.log');
      logSize = () => fileBytes(osdLog);
      up = () => c.osd.exitCode === null && c.osd.signalCode === null;
      const f = join(mon.dir, 'fuzz-legit.in');
      writeFileSync(f, 'the legitimate object');
      const put = await c.rados(['put', 'fuzz-legit', f]);
      if (put.code !== 0) throw new Error(`rados put before the fuzz: ${put.stderr}`);
      legit = () => c.rados(['stat', 'fuzz-legit'], { timeoutMs: 15_000 });
    }
    log(`fuzzing ${o.target} on port ${port} for ${o.seconds} s, seed ${o.seed}`);
    const log0 = logSize();
    const deadline = Date.now() + o.seconds * 1000;
    const running = (): boolean => Date.now() < deadline && report.failures.length === 0;
    const flood = startFlood({ port, connections: o.floodConnections ?? 200, localAddress: '127.0.0.2', payload: rng.int(2) ? encodeBanner() : undefined });
    const rawWorker = async (wrng: Prng): Promise<void> => {
      while (running()) {
        const r = rawInput(wrng, streams);
        report.raw[r.kind]++;
        await sendRaw(port, r.bytes, r.holdMs, '127.0.0.3');
      }
    };
    const legitWorker = async (): Promise<void> => {
      while (running()) {
        const t0 = Date.now();
        const r = await legit();
        const ms = Date.now() - t0;
        report.legit.maxMs = Math.max(report.legit.maxMs, ms);
        if (r.code === 0) report.legit.ok++;
        else {
          report.legit.failed++;
          report.failures.push(`legitimate client failed (rc ${r.code}) after ${ms} ms: ${r.stderr.trim().slice(0, 300)}`);
        }
        if (!up()) report.failures.push(`ts-${o.target} is not running`);
        await sleep(300);
      }
    };
    const workers = [legitWorker(), ...[1, 2, 3].map((i) => rawWorker(new Prng((o.seed + i * 0x9e3779b9) >>> 0)))];
    if (cluster) workers.push(osdOpWorker(cluster, new Prng((o.seed ^ 0x5bd1e995) >>> 0), streams, running, report));
    await Promise.all(workers);
    await flood.stop();
    report.floodOpened = flood.opened;
    if (!up()) report.failures.push(`ts-${o.target} is not running after the fuzz`);
    const after = await legit();
    if (after.code !== 0) report.failures.push(`legitimate client failed after the fuzz: ${after.stderr.trim().slice(0, 300)}`);
    report.logBytes = logSize() - log0;
    log(`${o.target}: ${JSON.stringify({ ...report, failures: report.failures.length })}`);
    return report;
  } finally {
    await (cluster ? cluster.stop() : mon.stop());
  }
}

/** Fuzzed MOSDOps on an authenticated session to osd.0 (sessions the OSD closes are reopened). */
async function osdOpWorker(c: TsOsdCluster, rng: Prng, streams: Buffer[], running: () => boolean, report: DaemonFuzzReport): Promise<void> {
  const s = await RawOsdClient.open(c.mon.conf, c.mon.adminKeyring);
  try {
    const pool = s.poolId(c.pool);
    const target: FuzzTarget = { pool, epoch: s.epoch, place: (oid, ns = '', key = '') => s.place(pool, oid, ns, key) };
    const captured = capturedOps(streams);
    while (running()) {
      const f = nextFrame(rng, target, captured);
      report.osdOps++;
      await s.request(f.msg, 300);
    }
  } finally {
    await s.close();
  }
}
