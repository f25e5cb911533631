import { Errno } from '@ts-ceph/common/core';
import { Reader, Writer } from '@ts-ceph/denc';

/**
 * The "trivial map" (tmap): a whole object holding `bufferlist header, u32 n, n x (string key,
 * bufferlist value)` in key order, the pre-omap key/value format. Format-1 rbd images still list
 * themselves in `rbd_directory` this way (librbd internal.cc tmap_set/tmap_rm). The OSD ops are
 * TMAPGET, TMAPPUT, TMAPUP and TMAP2OMAP (ops/tmap.ts); this file is their pure half: the codec and
 * TMAPUP's update, after PrimaryLogPG::do_tmapup and do_tmapup_slow (src/osd/PrimaryLogPG.cc).
 * Keys are kept as raw bytes and ordered as std::string orders them (unsigned bytewise), so a key
 * that is not UTF-8 keeps its bytes and place. docs/formats/cls-rbd.md ("Format-1 images") has the layout.
 */

/** CEPH_OSD_TMAP_* (src/include/rados.h): the command bytes of a TMAPUP stream. */
export const CEPH_OSD_TMAP = {
  HDR: 0x68, // 'h': replace the header
  SET: 0x73, // 's': insert or replace a key
  CREATE: 0x63, // 'c': insert a key, EEXIST if present (sorted path only)
  RM: 0x72, // 'r': remove a key, ENOENT if absent
  RMSLOPPY: 0x52, // 'R': remove a key if present
} as const;

export interface Tmap {
  header: Buffer;
  /** Entries in the order decoded (for a well-formed tmap, key order). */
  entries: [Buffer, Buffer][];
}

/** What a TMAPUP leaves: its rval, and the new object bytes when it writes (none for an empty command stream or a failure). */
export interface TmapUpdate {
  rval: number;
  data?: Buffer;
}

const cmp = (a: Buffer, b: Buffer): number => Buffer.compare(a, b);

/**
 * Decode a whole tmap. Duplicate keys keep the first value, as denc's map decode (emplace_hint)
 * does; bytes after the last entry are an error (Ceph asserts there; bad input must not crash us).
 */
export function decodeTmap(buf: Buffer): Tmap {
  const r = new Reader(buf);
  const header = r.blob('tmap header');
  const seen = new Set<string>();
  const entries: [Buffer, Buffer][] = [];
  for (const [k, v] of r.pairs('tmap', (r) => r.blob('key'), (r) => r.blob('value'), 8)) {
    const hex = k.toString('hex');
    if (seen.has(hex)) continue;
    seen.add(hex);
    entries.push([k, v]);
  }
  r.expectEnd('tmap');
  return { header, entries };
}

/** Encode header + entries, sorted by key (std::map's order). */
export function encodeTmap(header: Buffer, entries: Iterable<[Buffer, Buffer]>): Buffer {
  const sorted = [...entries].sort((a, b) => cmp(a[0], b[0]));
  const w = new Writer().blob(header).u32(sorted.length);
  for (const [k, v] of sorted) w.blob(k).blob(v);
  return w.finish();
}

/**
 * TMAPPUT's check: do the entries come in key order? Ceph stops at the first key smaller than the
 * one before; bytes past the n entries are not looked at.
 */
export function tmapIsSorted(buf: Buffer): boolean {
  const r = new Reader(buf);
  r.blob('tmap header');
  let n = r.u32('tmap count');
  let last: Buffer = Buffer.alloc(0);
  while (n-- > 0) {
    const key = r.blob('key');
    r.blob('value');
    if (cmp(key, last) < 0) return false;
    last = key;
  }
  return true;
}

/**
 * TMAPUP: apply a command stream to the object's bytes (`old`, empty for a missing object). The
 * usual path merges sorted commands into the stored entries in one pass and keeps whatever it does
 * not touch byte for byte (a key count that is off, bytes after the entries); a command key smaller
 * than the one before falls back to decoding the whole map, applying the commands in order and
 * writing it out sorted (do_tmapup_slow, which knows no CREATE). Malformed input is EINVAL.
 */
export function tmapUpdate(old: Buffer, cmds: Buffer): TmapUpdate {
  if (cmds.length === 0) return { rval: 0 };
  const ip = new Reader(old);
  let header: Buffer = Buffer.alloc(0);
  let nkeys = 0;
  if (old.length > 0) {
    header = ip.blob('tmap header');
    nkeys = ip.u32('tmap count');
  }
  const bp = new Reader(cmds);
  if (cmds[0] === CEPH_OSD_TMAP.HDR) {
    bp.u8();
    header = bp.blob('header');
  }
  const keyData = new Writer();
  let next: [Buffer, Buffer] | undefined = ip.remaining() > 0 ? [ip.blob('key'), ip.blob('value')] : undefined;
  let lastInKey: Buffer = Buffer.alloc(0);
  while (bp.remaining() > 0) {
    const op = bp.u8('op');
    const key = bp.blob('key');
    if (cmp(key, lastInKey) < 0) return tmapUpdateSlow(old, cmds);
    lastInKey = key;
    // Copy the stored keys before this one; drop the stored value of this key.
    let exists = false;
    while (next && !exists) {
      const c = cmp(next[0], key);
      if (c > 0) break;
      if (c < 0) keyData.blob(next[0]).blob(next[1]);
      else {
        exists = true;
        nkeys = (nkeys - 1) >>> 0;
      }
      next = ip.remaining() > 0 ? [ip.blob('key'), ip.blob('value')] : undefined;
    }
    if (op === CEPH_OSD_TMAP.SET || op === CEPH_OSD_TMAP.CREATE) {
      if (op === CEPH_OSD_TMAP.CREATE && exists) return { rval: -Errno.EEXIST };
      keyData.blob(key).blob(bp.blob('value'));
      nkeys = (nkeys + 1) >>> 0;
    } else if (op === CEPH_OSD_TMAP.RM) {
      if (!exists) return { rval: -Errno.ENOENT };
    } else if (op !== CEPH_OSD_TMAP.RMSLOPPY) {
      return { rval: -Errno.EINVAL };
    }
  }
  if (next) keyData.blob(next[0]).blob(next[1]);
  const rest = old.subarray(old.length - ip.remaining());
  const w = new Writer().blob(header).u32(nkeys).bytes(keyData.finish()).bytes(rest);
  return { rval: 0, data: w.finish() };
}

/** do_tmapup_slow: the whole map decoded, every command applied in order, written out sorted. */
function tmapUpdateSlow(old: Buffer, cmds: Buffer): TmapUpdate {
  let header: Buffer = Buffer.alloc(0);
  const m = new Map<string, [Buffer, Buffer]>();
  if (old.length > 0) {
    const t = decodeTmap(old);
    header = t.header;
    for (const [k, v] of t.entries) m.set(k.toString('hex'), [k, v]);
  }
  const bp = new Reader(cmds);
  while (bp.remaining() > 0) {
    const op = bp.u8('op');
    if (op === CEPH_OSD_TMAP.HDR) {
      header = bp.blob('header');
      continue;
    }
    if (op !== CEPH_OSD_TMAP.SET && op !== CEPH_OSD_TMAP.RM && op !== CEPH_OSD_TMAP.RMSLOPPY) return { rval: -Errno.EINVAL };
    const key = bp.blob('key');
    const hex = key.toString('hex');
    if (op === CEPH_OSD_TMAP.SET) m.set(hex, [key, bp.blob('value')]);
    else if (!m.delete(hex) && op === CEPH_OSD_TMAP.RM) return { rval: -Errno.ENOENT };
  }
  return { rval: 0, data: encodeTmap(header, m.values()) };
}
