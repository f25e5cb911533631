import {
  Reader,
  Writer,
  EntityName,
  UTime,
  decodeEntityName,
  encodeEntityName,
  decodeUTime,
  encodeUTime,
} from '@ts-ceph/denc';
import { CryptoKey, decodeCryptoKey, encodeCryptoKey } from './crypto';

/**
 * The auth value types of src/auth/Auth.h. All of them use Ceph's oldest versioning: a bare u8
 * struct_v with no compat byte and no length, so a decoder cannot skip a newer tail; each decoder
 * accepts exactly what Ceph's does.
 */

/** CEPH_AUTH_UID_DEFAULT (src/include/ceph_fs.h): the retired auid, still encoded as u64 -1. */
export const CEPH_AUTH_UID_DEFAULT = 0xffff_ffff_ffff_ffffn;

/** Byte-wise (std::string) order, as std::map<std::string, ...> encodes its keys. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** EntityName's operator<: type first, then id. */
export function compareEntityNames(a: EntityName, b: EntityName): number {
  return a.type - b.type || compareStrings(a.id, b.id);
}

/** std::map<std::string, bufferlist> in key order. */
function encodeStringBlobMap(w: Writer, m: ReadonlyMap<string, Buffer>): void {
  const keys = [...m.keys()].sort(compareStrings);
  w.u32(keys.length);
  for (const k of keys) w.string(k).blob(m.get(k)!);
}

function decodeStringBlobMap(r: Reader, field: string): Map<string, Buffer> {
  return r.map(field, (r) => r.string('key'), (r) => Buffer.from(r.blob('value')), 8);
}

/**
 * AuthCapsInfo: whether the holder may do everything, and the service's cap string as an encoded
 * std::string inside a bufferlist (`caps` is that bufferlist, le32 length + text, or empty).
 */
export interface AuthCapsInfo {
  allowAll: boolean;
  caps: Buffer;
}

export function decodeAuthCapsInfo(r: Reader, field = 'AuthCapsInfo'): AuthCapsInfo {
  return r.within(field, () => {
    r.u8('struct_v');
    const allowAll = r.u8('allow_all') !== 0;
    return { allowAll, caps: Buffer.from(r.blob('caps')) };
  });
}

export function encodeAuthCapsInfo(w: Writer, c: AuthCapsInfo): void {
  w.u8(1).u8(c.allowAll ? 1 : 0).blob(c.caps);
}

/** The cap text inside AuthCapsInfo.caps ('' if none). Throws DencError if the bufferlist is corrupt. */
export function capsText(c: AuthCapsInfo): string {
  if (c.caps.length === 0) return '';
  const r = new Reader(c.caps);
  const s = r.string('caps');
  return s;
}

export function capsBlob(text: string): Buffer {
  return new Writer(undefined, text.length + 8).string(text).finish();
}

/**
 * AuthTicket: who (name, global_id), when (created, expires; renew_after is local and not encoded),
 * and what (caps for the service the ticket is for). v2 adds the retired auid.
 */
export interface AuthTicket {
  name: EntityName;
  globalId: bigint;
  created: UTime;
  expires: UTime;
  caps: AuthCapsInfo;
  flags: number;
}

export function decodeAuthTicket(r: Reader, field = 'AuthTicket'): AuthTicket {
  return r.within(field, () => {
    const v = r.u8('struct_v');
    const name = decodeEntityName(r, 'name');
    const globalId = r.u64('global_id');
    if (v >= 2) r.u64('old_auid');
    const created = decodeUTime(r, 'created');
    const expires = decodeUTime(r, 'expires');
    const caps = decodeAuthCapsInfo(r, 'caps');
    const flags = r.u32('flags');
    return { name, globalId, created, expires, caps, flags };
  });
}

export function encodeAuthTicket(w: Writer, t: AuthTicket): void {
  w.u8(2);
  encodeEntityName(w, t.name);
  w.u64(t.globalId).u64(CEPH_AUTH_UID_DEFAULT);
  encodeUTime(w, t.created);
  encodeUTime(w, t.expires);
  encodeAuthCapsInfo(w, t.caps);
  w.u32(t.flags);
}

/**
 * EntityAuth: an entity's key and its caps per service ("mon", "osd", "mgr", "mds"; each value an
 * encoded std::string). v3 (Squid) appends a pending_key used for key rotation; we decode it and
 * encode v2 as Pacific does.
 */
export interface EntityAuth {
  key: CryptoKey;
  caps: Map<string, Buffer>;
  pendingKey?: CryptoKey;
}

export function decodeEntityAuth(r: Reader, field = 'EntityAuth'): EntityAuth {
  return r.within(field, () => {
    const v = r.u8('struct_v');
    if (v >= 2) r.u64('old_auid');
    const key = decodeCryptoKey(r, 'key');
    const caps = decodeStringBlobMap(r, 'caps');
    const out: EntityAuth = { key, caps };
    if (v >= 3) {
      const pending = decodeCryptoKey(r, 'pending_key');
      if (!pending.isEmpty()) out.pendingKey = pending;
    }
    return out;
  });
}

export function encodeEntityAuth(w: Writer, a: EntityAuth): void {
  w.u8(2).u64(CEPH_AUTH_UID_DEFAULT);
  encodeCryptoKey(w, a.key);
  encodeStringBlobMap(w, a.caps);
}

/** The caps of EntityAuth as text per service. */
export function entityCapsText(a: EntityAuth): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of a.caps) out.set(k, capsText({ allowAll: false, caps: v }));
  return out;
}

export function entityCapsFromText(caps: Iterable<readonly [string, string]>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of caps) out.set(k, capsBlob(v));
  return out;
}

/** ExpiringCryptoKey: a rotating service secret and when it stops being handed out. */
export interface ExpiringCryptoKey {
  key: CryptoKey;
  expiration: UTime;
}

export function decodeExpiringCryptoKey(r: Reader, field = 'ExpiringCryptoKey'): ExpiringCryptoKey {
  return r.within(field, () => {
    r.u8('struct_v');
    return { key: decodeCryptoKey(r, 'key'), expiration: decodeUTime(r, 'expiration') };
  });
}

export function encodeExpiringCryptoKey(w: Writer, k: ExpiringCryptoKey): void {
  w.u8(1);
  encodeCryptoKey(w, k.key);
  encodeUTime(w, k.expiration);
}

/**
 * RotatingSecrets: one service's rotating secrets by secret_id (KEY_ROTATE_NUM = 3 of them:
 * previous, current, next) and the highest id handed out.
 */
export interface RotatingSecrets {
  secrets: Map<bigint, ExpiringCryptoKey>;
  maxVer: bigint;
}

export function decodeRotatingSecrets(r: Reader, field = 'RotatingSecrets'): RotatingSecrets {
  return r.within(field, () => {
    r.u8('struct_v');
    const secrets = r.map('secrets', (r) => r.u64('secret_id'), (r) => decodeExpiringCryptoKey(r), 8 + 1 + 12 + 8);
    return { secrets, maxVer: r.u64('max_ver') };
  });
}

export function encodeRotatingSecrets(w: Writer, s: RotatingSecrets): void {
  w.u8(1);
  const ids = [...s.secrets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  w.u32(ids.length);
  for (const id of ids) {
    w.u64(id);
    encodeExpiringCryptoKey(w, s.secrets.get(id)!);
  }
  w.u64(s.maxVer);
}
