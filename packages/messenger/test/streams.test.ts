/**
 * Acceptance 3: every byte stream a real Ceph 16.2.15 client, mon, mgr and OSD put on the wire
 * (../shared/ceph-traces streams, crc mode) decodes frame by frame with every CRC verified, agrees
 * with the independent Python decoder's frame list, re-encodes byte-identically (frames, control
 * payloads, message headers), and decodes the same fed whole, one byte at a time, and split at
 * every boundary (every byte for the small streams; every frame/segment edge ±1 for the big ones).
 */
import t from 'tap';
import {
  decodeControl,
  decodeHeader2,
  encodeControl,
  encodeHeader2,
  FrameAssembler,
  StreamDecoder,
  StreamItem,
  Tag,
  tagName,
} from '../src';
import { traceStreams, TraceStream } from './lib/traces';

const streams = traceStreams();
const exhaustiveSplitBytesMax = 4096;
const totals = { streams: 0, frames: 0, bytes: 0, splits: 0 };

function decodeChunks(chunks: Buffer[]): { items: StreamItem[]; left: number } {
  const d = new StreamDecoder();
  const items: StreamItem[] = [];
  for (const c of chunks) {
    d.push(c);
    items.push(...d.drain());
  }
  return { items, left: d.buffered };
}

function rawOf(items: StreamItem[]): Buffer[] {
  return items.map((it) => (it.kind === 'banner' ? it.raw : Buffer.concat(it.frame.raw)));
}

function sameItems(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((x, i) => x.equals(b[i]!));
}

/** Offsets where a frame, or a part of one, starts or ends. */
function boundaries(s: TraceStream, items: StreamItem[]): number[] {
  const out = new Set<number>();
  let off = 0;
  for (const it of items) {
    out.add(off);
    if (it.kind === 'banner') off += it.raw.length;
    else {
      out.add(off + 32);
      let o = off + 32;
      const segs = it.frame.segments;
      if (segs[0]!.length) o += segs[0]!.length + 4;
      out.add(o);
      for (let i = 1; i < segs.length; i++) out.add((o += segs[i]!.length));
      off += it.frame.raw.reduce((a, b) => a + b.length, 0);
    }
  }
  out.add(off);
  const all = new Set<number>();
  for (const b of out) for (const d of [-1, 0, 1]) if (b + d > 0 && b + d < s.bytes.length) all.add(b + d);
  return [...all].sort((x, y) => x - y);
}

for (const s of streams) {
  t.test(s.name, async (t) => {
    const whole = decodeChunks([s.bytes]);
    t.equal(whole.left, 0, 'no trailing bytes');
    const [banner, ...frames] = whole.items;
    t.equal(banner?.kind, 'banner', 'starts with the banner');
    if (banner?.kind === 'banner') {
      t.equal(banner.raw.length, s.bannerBytes, 'banner length as msgr2frames.py saw it');
      t.equal(banner.banner.supported, 1n, 'banner: supported = REVISION_1');
      t.equal(banner.banner.required, 0n, 'banner: required = 0');
    }
    t.equal(frames.length, s.golden.length, `${s.golden.length} frames as in the golden list`);
    const asm = new FrameAssembler();
    let reencoded = 0;
    frames.forEach((it, i) => {
      if (it.kind !== 'frame') return;
      const f = it.frame;
      const g = s.golden[i]!;
      const raw = Buffer.concat(f.raw);
      const what = `#${g.index} ${g.tag}`;
      if (tagName(f.tag) !== g.tag || raw.length !== g.bytes || f.segments.map((x) => x.length).join() !== g.segs.join()) {
        t.fail(`${what}: decoded ${tagName(f.tag)} segs=${f.segments.map((x) => x.length)} ${raw.length}B, golden: ${g.line}`);
      }
      t.notOk(f.aborted, `${what} not aborted`);
      // Frame level: the assembler rebuilds the exact bytes from the decoded segments.
      const again = Buffer.concat(asm.assemble(f.tag, f.segments, f.aligns));
      if (!again.equals(raw)) t.fail(`${what}: re-assembled frame differs`);
      // Payload level: control frames and message headers re-encode identically.
      if (f.tag === Tag.MESSAGE) {
        const h = decodeHeader2(f.segments[0]!);
        if (!encodeHeader2(h).equals(f.segments[0]!)) t.fail(`${what}: ceph_msg_header2 re-encodes differently`);
        if (h.flags !== 3) t.fail(`${what}: header flags ${h.flags}, expected COMPLETE|NOCRC`);
      } else {
        const c = decodeControl(f.tag, f.segments[0]!);
        if (!encodeControl(c).equals(f.segments[0]!)) t.fail(`${what}: control payload re-encodes differently`);
      }
      reencoded++;
    });
    t.equal(reencoded, s.golden.length, `all ${reencoded} frames re-encode byte-identically`);

    const ref = rawOf(whole.items);
    const bytewise = decodeChunks([...s.bytes].map((b) => Buffer.from([b])));
    t.ok(sameItems(rawOf(bytewise.items), ref) && bytewise.left === 0, 'fed one byte at a time: same frames');

    const cuts = s.bytes.length <= exhaustiveSplitBytesMax ? Array.from({ length: s.bytes.length - 1 }, (_, i) => i + 1) : boundaries(s, whole.items);
    let bad = 0;
    for (const c of cuts) {
      const r = decodeChunks([s.bytes.subarray(0, c), s.bytes.subarray(c)]);
      if (!sameItems(rawOf(r.items), ref) || r.left !== 0) bad++;
    }
    t.equal(bad, 0, `split at ${cuts.length} ${s.bytes.length <= exhaustiveSplitBytesMax ? 'positions (every byte)' : 'boundaries'}: same frames`);
    totals.streams++;
    totals.frames += frames.length;
    totals.bytes += s.bytes.length;
    totals.splits += cuts.length;
  });
}

t.test('there are streams to check', async (t) => {
  t.ok(streams.length >= 20, `${streams.length} streams found`);
});

t.teardown(() => {
  console.log(`# streams: ${totals.streams} streams, ${totals.frames} frames, ${totals.bytes} bytes, ${totals.splits} split points, all re-encoded identically`);
});
