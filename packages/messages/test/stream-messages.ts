/**
 * Walk the captured msgr2 streams of ../shared/ceph-traces (byte-exact TCP directions of real Ceph
 * 16.2.15 sessions) and return their MESSAGE frames as CephMessages, header fields included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { CephMessage, decodeHeader2, StreamDecoder, Tag } from '@ts-ceph/messenger';

export const tracesDir = join(sharedDir(), 'ceph-traces');

export function messagesOfStream(file: string): CephMessage[] {
  const d = new StreamDecoder();
  d.push(readFileSync(file));
  const out: CephMessage[] = [];
  for (const it of d.drain()) {
    if (it.kind !== 'frame' || it.frame.tag !== Tag.MESSAGE) continue;
    const s = it.frame.segments;
    const h = decodeHeader2(s[0]!);
    const e = Buffer.alloc(0);
    out.push({ type: h.type, version: h.version, compatVersion: h.compatVersion, priority: h.priority, tid: h.tid, dataOff: h.dataOff, seq: h.seq, front: s[1] ?? e, middle: s[2] ?? e, data: s[3] ?? e });
  }
  return out;
}

/** Every stream file (client and daemon captures), sorted. */
export function streamFiles(): string[] {
  return [join(tracesDir, 'streams'), join(tracesDir, 'daemons', 'streams')].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.bin'))
      .sort()
      .map((f) => join(d, f)),
  );
}
