import { crc32c } from '@ts-ceph/denc';
import { seedFromEnv } from '@ts-ceph/testkit';

// The PRNG and the byte mutations are shared with every other fuzz test.
export { Prng, seedFromEnv, mutate } from '@ts-ceph/testkit';

/** A fuzz test's run: how many inputs, from which seed, and how long one input may take. */
export interface FuzzRun {
  /** TS_CEPH_FUZZ_N, default 10^5. */
  n: number;
  /** TS_CEPH_SEED replays a run. */
  seed: number;
  /** Generous: the machine is shared, and a GC pause or preemption must not fail the run; a real hang never returns. */
  inputMsMax: number;
}

/** Read the run's settings and print the seed (so a failure can be replayed); `per` says what n counts. */
export function fuzzRun(t: { comment(text: string): void }, per: string): FuzzRun {
  const n = Number(process.env.TS_CEPH_FUZZ_N ?? 100_000);
  const seed = seedFromEnv();
  t.comment(`fuzz seed ${seed} (TS_CEPH_SEED=${seed} to replay), ${n} ${per}`);
  return { n, seed, inputMsMax: 2000 };
}

/**
 * Recompute the CRCs of a crc-mode msgr2.1 frame after its body was mutated, so the mutation reaches
 * the decoders behind the CRC checks. Best effort: a frame whose preamble no longer describes it is
 * left as it is.
 */
export function fixCrcs(f: Buffer): Buffer {
  if (f.length < 32) return f;
  const b = Buffer.from(f);
  const n = b[1]!;
  if (n < 1 || n > 4) return b;
  b.writeUInt32LE(crc32c(0, b.subarray(0, 28)), 28);
  const lens = [0, 1, 2, 3].map((i) => b.readUInt32LE(2 + 6 * i));
  let o = 32;
  if (lens[0]! > 0) {
    if (o + lens[0]! + 4 > b.length) return b;
    b.writeUInt32LE(crc32c(0xffffffff, b.subarray(o, o + lens[0]!)), o + lens[0]!);
    o += lens[0]! + 4;
  }
  if (n === 1) return b;
  const starts: number[] = [];
  for (let i = 1; i < n; i++) {
    starts.push(o);
    o += lens[i]!;
  }
  if (o + 13 > b.length) return b;
  for (let i = 1; i < n; i++) b.writeUInt32LE(crc32c(0xffffffff, b.subarray(starts[i - 1]!, starts[i - 1]! + lens[i]!)), o + 1 + 4 * (i - 1));
  return b;
}
