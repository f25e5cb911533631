import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomFillSync, timingSafeEqual } from 'node:crypto';
import { assert, cephError } from '@ts-ceph/common';
import { BatchOp } from './journal';
import * as L from './layout';
import { GroupIndexCache, metaIndexBytesMax } from './meta-index';
import { KV, KVRange, kvWrite, levelRange, MetaKV } from './meta-kv';

/**
 * Sealed metadata (docs/formats/objectstore.md, "Encrypted metadata"): every LevelDB record of an
 * encrypted store but the `S:` ones (geometry, counters, the replay position) is stored as
 *   key   = type letter + tag(group) + tag(whole logical key)     (1 + 16 + 16 bytes)
 *   value = nonce (12) + AES-256-GCM(u32 key length + logical key + value) + GCM tag (16)
 * with the physical key as associated data, so a record cannot be moved under another key. Tags
 * are HMAC-SHA256 truncated to 16 bytes. Point lookups stay one LevelDB get; a group (an object's
 * omap, a collection's onodes) stays one LevelDB range; the order inside a group, which the MACs
 * destroy, comes from an in-memory index (meta-index.ts).
 */

/** Scheme 1: HMAC-SHA256 tags, AES-256-GCM values, HKDF-SHA256 keys. */
export const sealedScheme = 1;
/** Bytes of a truncated HMAC tag in a sealed key. */
export const metaTagBytes = 16;
const nonceBytes = 12;
const gcmTagBytes = 16;
/** Sealed keys' values fetched by one LevelDB getMany during an ordered read. */
export const metaFetchKeysMax = 256;
/** Group tags remembered (one HMAC per distinct group otherwise). */
export const metaGroupTagsMax = 65536;
/** Random nonce bytes drawn from the OS at a time. */
const noncePoolBytes = 4096;

const hkdfInfo = { mac: 'ts-ceph objectstore metadata v1: key tags', aead: 'ts-ceph objectstore metadata v1: values' } as const;
const checkLabel = 'ts-ceph objectstore metadata v1: check';

export interface MetaKeys {
  /** HMAC-SHA256 key of the key tags. */
  mac: Buffer;
  /** AES-256-GCM key of the values. */
  aead: Buffer;
}

/** The metadata keys of a store: HKDF-SHA256 of the LUKS2 volume key, salted with the store's fsid, one info label per use. */
export function deriveMetaKeys(volumeKey: Buffer, fsid: string): MetaKeys {
  const salt = Buffer.from(fsid, 'utf8');
  const k = (info: string): Buffer => Buffer.from(hkdfSync('sha256', volumeKey, salt, info, 32));
  return { mac: k(hkdfInfo.mac), aead: k(hkdfInfo.aead) };
}

/** The `S:sealed` record of a store with these keys. */
export function sealedRecordFor(keys: MetaKeys): L.SealedRecord {
  return { scheme: sealedScheme, check: createHmac('sha256', keys.mac).update(checkLabel).digest().subarray(0, metaTagBytes) };
}

/** Whether `rec` was written with these keys (else the volume key or the derivation differs). */
export function sealedRecordMatches(keys: MetaKeys, rec: L.SealedRecord): boolean {
  const want = sealedRecordFor(keys).check;
  return rec.scheme === sealedScheme && rec.check.length === want.length && timingSafeEqual(rec.check, want);
}

const isPlain = (key: Buffer): boolean => key[0] === 0x53; // 'S'

export class SealedKV implements MetaKV {
  readonly sealed = true;
  private readonly tags = new Map<string, Buffer>();
  private readonly index: GroupIndexCache;
  private readonly inflight = new Set<Promise<void>>();
  private nonces = Buffer.alloc(0);
  private nonceAt = 0;

  constructor(
    private readonly level: KV,
    private readonly keys: MetaKeys,
    indexBytesMax = metaIndexBytesMax,
  ) {
    this.index = new GroupIndexCache(indexBytesMax);
  }

  /** tag(domain + data): the one-letter domain keeps group tags and key tags apart. */
  private tag(domain: 'g' | 'k', data: Buffer): Buffer {
    return createHmac('sha256', this.keys.mac).update(domain).update(data).digest().subarray(0, metaTagBytes);
  }

  /** Type letter + tag of the group: the prefix every sealed key of the group starts with. */
  groupPrefix(group: Buffer): Buffer {
    const id = group.toString('latin1');
    let p = this.tags.get(id);
    if (!p) {
      p = Buffer.concat([group.subarray(0, 1), this.tag('g', group)]);
      if (this.tags.size >= metaGroupTagsMax) this.tags.clear();
      this.tags.set(id, p);
    }
    return p;
  }

  /** The LevelDB key of a logical key. */
  physKey(key: Buffer): Buffer {
    if (isPlain(key)) return key;
    const prefix = this.groupPrefix(key.subarray(0, L.groupBytesOf(key)));
    const out = Buffer.allocUnsafe(1 + 2 * metaTagBytes);
    prefix.copy(out);
    this.tag('k', key).copy(out, prefix.length);
    return out;
  }

  private nonce(): Buffer {
    if (this.nonceAt + nonceBytes > this.nonces.length) {
      this.nonces = randomFillSync(Buffer.allocUnsafe(noncePoolBytes));
      this.nonceAt = 0;
    }
    const n = this.nonces.subarray(this.nonceAt, this.nonceAt + nonceBytes);
    this.nonceAt += nonceBytes;
    return n;
  }

  seal(phys: Buffer, key: Buffer, value: Buffer): Buffer {
    const iv = this.nonce();
    const c = createCipheriv('aes-256-gcm', this.keys.aead, iv);
    c.setAAD(phys);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(key.length);
    const body = Buffer.concat([c.update(len), c.update(key), c.update(value), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]);
  }

  /** The logical key and value of a stored record; EIO when it fails authentication. */
  unseal(phys: Buffer, stored: Buffer): [Buffer, Buffer] {
    const bad = (why: string): Error => cephError('EIO', `sealed metadata record ${phys.toString('hex')}: ${why}`);
    if (stored.length < nonceBytes + 4 + gcmTagBytes) throw bad('too short');
    const d = createDecipheriv('aes-256-gcm', this.keys.aead, stored.subarray(0, nonceBytes));
    d.setAAD(phys);
    d.setAuthTag(stored.subarray(stored.length - gcmTagBytes));
    let plain: Buffer;
    try {
      plain = Buffer.concat([d.update(stored.subarray(nonceBytes, stored.length - gcmTagBytes)), d.final()]);
    } catch {
      throw bad('authentication failed (damaged, moved, or sealed with another key)');
    }
    const n = plain.readUInt32LE(0);
    if (4 + n > plain.length) throw bad('key length beyond the record');
    return [plain.subarray(4, 4 + n), plain.subarray(4 + n)];
  }

  private openAs(key: Buffer, phys: Buffer, stored: Buffer | undefined): Buffer | undefined {
    if (!stored) return undefined;
    const [k, v] = this.unseal(phys, stored);
    // Two logical keys with one 128-bit tag: not expected in the life of the universe, but never served.
    if (!k.equals(key)) throw cephError('EIO', `sealed metadata record ${phys.toString('hex')}: holds another key`);
    return v;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    if (isPlain(key)) return this.level.get(key);
    const phys = this.physKey(key);
    return this.openAs(key, phys, await this.level.get(phys));
  }

  getSync(key: Buffer): Buffer | undefined {
    if (isPlain(key)) return this.level.getSync(key);
    const phys = this.physKey(key);
    return this.openAs(key, phys, this.level.getSync(phys));
  }

  async getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    const phys = keys.map((k) => this.physKey(k));
    const vals = await this.level.getMany(phys);
    return vals.map((v, i) => (isPlain(keys[i]!) ? v : this.openAs(keys[i]!, phys[i]!, v)));
  }

  write(ops: BatchOp[], sync: boolean): Promise<void> {
    const sealed: BatchOp[] = ops.map((op) => {
      if (isPlain(op.key)) return op;
      const phys = this.physKey(op.key);
      return op.type === 'put' ? { type: 'put', key: phys, value: this.seal(phys, op.key, op.value) } : { type: 'del', key: phys };
    });
    const w = kvWrite(this.level, sealed, sync).then(() => this.index.applied(ops));
    this.inflight.add(w);
    const done = (): void => void this.inflight.delete(w);
    w.then(done, done);
    return w;
  }

  /** Every record of the group, unsealed, in LevelDB (MAC) order. */
  private async *scanGroup(group: Buffer): AsyncGenerator<[Buffer, Buffer]> {
    const prefix = this.groupPrefix(group);
    for await (const [k, v] of this.level.iterator(levelRange(prefix, {}))) yield this.unseal(k, v);
  }

  async *range(group: Buffer, r: KVRange = {}): AsyncGenerator<[Buffer, Buffer]> {
    assert(group.length > 0 && !isPlain(group), 'SealedKV.range: not a sealed group');
    if (r.gt === undefined && r.gte === undefined && r.lt === undefined && r.limit === undefined) {
      // The whole group: one scan, sorted here; no index needed.
      const all: [Buffer, Buffer][] = [];
      for await (const e of this.scanGroup(group)) all.push(e);
      all.sort((a, b) => Buffer.compare(a[0], b[0]));
      yield* all;
      return;
    }
    const load = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const [k] of this.scanGroup(group)) out.push(k.toString('latin1', group.length));
      return out;
    };
    const settle = async (): Promise<void> => void (await Promise.allSettled([...this.inflight]));
    const suffixes = await this.index.select(group, r, load, settle);
    for (let i = 0; i < suffixes.length; i += metaFetchKeysMax) {
      const keys = suffixes.slice(i, i + metaFetchKeysMax).map((s) => Buffer.concat([group, Buffer.from(s, 'latin1')]));
      const vals = await this.getMany(keys);
      // A key deleted since the index was read is skipped, as LevelDB would not have shown it.
      for (let j = 0; j < keys.length; j++) if (vals[j]) yield [keys[j]!, vals[j]!];
    }
  }

  async *scanType(type: string): AsyncGenerator<[Buffer, Buffer]> {
    assert(type.length === 1 && type !== 'S', 'SealedKV.scanType: one sealed record type');
    for await (const [k, v] of this.level.iterator(levelRange(Buffer.from(type, 'latin1'), {}))) yield this.unseal(k, v);
  }

  /** Indexed bytes (tests). */
  get indexedBytes(): number {
    return this.index.indexedBytes;
  }
}
