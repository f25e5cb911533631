/**
 * Test helpers over the shared reference material: the captured msgr2 streams (crc mode) walked frame
 * by frame to pull out message payloads, and the MOSDMap payload split into its incremental and full
 * maps. Layouts per ceph-traces/README.md ("Wire facts confirmed from the pcaps").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';

export const traces = join(sharedDir(), 'ceph-traces');
export const corpus = join(sharedDir(), 'ceph-object-corpus');

export function readShared(...p: string[]): Buffer {
  return readFileSync(join(sharedDir(), ...p));
}

export interface StreamMessage {
  type: number;
  front: Buffer;
}

/** Every MESSAGE frame's type and front segment, in stream order. */
export function streamMessages(file: string): StreamMessage[] {
  const b = readFileSync(file);
  let off = 0;
  if (b.toString('latin1', 0, 8) === 'ceph v2\n') off = 10 + b.readUInt16LE(8);
  const out: StreamMessage[] = [];
  while (off + 32 <= b.length) {
    const tag = b[off]!;
    const nseg = b[off + 1]!;
    const lens = [0, 1, 2, 3].map((s) => b.readUInt32LE(off + 2 + s * 6));
    off += 32;
    const segs: Buffer[] = [];
    for (let s = 0; s < nseg; s++) {
      segs.push(b.subarray(off, off + lens[s]!));
      off += lens[s]!;
      if (s === 0) off += 4; // crc of segment 0 (or of the only segment)
    }
    if (nseg > 1) off += 13; // epilogue: late_flags + 3 segment crcs
    if (tag === 17) out.push({ type: segs[0]!.readUInt16LE(16), front: segs[1]! });
  }
  return out;
}

/** MOSDMap front: fsid, map<epoch, bufferlist> incremental_maps, map<epoch, bufferlist> maps, ... */
export function splitMOSDMap(front: Buffer): { incrementals: Map<number, Buffer>; fulls: Map<number, Buffer> } {
  let o = 16;
  const read = (): Map<number, Buffer> => {
    const m = new Map<number, Buffer>();
    const n = front.readUInt32LE(o);
    o += 4;
    for (let i = 0; i < n; i++) {
      const e = front.readUInt32LE(o);
      const l = front.readUInt32LE(o + 4);
      m.set(e, front.subarray(o + 8, o + 8 + l));
      o += 8 + l;
    }
    return m;
  };
  const incrementals = read();
  return { incrementals, fulls: read() };
}

export const MSG_MON_MAP = 4;
export const MSG_OSD_MAP = 41;
export const MSG_MGR_MAP = 0x704;

/**
 * Parse `ceph-kvstore-tool <db> dump <prefix>`: records "prefix\tkey" followed by a bufferlist
 * hexdump ("%08x  xx xx ...  |ascii|" lines, "*" for runs of the previous line, a final line holding
 * just the length).
 */
export function parseKvDump(text: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const head = lines[i++]!;
    const tab = head.indexOf('\t');
    if (tab < 0) continue;
    const key = head.slice(tab + 1);
    const bytes: number[] = [];
    let prev: number[] = [];
    let repeat = false;
    for (; i < lines.length && lines[i] !== ''; i++) {
      const l = lines[i]!;
      if (l === '*') {
        repeat = true;
        continue;
      }
      const off = parseInt(l.slice(0, 8), 16);
      if (repeat) {
        while (bytes.length < off) bytes.push(...prev);
        repeat = false;
      }
      const hex = l.slice(10, 58).trim();
      if (!hex) break; // the closing length line
      prev = hex.split(/\s+/).map((h) => parseInt(h, 16));
      bytes.push(...prev);
    }
    out.set(key, Buffer.from(bytes));
  }
  return out;
}
