/**
 * rjenkins1 and crush_ln. The hash is checked against a second implementation that works in BigInt
 * modular arithmetic straight from the crush_hashmix definition (so the int32 tricks of the fast path
 * are checked, not assumed), and on the edge inputs where those tricks could go wrong. crush_ln is
 * checked at points computed by hand from the table (including Ceph's quirk at 0xffff) and against
 * 2^44*log2(x+1). Placement-level exactness is the business of the differential mapping tests.
 */
import t from 'tap';
import { crushHash32, crushHash32_2, crushHash32_3, crushHash32_4, crushHash32_5, crushLn, hash32_1, hash32_2, hash32_3, hash32_4, hash32_5 } from '../src/index';
import { Prng } from '@ts-ceph/testkit';

const M = 0xffffffffn;

function refMix(s: bigint[], a: number, b: number, c: number): void {
  const sub = (x: bigint, y: bigint): bigint => (x - y) & M;
  let A = s[a];
  let B = s[b];
  let C = s[c];
  A = sub(sub(A, B), C) ^ (C >> 13n);
  B = sub(sub(B, C), A) ^ ((A << 8n) & M);
  C = sub(sub(C, A), B) ^ (B >> 13n);
  A = sub(sub(A, B), C) ^ (C >> 12n);
  B = sub(sub(B, C), A) ^ ((A << 16n) & M);
  C = sub(sub(C, A), B) ^ (B >> 5n);
  A = sub(sub(A, B), C) ^ (C >> 3n);
  B = sub(sub(B, C), A) ^ ((A << 10n) & M);
  C = sub(sub(C, A), B) ^ (B >> 15n);
  s[a] = A;
  s[b] = B;
  s[c] = C;
}

/** hash.c's rjenkins1 family, in BigInt: inputs then x, y, hash as named registers. */
function refHash(inputs: number[]): number {
  const n = inputs.length;
  // registers: inputs..., x, y, hash
  const s = inputs.map((v) => BigInt(v >>> 0));
  let h = 1315423911n;
  for (const v of s) h ^= v;
  const X = n;
  const Y = n + 1;
  const H = n + 2;
  s.push(231232n, 1232n, h);
  const A = 0;
  const B = 1;
  const C = 2;
  const D = 3;
  const E = 4;
  const plans: Record<number, [number, number][]> = {
    2: [
      [A, B],
      [X, A],
      [B, Y],
    ],
    3: [
      [A, B],
      [C, X],
      [Y, A],
      [B, X],
      [Y, C],
    ],
    4: [
      [A, B],
      [C, D],
      [A, X],
      [Y, B],
      [C, X],
      [Y, D],
    ],
    5: [
      [A, B],
      [C, D],
      [E, X],
      [Y, A],
      [B, X],
      [Y, C],
      [D, X],
      [Y, E],
    ],
  };
  if (n === 1) {
    // crush_hash32_rjenkins1 mixes a copy of a (b = a) first.
    s.push(s[0]);
    const Bc = s.length - 1;
    refMix(s, Bc, X, H);
    refMix(s, Y, A, H);
    return Number(s[H]);
  }
  for (const [p, q] of plans[n]) refMix(s, p, q, H);
  return Number(s[H]);
}

const fast = [hash32_1, hash32_2, hash32_3, hash32_4, hash32_5] as const;

function call(n: number, args: number[]): number {
  switch (n) {
    case 1:
      return fast[0](args[0]);
    case 2:
      return fast[1](args[0], args[1]);
    case 3:
      return fast[2](args[0], args[1], args[2]);
    case 4:
      return fast[3](args[0], args[1], args[2], args[3]);
    default:
      return fast[4](args[0], args[1], args[2], args[3], args[4]);
  }
}

t.test('rjenkins1 equals the BigInt reference on edge and random inputs', async (t) => {
  const edges = [0, 1, -1, 0x7fffffff, -0x80000000, 0xffffffff, 0x80000000, 1315423911, -2, 0x10000];
  const rng = new Prng(20241122);
  let checked = 0;
  for (let n = 1; n <= 5; n++) {
    const cases: number[][] = [];
    for (const e of edges) cases.push(Array.from({ length: n }, () => e));
    for (let i = 0; i < 2000; i++) cases.push(Array.from({ length: n }, () => Math.floor(rng.next() * 2 ** 32) - (rng.next() < 0.3 ? 2 ** 32 : 0)));
    let bad = 0;
    for (const c of cases) {
      const got = call(n, c);
      const want = refHash(c);
      if (got !== want && bad++ < 3) t.equal(got, want, `hash32_${n}(${c.join(', ')})`);
      checked++;
    }
    t.equal(bad, 0, `hash32_${n}: ${cases.length} inputs agree with the reference`);
  }
  t.ok(checked > 10000);
});

t.test('results are u32 and inputs are taken modulo 2^32', async (t) => {
  t.equal(hash32_3(-1, -2, 3), hash32_3(0xffffffff, 0xfffffffe, 3));
  t.equal(hash32_2(5, -5), hash32_2(5, 2 ** 32 - 5));
  for (const v of [hash32_1(0), hash32_2(-1, 7), hash32_5(1, 2, 3, 4, 5)]) t.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
});

t.test('unknown hash types hash to 0, as hash.c does', async (t) => {
  t.equal(crushHash32(1, 5), 0);
  t.equal(crushHash32_2(7, 1, 2), 0);
  t.equal(crushHash32_3(2, 1, 2, 3), 0);
  t.equal(crushHash32_4(255, 1, 2, 3, 4), 0);
  t.equal(crushHash32_5(1, 1, 2, 3, 4, 5), 0);
  t.equal(crushHash32_3(0, 1, 2, 3), hash32_3(1, 2, 3));
});

t.test('crush_ln at hand-computed points', async (t) => {
  // x = 1 normalises to 0x8000 with exponent 0: RH = 2^48, LH = 0, index2 = 0.
  t.equal(crushLn(0), 0);
  // Powers of two: x + 1 = 2^k normalises to 0x8000 with exponent k, so the result is k << 44.
  for (let k = 1; k <= 15; k++) t.equal(crushLn(2 ** k - 1), k * 2 ** 44, `crush_ln(2^${k} - 1)`);
  // 0xffff is the one input that is not normalised (x + 1 = 0x10000): index1 = 512, RH = 2^47,
  // LH = 0xffff00000000, LL = 0, so 15 << 44 plus 0xffff00000000 >> 4 = 0xfffff0000000, not 16 << 44.
  t.equal(crushLn(0xffff), 0xfffff0000000);
});

t.test('crush_ln tracks 2^44 * log2(x + 1) and is monotonic', async (t) => {
  let prev = -1;
  let worst = 0;
  let nonMono = 0;
  for (let x = 0; x < 0xffff; x++) {
    const v = crushLn(x);
    if (v < prev) nonMono++;
    prev = v;
    worst = Math.max(worst, Math.abs(v / 2 ** 44 - Math.log2(x + 1)));
  }
  t.equal(nonMono, 0, 'non-decreasing over [0, 0xfffe]');
  t.ok(worst < 1e-4, `max error ${worst} < 1e-4 (in log2 units)`);
});
