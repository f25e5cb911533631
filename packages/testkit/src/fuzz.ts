/**
 * Reproducible fuzzing: a seeded PRNG (mulberry32) and byte-level mutations shared by every fuzz test.
 * Each failure prints its seed; `TS_CEPH_SEED=<n>` replays it.
 */
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
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

export function seedFromEnv(): number {
  const s = process.env.TS_CEPH_SEED;
  return s ? Number(s) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
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
