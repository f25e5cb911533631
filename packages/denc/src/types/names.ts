import { Reader } from '../reader';
import { Writer } from '../writer';

/**
 * Entity types (src/include/msgr.h CEPH_ENTITY_TYPE_*), shared by entity_name_t (message addressing)
 * and EntityName (auth identity).
 */
export const EntityType = {
  MON: 0x01,
  MDS: 0x02,
  OSD: 0x04,
  CLIENT: 0x08,
  MGR: 0x10,
  AUTH: 0x20,
  ANY: 0xff,
} as const;

const typeNames: Record<number, string> = { 0x01: 'mon', 0x02: 'mds', 0x04: 'osd', 0x08: 'client', 0x10: 'mgr', 0x20: 'auth', 0xff: 'any' };

export function entityTypeName(t: number): string {
  return typeNames[t] ?? 'unknown';
}

export function entityTypeFromName(s: string): number | undefined {
  for (const [k, v] of Object.entries(typeNames)) if (v === s) return Number(k);
  return undefined;
}

/**
 * entity_name_t (src/msg/msg_types.h; ceph_entity_name in msgr.h): u8 type + le64 num, 9 bytes packed.
 * num is -1 (NEW) for a client that has no global id yet.
 */
export interface EntityNameT {
  type: number;
  num: number;
}

export function decodeEntityNameT(r: Reader, field = 'entity_name_t'): EntityNameT {
  return r.within(field, () => ({ type: r.u8('type'), num: r.i64n('num') }));
}

export function encodeEntityNameT(w: Writer, n: EntityNameT): void {
  w.u8(n.type).i64(n.num);
}

export function formatEntityNameT(n: EntityNameT): string {
  return n.num < 0 ? `${entityTypeName(n.type)}.?` : `${entityTypeName(n.type)}.${n.num}`;
}

/**
 * EntityName (src/common/entity_name.h): the auth identity, le32 type + string id ("client.admin" is
 * {CLIENT, "admin"}).
 */
export interface EntityName {
  type: number;
  id: string;
}

export function decodeEntityName(r: Reader, field = 'EntityName'): EntityName {
  return r.within(field, () => ({ type: r.u32('type'), id: r.string('id') }));
}

export function encodeEntityName(w: Writer, n: EntityName): void {
  w.u32(n.type).string(n.id);
}

export function formatEntityName(n: EntityName): string {
  return `${entityTypeName(n.type)}.${n.id}`;
}

/** Parse "client.admin", "osd.0", "mon." into an EntityName; undefined if the type is unknown. */
export function parseEntityName(s: string): EntityName | undefined {
  const dot = s.indexOf('.');
  if (dot < 0) return undefined;
  const type = entityTypeFromName(s.slice(0, dot));
  if (type === undefined || type === EntityType.ANY || type === EntityType.AUTH) return undefined;
  return { type, id: s.slice(dot + 1) };
}
