import { Reader, Writer, EntityName, decodeEntityName, encodeEntityName, formatEntityName } from '@ts-ceph/denc';
import { cephError } from '@ts-ceph/common/core';
import {
  EntityAuth,
  RotatingSecrets,
  compareEntityNames,
  decodeEntityAuth,
  encodeEntityAuth,
  decodeRotatingSecrets,
  encodeRotatingSecrets,
} from './auth-types';

/**
 * KeyServerData (src/auth/cephx/CephxKeyServer.h): the monitors' auth database, which AuthMonitor
 * persists through Paxos: u8 v=1, le64 version, le64 rotating_ver, map<EntityName, EntityAuth>
 * secrets, map<u32 service_id, RotatingSecrets> rotating_secrets. Incremental updates add or delete
 * one entity, or replace the whole rotating set (carried as its own encoded bufferlist).
 */
export interface KeyServerData {
  version: bigint;
  rotatingVer: bigint;
  /** Keyed by "type.id" (formatEntityName); encoded in EntityName order. */
  secrets: Map<string, { name: EntityName; auth: EntityAuth }>;
  rotatingSecrets: Map<number, RotatingSecrets>;
}

export function emptyKeyServerData(): KeyServerData {
  return { version: 0n, rotatingVer: 0n, secrets: new Map(), rotatingSecrets: new Map() };
}

function encodeSecrets(w: Writer, secrets: KeyServerData['secrets']): void {
  const entries = [...secrets.values()].sort((a, b) => compareEntityNames(a.name, b.name));
  w.u32(entries.length);
  for (const { name, auth } of entries) {
    encodeEntityName(w, name);
    encodeEntityAuth(w, auth);
  }
}

function encodeRotatingMap(w: Writer, m: ReadonlyMap<number, RotatingSecrets>): void {
  const ids = [...m.keys()].sort((a, b) => a - b);
  w.u32(ids.length);
  for (const id of ids) {
    w.u32(id);
    encodeRotatingSecrets(w, m.get(id)!);
  }
}

function decodeRotatingMap(r: Reader): Map<number, RotatingSecrets> {
  return r.map('rotating_secrets', (r) => r.u32('service_id'), (r) => decodeRotatingSecrets(r), 4 + 1 + 4 + 8);
}

export function decodeKeyServerData(r: Reader, field = 'KeyServerData'): KeyServerData {
  return r.within(field, () => {
    r.u8('struct_v');
    const version = r.u64('version');
    const rotatingVer = r.u64('rotating_ver');
    const pairs = r.pairs('secrets', (r) => decodeEntityName(r, 'name'), (r) => decodeEntityAuth(r), 8 + 1 + 8 + 12 + 4);
    const secrets = new Map<string, { name: EntityName; auth: EntityAuth }>();
    for (const [name, auth] of pairs) secrets.set(formatEntityName(name), { name, auth });
    return { version, rotatingVer, secrets, rotatingSecrets: decodeRotatingMap(r) };
  });
}

export function encodeKeyServerData(w: Writer, d: KeyServerData): void {
  w.u8(1).u64(d.version).u64(d.rotatingVer);
  encodeSecrets(w, d.secrets);
  encodeRotatingMap(w, d.rotatingSecrets);
}

/** KeyServerData::encode_rotating: u8 v=1, le64 rotating_ver, the rotating map. */
export function encodeRotating(d: Pick<KeyServerData, 'rotatingVer' | 'rotatingSecrets'>): Buffer {
  const w = new Writer();
  w.u8(1).u64(d.rotatingVer);
  encodeRotatingMap(w, d.rotatingSecrets);
  return w.finish();
}

export function decodeRotating(bl: Uint8Array): { rotatingVer: bigint; rotatingSecrets: Map<number, RotatingSecrets> } {
  const r = new Reader(bl);
  return r.within('rotating', () => {
    r.u8('struct_v');
    const rotatingVer = r.u64('rotating_ver');
    return { rotatingVer, rotatingSecrets: decodeRotatingMap(r) };
  });
}

/** KeyServerData::IncrementalOp. */
export const AUTH_INC_NOP = 0;
export const AUTH_INC_ADD = 1;
export const AUTH_INC_DEL = 2;
export const AUTH_INC_SET_ROTATING = 3;

export type KeyServerIncremental =
  | { op: typeof AUTH_INC_SET_ROTATING; rotatingBl: Buffer }
  | { op: typeof AUTH_INC_NOP | typeof AUTH_INC_ADD | typeof AUTH_INC_DEL; name: EntityName; auth: EntityAuth };

export function decodeKeyServerIncremental(r: Reader, field = 'KeyServerData::Incremental'): KeyServerIncremental {
  return r.within(field, () => {
    r.u8('struct_v');
    const op = r.u32('op');
    if (op === AUTH_INC_SET_ROTATING) return { op, rotatingBl: Buffer.from(r.blob('rotating_bl')) };
    if (op !== AUTH_INC_NOP && op !== AUTH_INC_ADD && op !== AUTH_INC_DEL) r.fail('DENC_MALFORMED', `unknown incremental op ${op}`, 'op');
    return { op, name: decodeEntityName(r, 'name'), auth: decodeEntityAuth(r, 'auth') };
  });
}

export function encodeKeyServerIncremental(w: Writer, inc: KeyServerIncremental): void {
  w.u8(1).u32(inc.op);
  if (inc.op === AUTH_INC_SET_ROTATING) {
    w.blob(inc.rotatingBl);
  } else {
    encodeEntityName(w, inc.name);
    encodeEntityAuth(w, inc.auth);
  }
}

/** KeyServerData::apply_incremental. */
export function applyKeyServerIncremental(d: KeyServerData, inc: KeyServerIncremental): void {
  switch (inc.op) {
    case AUTH_INC_ADD:
      d.secrets.set(formatEntityName(inc.name), { name: { ...inc.name }, auth: inc.auth });
      return;
    case AUTH_INC_DEL:
      d.secrets.delete(formatEntityName(inc.name));
      return;
    case AUTH_INC_SET_ROTATING: {
      const rot = decodeRotating(inc.rotatingBl);
      d.rotatingVer = rot.rotatingVer;
      d.rotatingSecrets = rot.rotatingSecrets;
      return;
    }
    case AUTH_INC_NOP:
      return;
    default:
      throw cephError('EINVAL', `unknown KeyServerData incremental op ${(inc as { op: number }).op}`);
  }
}
