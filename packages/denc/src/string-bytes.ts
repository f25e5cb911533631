/**
 * Ceph's strings (std::string: object names, namespaces, locator keys, omap keys, xattr names) are
 * arbitrary bytes; ours are JS strings. This is the one lossless mapping between the two, Python's
 * "surrogateescape" (PEP 383): bytes that are valid UTF-8 decode exactly as UTF-8, and each byte of
 * an invalid sequence becomes a lone low surrogate U+DC80..U+DCFF, which encoding turns back into
 * that byte. A Ceph string read and written again is therefore byte-identical, whatever it holds
 * (docs/formats/strings.md).
 *
 * Strings that did not come from bytes may hold what no decode produces: an unpaired high surrogate
 * or an unpaired low one below U+DC80 is encoded as U+FFFD (EF BF BD), as Buffer.from does; a
 * surrogate pair is a character and is encoded as such, even when its low half is in U+DC80..U+DCFF.
 *
 * Both directions keep Node's native UTF-8 code as the fast path (every op's object name passes
 * here): decoding takes the slow path only when the native result holds U+FFFD, encoding only when
 * the string has a code unit in U+DC80..U+DCFF that is not the low half of a pair.
 */

/** An escape: a code unit U+DC80..U+DCFF that does not follow a high surrogate. */
const escapeRe = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** Whether `s` holds an escaped byte (a string that is not plain UTF-8 once encoded). */
export function hasEscapedBytes(s: string): boolean {
  return escapeRe.test(s);
}

/**
 * The bytes [start, end) of `buf` as a string, losslessly (invalid UTF-8 bytes escaped). The range
 * is clamped to the buffer, as toString clamps it.
 */
export function stringFromBytes(buf: Buffer, start = 0, end = buf.length): string {
  const s = buf.toString('utf8', start, end);
  // Node's decoder replaced each invalid sequence with U+FFFD; without one, the string is exact.
  return s.indexOf('\uFFFD') < 0 ? s : decodeEscaping(buf, Math.max(start, 0), Math.min(end, buf.length));
}

/** The bytes of `s` (escaped bytes back as themselves, the rest as UTF-8). */
export function stringToBytes(s: string): Buffer {
  if (!hasEscapedBytes(s)) return Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(Buffer.byteLength(s, 'utf8'));
  return out.subarray(0, writeEscaping(out, s, 0));
}

/** How many bytes `s` encodes to. */
export function stringByteLength(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  // n === s.length only when every code unit is ASCII; otherwise each escape counted 3 (U+FFFD), is 1.
  return n === s.length || !hasEscapedBytes(s) ? n : n - 2 * countEscapes(s);
}

/**
 * Write the bytes of `s` at `at` of `buf`, which must have room for stringByteLength(s) bytes;
 * returns how many were written.
 */
export function writeStringBytes(buf: Buffer, s: string, at: number): number {
  if (!hasEscapedBytes(s)) return buf.write(s, at, 'utf8');
  return writeEscaping(buf, s, at) - at;
}

/**
 * The order of the strings' bytes (std::string::compare, memcmp then length): the order of omap
 * keys and object names in Ceph. UTF-16 code-unit order is the same until the first code units
 * that differ; when neither of those is a surrogate it is also the bytes' order (UTF-8 keeps the
 * order of the code points it encodes, and an escape is always a surrogate), so only a difference
 * at a surrogate compares the encoded bytes.
 */
export function compareStringBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) {
    // One is a code-unit prefix of the other. Their bytes are a prefix too unless the shorter
    // ends with a high surrogate the longer pairs: U+FFFD (EF) against a 4-byte lead (F0..F4).
    return a.length - b.length < 0 ? -1 : 1;
  }
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  if ((x < 0xd800 || x > 0xdfff) && (y < 0xd800 || y > 0xdfff)) return x < y ? -1 : 1;
  return Buffer.compare(stringToBytes(a), stringToBytes(b));
}

/** Whether the bytes of `s` start with the bytes of `prefix` (Ceph's prefix filters). */
export function startsWithBytes(s: string, prefix: string): boolean {
  // A prefix of whole characters decodes on its own: the code-unit test is the byte test. One that
  // ends in escaped bytes may be the start of a character of `s` (E2 82 | AC is '€').
  if (!hasEscapedBytes(prefix)) return s.startsWith(prefix);
  const p = stringToBytes(prefix);
  const b = stringToBytes(s);
  return b.length >= p.length && b.compare(p, 0, p.length, 0, p.length) === 0;
}

function countEscapes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHigh(s.charCodeAt(i - 1)))) n++;
  }
  return n;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** Runs between escapes as UTF-8 (no run ends in a high surrogate its escape would pair), escapes as bytes. */
function writeEscaping(buf: Buffer, s: string, at: number): number {
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff || (i > 0 && isHigh(s.charCodeAt(i - 1)))) continue;
    if (i > run) at += buf.write(s.slice(run, i), at, 'utf8');
    buf[at++] = c - 0xdc00;
    run = i + 1;
  }
  if (run < s.length) at += buf.write(s.slice(run), at, 'utf8');
  return at;
}

/**
 * Length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7: shortest form, no
 * surrogates, at most U+10FFFF), or 0 when the byte there does not start one.
 */
function sequenceAt(b: Buffer, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => j < end && b[j]! >= lo && b[j]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

/** The slow decode: valid runs through the native decoder, each byte that starts no sequence escaped. */
function decodeEscaping(b: Buffer, start: number, end: number): string {
  let out = '';
  let run = start;
  let i = start;
  while (i < end) {
    const n = sequenceAt(b, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > run) out += b.toString('utf8', run, i);
    out += String.fromCharCode(0xdc00 + b[i]!);
    run = ++i;
  }
  if (end > run) out += b.toString('utf8', run, end);
  return out;
}
