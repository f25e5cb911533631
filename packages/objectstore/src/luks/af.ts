import { createHash, randomBytes } from 'node:crypto';

/**
 * LUKS's anti-forensic splitter ("af": {"type": "luks1"}): a key of `blockBytes` is stored as
 * `stripes` blocks whose hash-diffused chain XORs back to the key, so wiping any one stripe loses
 * the key. The diffusion hashes the block in digest-sized pieces, each prefixed with its big-endian
 * 32-bit index.
 */
function diffuse(block: Buffer, hash: string): Buffer {
  const digestBytes = createHash(hash).digest().length;
  const out = Buffer.alloc(block.length);
  for (let i = 0, off = 0; off < block.length; i++, off += digestBytes) {
    const n = Math.min(digestBytes, block.length - off);
    const idx = Buffer.alloc(4);
    idx.writeUInt32BE(i);
    createHash(hash).update(idx).update(block.subarray(off, off + n)).digest().copy(out, off, 0, n);
  }
  return out;
}

function xorInto(dst: Buffer, src: Buffer): void {
  for (let i = 0; i < dst.length; i++) dst[i]! ^= src[i]!;
}

export function afSplit(key: Buffer, stripes: number, hash: string): Buffer {
  const bs = key.length;
  const out = Buffer.alloc(bs * stripes);
  let d: Buffer = Buffer.alloc(bs);
  for (let i = 0; i < stripes - 1; i++) {
    const s = randomBytes(bs);
    s.copy(out, i * bs);
    xorInto(d, s);
    d = diffuse(d, hash);
  }
  xorInto(d, key);
  d.copy(out, (stripes - 1) * bs);
  return out;
}

export function afMerge(material: Buffer, keyBytes: number, stripes: number, hash: string): Buffer {
  let d: Buffer = Buffer.alloc(keyBytes);
  for (let i = 0; i < stripes - 1; i++) {
    xorInto(d, material.subarray(i * keyBytes, (i + 1) * keyBytes));
    d = diffuse(d, hash);
  }
  xorInto(d, material.subarray((stripes - 1) * keyBytes, stripes * keyBytes));
  return d;
}
