// The crash-consistency harness shared by the crash test files: kill -9 a child at random points,
// remount, and check the store equals the MemStore model after some prefix of the transactions that
// includes every acknowledged one; fsck must be clean.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Test } from 'tap';
import { Prng, tempDir } from '@ts-ceph/testkit';
import { MemStore, NativeStore, Transaction } from '../src';
import { crashColl, makeTxn, snapshot } from './crash-gen';

export interface CrashOptions {
  kills: number;
  seed: number;
  depth: number;
  /**
   * The I/O backend the lane promises to exercise: never 'auto', whose silent fallback to the thread
   * pool would let an io_uring lane pass without touching io_uring. Every child reports the backend
   * its device actually opened with, and any other one fails the lane.
   */
  backend: 'uring' | 'pool';
  passphrase?: string;
}

/**
 * A kill lands 0..killDelayMsMax ms after the child's 0..killAcksMax-th acknowledgement (both drawn
 * from the lane's seed): up to `depth` transactions are always in flight, and the kills spread
 * from right after a mount (replaying the previous crash's journal) to well into a run.
 */
const killAcksMax = 8;
const killDelayMsMax = 20;

/** What BlockDevice.backend reports for each promised backend. */
const deviceBackend = { uring: 'io_uring', pool: 'pool' } as const;

/**
 * Where a kill lands: `killAfterMs` after the child's `killAfterAcks`-th acknowledgement (0: after
 * the mount). Counting acknowledgements rather than milliseconds from the mount keeps every kill in
 * the middle of the workload whatever the machine's load: with kills timed from the mount alone, a
 * loaded CI machine saw 80 kills land on 21 acknowledged transactions in all, most of them before
 * the first commit.
 */
export interface KillPoint {
  killAfterAcks: number;
  killAfterMs: number;
}

interface Child {
  /** Start applying from transaction `start` and kill -9 the child at `at`; the acked ids. */
  go(start: number, at: KillPoint): Promise<number[]>;
  /** Kill it now (a pre-spawned child left over when a check fails). */
  kill(): void;
}

function spawnChild(path: string, o: CrashOptions): Child {
  const args = [join(__dirname, 'crash-child.js'), path, String(o.seed), String(o.depth), o.backend, o.passphrase ?? ''];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let at: KillPoint = { killAfterAcks: 0, killAfterMs: 0 };
  let timer: NodeJS.Timeout | undefined;
  const ready = `ready ${deviceBackend[o.backend]}\n`;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (timer || !out.startsWith(ready)) return;
    // Every line after the ready line is one acknowledged transaction id.
    const acks = out.split('\n').length - 2;
    if (acks >= at.killAfterAcks) timer = setTimeout(() => child.kill('SIGKILL'), at.killAfterMs);
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<number[]>((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const first = out.slice(0, out.indexOf('\n') + 1);
      if (first.startsWith('ready ') && first !== ready) return reject(new Error(`child mounted with ${first.slice(6, -1)}, not ${deviceBackend[o.backend]}`));
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code}: ${err}`));
      if (first !== ready) return reject(new Error(`child never became ready: ${err}`));
      resolve(out.split('\n').slice(1).filter((l) => /^\d+$/.test(l)).map(Number));
    });
  });
  return {
    go(start, killAt) {
      at = killAt;
      const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
      child.stdin.write(`${start}\n`);
      return closed.finally(() => clearTimeout(guard));
    },
    kill() {
      child.kill('SIGKILL');
      closed.catch(() => undefined);
    },
  };
}

/** Run `lanes` independent crash loops at once (child start-up dominates; overlapping hides it). */
export async function crashTest(t: Test, o: CrashOptions & { lanes: number }): Promise<void> {
  const per = Math.ceil(o.kills / o.lanes);
  // The first lane to fail stops the others (a failed test should end, not run out its timer).
  const halt = { now: false };
  await Promise.all(
    Array.from({ length: o.lanes }, (_, i) =>
      crashLane(t, { ...o, seed: o.seed * 100 + i, kills: per }, halt).catch((e: Error) => {
        halt.now = true;
        t.fail(`lane ${i}: ${e.message}`);
      }),
    ),
  );
}

async function crashLane(t: Test, o: CrashOptions, halt: { now: boolean }): Promise<void> {
  const dir = tempDir('ts-crash-');
  if (process.env.CRASH_KEEP) t.comment(`store kept at ${dir.path}`);
  else t.teardown(dir.cleanup);
  const path = join(dir.path, 'osd');
  const opts = { path, deviceBytes: 64 * 1024 * 1024, backend: o.backend, ...(o.passphrase ? { passphrase: Buffer.from(o.passphrase), encrypt: true, luks: { kdf: 'argon2id' as const, time: 1, memoryKiB: 8192, lanes: 2 } } : {}) };
  const init = new NativeStore(opts);
  await init.mkfs();
  await init.mount();
  if (init.io.dev.backend !== deviceBackend[o.backend]) {
    await init.umount();
    throw new Error(`the store mounted with ${init.io.dev.backend}, not ${deviceBackend[o.backend]}`);
  }
  await init.queueTransaction(new Transaction().createCollection(crashColl));
  await init.umount();
  const model = new MemStore();
  await model.mkfs();
  await model.mount();
  await model.queueTransaction(new Transaction().createCollection(crashColl));
  let applied = -1; // model holds transactions 0..applied
  let acked = 0;
  // The kill moments come from the lane's seed too, so CRASH_SEED replays a lane's kills.
  const rng = new Prng(o.seed);
  let child = spawnChild(path, o);
  try {
    for (let k = 0; k < o.kills; k++) {
      if (halt.now) return;
      const ids = await child.go(applied + 1, { killAfterAcks: rng.intIn(0, killAcksMax), killAfterMs: rng.intIn(0, killDelayMsMax) });
      // The next child loads while this run is checked; it mounts only when told to go.
      child = spawnChild(path, o);
      for (let i = 0; i < ids.length; i++) if (ids[i] !== applied + 1 + i) t.fail(`acknowledgements out of order: ${ids.join(',')}`);
      acked += ids.length;
      const mustHave = applied + ids.length;
      const store = new NativeStore(opts);
      await store.mount();
      const got = await snapshot(store);
      // Every acknowledged transaction must be there; up to `depth` more may be (in flight at the kill).
      while (applied < mustHave) await model.queueTransaction(makeTxn(o.seed, ++applied));
      let ok = (await snapshot(model)) === got;
      for (let extra = 0; !ok && extra < o.depth; extra++) {
        await model.queueTransaction(makeTxn(o.seed, ++applied));
        ok = (await snapshot(model)) === got;
      }
      if (!ok) {
        halt.now = true;
        t.fail(`kill ${k}: the store is not the state after any prefix from ${mustHave} to ${applied} (a lost or half-applied transaction)`);
        await store.umount();
        return;
      }
      const f = await store.fsck(true);
      if (f.errors) {
        halt.now = true;
        t.fail(`kill ${k}: fsck: ${f.problems.slice(0, 5).join('; ')}`);
        await store.umount();
        return;
      }
      await store.umount();
    }
  } finally {
    child.kill();
  }
  // Kills drawn after 0..killAcksMax acknowledgements average killAcksMax / 2 each: fewer than one
  // per kill means the kills landed before the workload, which checks next to nothing.
  if (acked < o.kills) return void t.fail(`${o.kills} kill -9s saw only ${acked} acknowledged transactions`);
  t.pass(`${deviceBackend[o.backend]}: ${o.kills} kill -9s, ${acked} acknowledged transactions (${applied + 1} applied), every one present, fsck clean`);
}
