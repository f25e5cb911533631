/**
 * Reproducible fuzzing: the one seeded PRNG of the tests (mulberry32), byte-level mutations, and the
 * mutate/decode/classify loop every decoder fuzz test runs. Each failure prints its seed;
 * `TS_CEPH_SEED=<n>` replays it.
 */
import { CephError } from '@ts-ceph/common';

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
export class Prng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi], both included. */
  intIn(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

/**
 * The seed of a fuzz run: TS_CEPH_SEED when set (a replay), else `fixed` for a test that always runs
 * the same cases, else a fresh random one (each run explores new cases and prints its seed).
 */
export function seedFromEnv(fixed?: number): number {
  const s = process.env.TS_CEPH_SEED;
  if (s) return Number(s) >>> 0;
  return fixed !== undefined ? fixed >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/**
 * One random mutation of `src` (never modified): one to eight bit flips, an edge-value byte, a
 * truncation, appended junk, a blown-up le32 field (lengths and counts), a slice copied over another
 * place, or a deleted slice.
 */
export function mutate(rng: Prng, src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (rng.int(7)) {
    case 0:
      for (let i = 1 + rng.int(8); i > 0 && b.length; i--) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    case 1:
      if (b.length) b[rng.int(b.length)] = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);
      return b;
    case 2:
      return b.subarray(0, rng.int(b.length + 1));
    case 3:
      return Buffer.concat([b, Buffer.from(Array.from({ length: 1 + rng.int(64) }, () => rng.int(256)))]);
    case 4:
      if (b.length >= 4) b.writeUInt32LE(rng.pick([0xffffffff, 0x7fffffff, 0x10000000, b.length + 1, 0, 1]), rng.int(b.length - 3));
      return b;
    case 5: {
      if (b.length < 2) return b;
      const a = rng.int(b.length);
      const n = 1 + rng.int(Math.min(32, b.length - a));
      b.copy(b, rng.int(b.length - n + 1), a, a + n);
      return b;
    }
    default: {
      const a = rng.int(b.length + 1);
      return Buffer.concat([b.subarray(0, a), b.subarray(Math.min(b.length, a + 1 + rng.int(8)))]);
    }
  }
}

/** The part of a tap Test the fuzz loop reports through. */
export interface FuzzReport {
  fail(message: string): unknown;
  pass(message: string): unknown;
}

export interface FuzzOptions<T> {
  /** Well-formed inputs the mutations start from (corpus samples, captured frames, built messages). */
  bases: readonly T[];
  /** How many mutated inputs to try. */
  cases: number;
  /** One mutation of a base (never modified); `mutate` for Buffers. */
  mutate(rng: Prng, base: T): T;
  /**
   * Decode one input and check what follows from accepting it. Returning normally accepts it;
   * returning a string fails the case with that text; throwing refuses it, which is fine only for a
   * typed error.
   */
  decode(input: T): string | void;
  /** Seed of the run (default: seedFromEnv()); the Prng restarts from it at every call. */
  seed?: number;
  /** The thrown errors that count as a clean refusal (default: CephError, DencError included). */
  typed?: (e: unknown) => boolean;
  /** A case that takes longer than this fails: a decoder must not spin on lengths it was handed. */
  caseMsMax?: number;
  /** The input as shown in a failure message (default: its first 100 bytes in hex). */
  show?(input: T): string;
  /** What is fuzzed, when the test reports several runs. */
  name?: string;
}

export interface FuzzResult {
  seed: number;
  accepted: number;
  refused: number;
  /** Set when a case failed: which one, why, and how to replay it. */
  failure?: string;
}

/** Decoding a mutated input may take this long before the case fails. */
export const fuzzCaseMsMax = 500;

const showDefault = (input: unknown): string => (Buffer.isBuffer(input) ? input.toString('hex').slice(0, 200) : String(input));

/**
 * The mutate/decode/classify loop: `cases` mutations of the bases, each accepted, refused with a typed
 * error, or a failure (an untyped error such as RangeError or TypeError, a failed check, or a case
 * slower than caseMsMax). Stops at the first failure, whose message carries the seed.
 */
export function fuzzDecode<T>(o: FuzzOptions<T>): FuzzResult {
  const seed = o.seed ?? seedFromEnv();
  const rng = new Prng(seed);
  const typed = o.typed ?? ((e: unknown) => e instanceof CephError);
  const msMax = o.caseMsMax ?? fuzzCaseMsMax;
  const show = o.show ?? showDefault;
  const res: FuzzResult = { seed, accepted: 0, refused: 0 };
  if (o.bases.length === 0) return { ...res, failure: 'no base inputs to mutate' };
  for (let i = 0; i < o.cases; i++) {
    const input = o.mutate(rng, rng.pick(o.bases));
    const t0 = performance.now();
    let problem: string | void = undefined;
    try {
      problem = o.decode(input);
      if (!problem) res.accepted++;
    } catch (e) {
      if (!typed(e)) problem = `threw ${(e as Error).name}: ${(e as Error).message}`;
      else res.refused++;
    }
    const ms = performance.now() - t0;
    if (!problem && ms > msMax) problem = `took ${ms.toFixed(0)} ms (limit ${msMax})`;
    if (problem) return { ...res, failure: `case ${i} of seed ${seed} (TS_CEPH_SEED=${seed} to replay): ${problem} (input ${show(input)})` };
  }
  return res;
}

/** fuzzDecode reported to a tap test: one pass with the counts, or one fail naming the case and seed. */
export function fuzzDecodeTest<T>(t: FuzzReport, o: FuzzOptions<T>): FuzzResult {
  const r = fuzzDecode(o);
  const what = o.name ? `${o.name}: ` : '';
  if (r.failure) t.fail(`${what}${r.failure}`);
  else t.pass(`${what}${o.cases} mutations (seed ${r.seed}): ${r.refused} refused with a typed error, ${r.accepted} decoded`);
  return r;
}
