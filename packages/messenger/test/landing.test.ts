/**
 * Large MESSAGE frames land in place (core/landing.ts, src/tcp-read.ts): the frame reader asks for
 * the rest of a large frame to be read into one buffer, a transport that can reads it there, and
 * the frames decoded must be the frames sent, whatever the read sizes, in crc and secure mode,
 * whether the bytes land in place or are copied there. The TCP part checks that this node lets
 * accepted and connected sockets read into our buffers at all (the fast path rests on node:net
 * internals, see tcp-read.ts).
 */
import t from 'tap';
import { CephError } from '@ts-ceph/common';
import { freePort, waitFor } from '@ts-ceph/testkit';
import { createSessionCiphers, FrameAssembler, FrameReader, nativeGcmBinding, RxFrame, rxLimits, Tag, TcpTransport, TcpTransportFactory, Transport } from '../src';
import { Prng } from './lib/fuzz';

const secret = Buffer.alloc(40, 0x5a);

/** A MESSAGE frame's four segments, the data segment `dataBytes` long, all bytes from the seed. */
function segments(rng: Prng, dataBytes: number): Buffer[] {
  const fill = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = rng.int(256);
    return b;
  };
  return [fill(53), fill(1 + rng.int(300)), Buffer.alloc(0), fill(dataBytes)];
}

interface Fed {
  frames: RxFrame[];
  /** Bytes pushed as views of a buffer readTarget() returned. */
  inPlace: number;
  /** Data segments that are views of a buffer readTarget() returned. */
  landedSegments: number;
}

/**
 * Feed `wire` to `r` in reads of random size, as a transport does: into readTarget() when the
 * reader offers one (and `useTarget`), else into a fresh buffer of the transport's own.
 */
function feed(r: FrameReader, wire: Buffer, rng: Prng, useTarget: boolean, readMax: number): Fed {
  const out: Fed = { frames: [], inPlace: 0, landedSegments: 0 };
  const targets = new Set<ArrayBufferLike>();
  for (let p = 0; p < wire.length; ) {
    const want = 1 + rng.int(readMax);
    const target = useTarget ? r.readTarget() : undefined;
    const n = Math.min(want, wire.length - p, target ? target.length : Infinity);
    let got: Buffer;
    if (target) {
      wire.copy(target, 0, p, p + n);
      got = target.subarray(0, n);
      targets.add(target.buffer);
      out.inPlace += n;
    } else got = Buffer.from(wire.subarray(p, p + n));
    p += n;
    r.push(got);
    for (let f = r.next(); f; f = r.next()) {
      out.frames.push(f);
      if (f.segments[3] && targets.has(f.segments[3].buffer)) out.landedSegments++;
    }
  }
  return out;
}

function modes(): [string, (r: FrameReader, a: FrameAssembler) => void][] {
  const cipherModes: [string, (r: FrameReader, a: FrameAssembler) => void][] = [['crc', () => {}]];
  for (const [name, gcm] of [
    ['secure (native)', nativeGcmBinding()],
    ['secure (node:crypto)', undefined],
  ] as const) {
    if (name.includes('native') && !gcm) continue;
    cipherModes.push([
      name,
      (r, a) => {
        a.setCipher(createSessionCiphers(secret, false, gcm).tx);
        r.setCipher(createSessionCiphers(secret, true, gcm).rx);
      },
    ]);
  }
  return cipherModes;
}

for (const [mode, setup] of modes()) {
  t.test(`${mode}: frames of 4 KiB to 1 MiB decode the same whatever the reads`, async (t) => {
    for (const useTarget of [true, false]) {
      const rng = new Prng(7);
      const a = new FrameAssembler();
      const r = new FrameReader();
      setup(r, a);
      const sent = [4096, 1 << 20, rxLimits.frameLandBytesMin, 300_000, 1 << 20].map((n) => segments(rng, n));
      const wire = Buffer.concat(sent.flatMap((s) => a.assemble(Tag.MESSAGE, s, [8, 8, 8, 4096])));
      const fed = feed(r, wire, rng, useTarget, 200_000);
      t.equal(fed.frames.length, sent.length, `${useTarget ? 'in place' : 'copied'}: every frame`);
      fed.frames.forEach((f, i) => t.same(f.segments, sent[i], `frame ${i} segments`));
      t.equal(r.queue.length, 0, 'nothing left over');
      if (!useTarget) continue;
      t.ok(fed.inPlace > wire.length / 2, `most bytes read in place (${fed.inPlace} of ${wire.length})`);
      // crc mode: the data segment is a view of the landing buffer itself (no copy after the read).
      // Reads are at most 200 000 bytes, so the two 1 MiB frames and the 300 000-byte one always
      // land; the 64 KiB one only when its read ends before its end.
      if (mode === 'crc') t.ok(fed.landedSegments >= 3, `the large data segments are the buffers read into (${fed.landedSegments})`);
    }
  });
}

t.test('a frame split at every boundary around its preamble and end lands the same', async (t) => {
  const rng = new Prng(11);
  const a = new FrameAssembler();
  const sent = [segments(rng, 100_000), segments(rng, 70_000)];
  const wire = Buffer.concat(sent.flatMap((s) => a.assemble(Tag.MESSAGE, s, [8, 8, 8, 8])));
  const first = Buffer.concat(a.assemble(Tag.MESSAGE, sent[0]!, [8, 8, 8, 8])).length;
  let bad = 0;
  for (const cut of [1, 31, 32, 33, 100, 4096, first - 1, first, first + 1, first + 32, wire.length - 1]) {
    const r = new FrameReader();
    r.push(Buffer.from(wire.subarray(0, cut)));
    const frames: RxFrame[] = [];
    for (let f = r.next(); f; f = r.next()) frames.push(f);
    const target = r.readTarget();
    const restEnd = target ? Math.min(wire.length, cut + target.length) : cut;
    if (target) {
      wire.copy(target, 0, cut, restEnd);
      r.push(target.subarray(0, restEnd - cut));
    }
    r.push(Buffer.from(wire.subarray(restEnd)));
    for (let f = r.next(); f; f = r.next()) frames.push(f);
    if (frames.length !== 2 || !frames[0]!.segments[3]!.equals(sent[0]![3]!) || !frames[1]!.segments[3]!.equals(sent[1]![3]!)) bad++;
  }
  t.equal(bad, 0, 'both frames intact at every cut');
});

t.test('control frames never land; a landed frame with a bad crc is refused', async (t) => {
  const rng = new Prng(3);
  const a = new FrameAssembler();
  const big = Buffer.alloc(200_000, 7);
  const control = Buffer.concat(a.assemble(Tag.AUTH_REQUEST_MORE, [big], [8]));
  const r = new FrameReader();
  r.push(control.subarray(0, 40));
  t.equal(r.next(), undefined, 'incomplete');
  t.equal(r.readTarget(), undefined, 'a control frame is not read into a landing buffer');
  const wire = Buffer.concat(a.assemble(Tag.MESSAGE, segments(rng, 200_000), [8, 8, 8, 8]));
  wire[wire.length - 5000]! ^= 1;
  const r2 = new FrameReader();
  r2.push(wire.subarray(0, 1000));
  t.equal(r2.next(), undefined);
  const target = r2.readTarget()!;
  t.ok(target, 'a large MESSAGE frame offers a read target');
  wire.copy(target, 0, 1000);
  r2.push(target);
  let err: unknown;
  try {
    r2.next();
  } catch (e) {
    err = e;
  }
  t.equal(err instanceof CephError && err.code, 'EBADMSG', 'bad data crc: EBADMSG');
});

t.test('TCP: accepted and connected sockets read large frames into place', async (t) => {
  const f = new TcpTransportFactory();
  const port = await freePort();
  let accepted: Transport | undefined;
  const l = await f.listen({ ip: '127.0.0.1', port }, (tr) => (accepted = tr));
  t.teardown(() => l.close());
  const client = await f.connect({ ip: '127.0.0.1', port }, 2000);
  const server = await waitFor(() => accepted, 2000, 'accept', 1);
  const rng = new Prng(5);
  // Large frames (landed), then small ones whose short reads are copied out of a reused slab.
  const sent = [segments(rng, 1 << 20), segments(rng, 3 << 20), segments(rng, 100)];
  for (let i = 0; i < 200; i++) sent.push(segments(rng, rng.int(3000)));
  for (const [name, from, to] of [
    ['accepted', client, server],
    ['connected', server, client],
  ] as const) {
    t.ok((to as TcpTransport).readsInPlace, `${name} socket: reads go where we say (node:net onread state found)`);
    const r = new FrameReader();
    const frames: RxFrame[] = [];
    const targets = new Set<ArrayBufferLike>();
    let landed = 0;
    to.setHandlers({
      onData: (d) => {
        if (targets.has(d.buffer)) landed += d.length;
        r.push(d);
        for (let fr = r.next(); fr; fr = r.next()) frames.push(fr);
      },
      readTarget: () => {
        const target = r.readTarget();
        if (target) targets.add(target.buffer);
        return target;
      },
      onDrain() {},
      onClose() {},
    });
    from.setHandlers({ onData() {}, onDrain() {}, onClose() {} });
    const a = new FrameAssembler();
    // The small frames go out one write at a time (short reads), the others in one burst.
    from.write(sent.slice(0, 3).flatMap((s) => a.assemble(Tag.MESSAGE, s, [8, 8, 8, 8])));
    for (const s of sent.slice(3)) {
      from.write(a.assemble(Tag.MESSAGE, s, [8, 8, 8, 8]));
      await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor(() => frames.length === sent.length || undefined, 10_000, `${name}: frames`, 5);
    const intact = frames.filter((fr, i) => fr.segments[1]!.equals(sent[i]![1]!) && fr.segments[3]!.equals(sent[i]![3]!)).length;
    t.equal(intact, sent.length, `${name}: every frame's front and data intact`);
    t.ok(landed > 3.5 * (1 << 20), `${name}: most of the 4 MiB read in place (${landed} bytes)`);
  }
  client.destroy();
  server.destroy();
});
