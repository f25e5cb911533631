import { crc32c } from '@ts-ceph/denc';

// The PRNG and the byte mutations are shared with every other fuzz test.
export { Prng, seedFromEnv, mutate } from '@ts-ceph/testkit';

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
