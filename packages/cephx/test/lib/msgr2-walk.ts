/**
 * A minimal walker over captured crc-mode msgr2 (rev1) byte streams, just enough to pull the AUTH_*
 * frames out of ceph-traces/streams for the cephx golden tests. The real frame codec lives in
 * packages/messenger; this one only splits frames (layout from ceph-ref/msgr2frames.py: banner, then
 * 32-byte preambles {u8 tag, u8 nseg, 4 x (le32 len, le16 align), u8 flags, u8 reserved, le32 crc},
 * segment 0 + le32 crc, further segments, and a 13-byte epilogue when there is more than one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';

export const Tag = { HELLO: 1, AUTH_REQUEST: 2, AUTH_BAD_METHOD: 3, AUTH_REPLY_MORE: 4, AUTH_REQUEST_MORE: 5, AUTH_DONE: 6, AUTH_SIGNATURE: 7 } as const;

export interface Frame {
  tag: number;
  segments: Buffer[];
  /** Offset just past this frame in the stream (for the pre-auth HMAC over "everything so far"). */
  end: number;
}

export function walk(stream: Buffer): { bannerEnd: number; frames: Frame[] } {
  if (stream.subarray(0, 8).toString('latin1') !== 'ceph v2\n') throw new Error('no msgr2 banner');
  let off = 10 + stream.readUInt16LE(8);
  const bannerEnd = off;
  const frames: Frame[] = [];
  while (off + 32 <= stream.length) {
    const tag = stream[off]!;
    const nseg = stream[off + 1]!;
    const lens = [0, 1, 2, 3].map((i) => stream.readUInt32LE(off + 2 + 6 * i));
    let o = off + 32;
    const segments: Buffer[] = [];
    for (let i = 0; i < nseg; i++) {
      segments.push(stream.subarray(o, o + lens[i]!));
      o += lens[i]!;
      if (i === 0) o += 4;
    }
    if (nseg > 1) o += 13;
    if (o > stream.length) break;
    frames.push({ tag, segments, end: o });
    off = o;
  }
  return { bannerEnd, frames };
}

export function loadStream(capture: string, n: number, dir: 'c2s' | 's2c'): Buffer {
  return readFileSync(join(sharedDir(), 'ceph-traces', 'streams', `pcap-${capture}.${String(n).padStart(2, '0')}.${dir}.bin`));
}

export interface AuthFrames {
  c2s: Buffer;
  s2c: Buffer;
  request: { method: number; modes: number[]; payload: Buffer; frame: Frame };
  replyMore: { payload: Buffer; frame: Frame };
  requestMore: { payload: Buffer; frame: Frame };
  done: { globalId: bigint; conMode: number; payload: Buffer; frame: Frame };
  clientSignature: Buffer;
  serverSignature: Buffer;
}

function one(frames: Frame[], tag: number): Frame {
  const f = frames.filter((x) => x.tag === tag);
  if (f.length !== 1) throw new Error(`expected one frame with tag ${tag}, found ${f.length}`);
  return f[0]!;
}

/** The cephx exchange of one captured connection. */
export function authFrames(capture: string, n: number): AuthFrames {
  const c2s = loadStream(capture, n, 'c2s');
  const s2c = loadStream(capture, n, 's2c');
  const cf = walk(c2s).frames;
  const sf = walk(s2c).frames;
  const req = one(cf, Tag.AUTH_REQUEST);
  const p = req.segments[0]!;
  const nModes = p.readUInt32LE(4);
  const modes = [...Array(nModes).keys()].map((i) => p.readUInt32LE(8 + 4 * i));
  const plen = p.readUInt32LE(8 + 4 * nModes);
  const blob = (f: Frame) => f.segments[0]!.subarray(4, 4 + f.segments[0]!.readUInt32LE(0));
  const rm = one(sf, Tag.AUTH_REPLY_MORE);
  const qm = one(cf, Tag.AUTH_REQUEST_MORE);
  const done = one(sf, Tag.AUTH_DONE);
  const d = done.segments[0]!;
  return {
    c2s,
    s2c,
    request: { method: p.readUInt32LE(0), modes, payload: p.subarray(12 + 4 * nModes, 12 + 4 * nModes + plen), frame: req },
    replyMore: { payload: blob(rm), frame: rm },
    requestMore: { payload: blob(qm), frame: qm },
    done: { globalId: d.readBigUInt64LE(0), conMode: d.readUInt32LE(8), payload: d.subarray(16, 16 + d.readUInt32LE(12)), frame: done },
    clientSignature: one(cf, Tag.AUTH_SIGNATURE).segments[0]!,
    serverSignature: one(sf, Tag.AUTH_SIGNATURE).segments[0]!,
  };
}

/** The keys of the cluster the pcaps were captured on (ceph-traces/pcap-keys.txt). */
export function pcapKeys(): Map<string, string> {
  const text = readFileSync(join(sharedDir(), 'ceph-traces', 'pcap-keys.txt'), 'utf8');
  const out = new Map<string, string>();
  let cur = '';
  for (const line of text.split('\n')) {
    const sect = /^\[(.+)\]$/.exec(line.trim());
    const ent = /^([a-z]+\.[^\s:]*)$/.exec(line.trim());
    const key = /key\s*[=:]\s*(\S+)/.exec(line);
    if (sect) cur = sect[1]!;
    else if (ent && !line.startsWith('\t') && !line.startsWith('#')) cur = ent[1]!;
    else if (key && cur) out.set(cur, key[1]!);
  }
  return out;
}
