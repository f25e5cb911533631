import { createHash, pbkdf2Sync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { open } from 'node:fs/promises';
import { cephError } from '@ts-ceph/common';
import { argon2, XtsCipher } from '../native/crypto';
import { afMerge, afSplit } from './af';

/**
 * LUKS2 (cryptsetup's on-disk format), enough to format a device the way `cryptsetup luksFormat
 * --type luks2` does and to open any single-segment aes-xts-plain64 device it makes:
 *  - binary header (4096 bytes, big-endian): magic "LUKS\xba\xbe", version 2, hdr_size, seqid,
 *    label[48], checksum_alg[32] "sha256", salt[64], uuid[40], subsystem[48], hdr_offset, and at
 *    448 the sha256 of the whole header area (binary + JSON) computed with this field zeroed;
 *  - the JSON area (keyslots, segments, digests, config) zero-padded to hdr_size;
 *  - a secondary copy at hdr_offset = hdr_size with its own salt;
 *  - keyslot areas: the AF-split volume key, encrypted with aes-xts-plain64 (512-byte sectors,
 *    IVs from 0 at the area start) under the key the KDF (argon2i/argon2id/pbkdf2) derives;
 *  - a pbkdf2 digest of the volume key to tell a right passphrase from a wrong one.
 * See docs/formats/luks2.md.
 */

export const luksMagic = Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe]);
export const luksHeaderBytes = 16384;
/** Where our data segment starts (cryptsetup's default for LUKS2). */
export const luksDataOffset = 16 * 1024 * 1024;
export const luksJsonBytesMax = luksHeaderBytes - 4096;
export const luksStripes = 4000;

export interface LuksFormatOptions {
  kdf?: 'argon2id' | 'argon2i' | 'pbkdf2';
  /** argon2 time cost / pbkdf2 iterations. */
  time?: number;
  memoryKiB?: number;
  lanes?: number;
  sectorBytes?: 512 | 4096;
}

export interface LuksVolume {
  volumeKey: Buffer;
  segmentOffset: number;
  sectorBytes: number;
  ivTweak: number;
  uuid: string;
}

type Json = Record<string, unknown>;

export async function isLuks(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(6);
    await fh.read(b, 0, 6, 0);
    return b.equals(luksMagic);
  } finally {
    await fh.close();
  }
}

function binaryHeader(json: Buffer, seqid: number, uuid: string, hdrOffset: number): Buffer {
  if (json.length >= luksJsonBytesMax) throw cephError('EINVAL', 'LUKS2 JSON metadata too large');
  const h = Buffer.alloc(luksHeaderBytes);
  luksMagic.copy(h, 0);
  h.writeUInt16BE(2, 6);
  h.writeBigUInt64BE(BigInt(luksHeaderBytes), 8);
  h.writeBigUInt64BE(BigInt(seqid), 16);
  h.write('sha256', 72, 'latin1');
  randomBytes(64).copy(h, 104);
  h.write(uuid, 168, 'latin1');
  h.writeBigUInt64BE(BigInt(hdrOffset), 256);
  json.copy(h, 4096);
  createHash('sha256').update(h).digest().copy(h, 448);
  return h;
}

/** Parse and verify one header copy; undefined if it is not a valid LUKS2 header. */
function parseHeader(h: Buffer): { json: Json; uuid: string; seqid: bigint } | undefined {
  if (!h.subarray(0, 6).equals(luksMagic) || h.readUInt16BE(6) !== 2) return undefined;
  const size = Number(h.readBigUInt64BE(8));
  if (size !== h.length) return undefined;
  const alg = h.subarray(72, 104).toString('latin1').replace(/\0.*$/s, '');
  if (alg !== 'sha256') return undefined;
  const copy = Buffer.from(h);
  copy.fill(0, 448, 512);
  if (!createHash('sha256').update(copy).digest().equals(h.subarray(448, 480))) return undefined;
  const text = h.subarray(4096).toString('utf8').replace(/\0.*$/s, '');
  try {
    return { json: JSON.parse(text) as Json, uuid: h.subarray(168, 208).toString('latin1').replace(/\0.*$/s, ''), seqid: h.readBigUInt64BE(16) };
  } catch {
    return undefined;
  }
}

async function deriveKey(kdf: Json, passphrase: Buffer, keyBytes: number): Promise<Buffer> {
  const salt = Buffer.from(String(kdf.salt), 'base64');
  if (kdf.type === 'pbkdf2') return pbkdf2Sync(passphrase, salt, Number(kdf.iterations), keyBytes, String(kdf.hash));
  if (kdf.type === 'argon2id' || kdf.type === 'argon2i') return argon2(kdf.type, passphrase, salt, Number(kdf.time), Number(kdf.memory), Number(kdf.cpus), keyBytes);
  throw cephError('EINVAL', `LUKS2 keyslot kdf ${String(kdf.type)} unsupported`);
}

function keyslotCipher(enc: unknown): void {
  if (enc !== 'aes-xts-plain64') throw cephError('EINVAL', `LUKS2 encryption ${String(enc)} unsupported (only aes-xts-plain64)`);
}

/** Write a LUKS2 header (both copies) with one keyslot for `passphrase`; returns the new volume. */
export async function luksFormat(path: string, passphrase: Buffer, opts: LuksFormatOptions = {}): Promise<LuksVolume> {
  const volumeKey = randomBytes(64);
  const kdfType = opts.kdf ?? 'argon2id';
  const salt = randomBytes(32);
  const kdf: Json =
    kdfType === 'pbkdf2'
      ? { type: 'pbkdf2', hash: 'sha256', iterations: opts.time ?? 100000, salt: salt.toString('base64') }
      : { type: kdfType, time: opts.time ?? 4, memory: opts.memoryKiB ?? 65536, cpus: opts.lanes ?? 2, salt: salt.toString('base64') };
  const slotKey = await deriveKey(kdf, passphrase, 64);
  const material = afSplit(volumeKey, luksStripes, 'sha256');
  const areaBytes = Math.ceil(material.length / 4096) * 4096;
  const area = Buffer.alloc(areaBytes);
  material.copy(area);
  new XtsCipher(slotKey, 512).encrypt(area, 0);
  const digestSalt = randomBytes(32);
  const iterations = 1000;
  const sectorBytes = opts.sectorBytes ?? 4096;
  const json = {
    keyslots: {
      '0': {
        type: 'luks2',
        key_size: 64,
        af: { type: 'luks1', stripes: luksStripes, hash: 'sha256' },
        area: { type: 'raw', offset: String(2 * luksHeaderBytes), size: String(areaBytes), encryption: 'aes-xts-plain64', key_size: 64 },
        kdf,
      },
    },
    tokens: {},
    segments: { '0': { type: 'crypt', offset: String(luksDataOffset), size: 'dynamic', iv_tweak: '0', encryption: 'aes-xts-plain64', sector_size: sectorBytes } },
    digests: {
      '0': {
        type: 'pbkdf2',
        keyslots: ['0'],
        segments: ['0'],
        hash: 'sha256',
        iterations,
        salt: digestSalt.toString('base64'),
        digest: pbkdf2Sync(volumeKey, digestSalt, iterations, 32, 'sha256').toString('base64'),
      },
    },
    config: { json_size: String(luksJsonBytesMax), keyslots_size: String(luksDataOffset - 2 * luksHeaderBytes) },
  };
  const text = Buffer.from(JSON.stringify(json));
  const uuid = randomUUID();
  const fh = await open(path, 'r+');
  try {
    const st = await fh.stat();
    if (st.isFile() && st.size < luksDataOffset + 16 * 1024 * 1024) throw cephError('EINVAL', `${path}: too small for a LUKS2 header plus data`);
    await fh.write(binaryHeader(text, 1, uuid, 0), 0, luksHeaderBytes, 0);
    await fh.write(binaryHeader(text, 1, uuid, luksHeaderBytes), 0, luksHeaderBytes, luksHeaderBytes);
    await fh.write(area, 0, areaBytes, 2 * luksHeaderBytes);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  return { volumeKey, segmentOffset: luksDataOffset, sectorBytes, ivTweak: 0, uuid };
}

/** Open a LUKS2 device: the first keyslot the passphrase unlocks gives the volume key. */
export async function luksOpen(path: string, passphrase: Buffer): Promise<LuksVolume> {
  const fh = await open(path, 'r');
  try {
    const h = Buffer.alloc(luksHeaderBytes);
    await fh.read(h, 0, luksHeaderBytes, 0);
    let hdr = parseHeader(h);
    if (!hdr) {
      // The primary is damaged: cryptsetup falls back to the secondary copy at hdr_size.
      const h2 = Buffer.alloc(luksHeaderBytes);
      await fh.read(h2, 0, luksHeaderBytes, luksHeaderBytes);
      hdr = parseHeader(h2);
    }
    if (!hdr) throw cephError('EINVAL', `${path}: no valid LUKS2 header`);
    const j = hdr.json as { keyslots?: Record<string, Json>; segments?: Record<string, Json>; digests?: Record<string, Json> };
    const seg = j.segments?.['0'];
    if (!seg || seg.type !== 'crypt') throw cephError('EINVAL', `${path}: LUKS2 segment 0 missing or not crypt`);
    keyslotCipher(seg.encryption);
    const digest = Object.values(j.digests ?? {}).find((d) => (d.segments as string[] | undefined)?.includes('0'));
    if (!digest || digest.type !== 'pbkdf2') throw cephError('EINVAL', `${path}: no pbkdf2 digest for segment 0`);
    for (const [id, slot] of Object.entries(j.keyslots ?? {})) {
      if (!(digest.keyslots as string[]).includes(id)) continue;
      const area = slot.area as Json;
      const af = slot.af as Json;
      keyslotCipher(area.encryption);
      const keyBytes = Number(slot.key_size);
      const stripes = Number(af.stripes);
      const areaKey = await deriveKey(slot.kdf as Json, passphrase, Number(area.key_size));
      const mat = Buffer.alloc(Math.ceil((keyBytes * stripes) / 512) * 512);
      await fh.read(mat, 0, mat.length, Number(area.offset));
      const x = new XtsCipher(areaKey, 512);
      x.decrypt(mat, 0);
      x.destroy();
      const candidate = afMerge(mat, keyBytes, stripes, String(af.hash));
      const want = Buffer.from(String(digest.digest), 'base64');
      const got = pbkdf2Sync(candidate, Buffer.from(String(digest.salt), 'base64'), Number(digest.iterations), want.length, String(digest.hash));
      if (timingSafeEqual(got, want)) {
        return { volumeKey: candidate, segmentOffset: Number(seg.offset), sectorBytes: Number(seg.sector_size), ivTweak: Number(seg.iv_tweak ?? 0), uuid: hdr.uuid };
      }
    }
    throw cephError('EPERM', `${path}: no LUKS2 keyslot opens with this key`);
  } finally {
    await fh.close();
  }
}
