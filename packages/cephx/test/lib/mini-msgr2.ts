/**
 * Just enough msgr2.1 in crc mode to run the authentication phase against a real Ceph daemon or
 * client: banner, single-segment control frames (preamble crc32c seed 0, segment crc32c seed
 * 0xffffffff, as ceph-ref/msgr2frames.py documents), and a socket wrapper that records every byte
 * in each direction (AUTH_SIGNATURE is an HMAC over them). The real frame codec is
 * packages/messenger's; this exists so cephx can be tested against real Ceph without it (the tag
 * numbers are the messenger's Tag table).
 */
import { Socket } from 'node:net';
import { crc32c } from '@ts-ceph/denc';

export const BANNER = Buffer.concat([Buffer.from('ceph v2\n', 'latin1'), Buffer.from([16, 0]), Buffer.from('0100000000000000' + '0000000000000000', 'hex')]);

export function encodeFrame(tag: number, segment: Buffer): Buffer {
  const pre = Buffer.alloc(32);
  pre[0] = tag;
  pre[1] = 1;
  pre.writeUInt32LE(segment.length, 2);
  pre.writeUInt16LE(8, 6);
  pre.writeUInt32LE(crc32c(0, pre.subarray(0, 28)), 28);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32c(0xffffffff, segment));
  return Buffer.concat([pre, segment, crc]);
}

export function blob(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return Buffer.concat([len, b]);
}

export function u32s(v: number[]): Buffer {
  const out = Buffer.alloc(4 + 4 * v.length);
  out.writeUInt32LE(v.length);
  v.forEach((x, i) => out.writeUInt32LE(x, 4 + 4 * i));
  return out;
}

export interface RxFrame {
  tag: number;
  segments: Buffer[];
}

/** A socket that records what it sent and received and reads whole frames. */
export class FrameSocket {
  rx = Buffer.alloc(0);
  private readPos = 0;
  tx: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.rx = Buffer.concat([this.rx, d]);
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  private async need(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.rx.length - this.readPos < n) {
      if (this.closed) throw new Error(`connection closed while waiting for ${n} bytes`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  send(b: Buffer): void {
    this.tx.push(b);
    this.sock.write(b);
  }

  sendFrame(tag: number, segment: Buffer): void {
    this.send(encodeFrame(tag, segment));
  }

  /** Bytes received so far up to the last frame read. */
  received(): Buffer {
    return this.rx.subarray(0, this.readPos);
  }

  sent(): Buffer {
    return Buffer.concat(this.tx);
  }

  async readBanner(timeoutMs = 10_000): Promise<Buffer> {
    await this.need(26, timeoutMs);
    const b = this.rx.subarray(this.readPos, this.readPos + 26);
    this.readPos += 26;
    return b;
  }

  async readFrame(timeoutMs = 10_000): Promise<RxFrame> {
    await this.need(32, timeoutMs);
    const pre = this.rx.subarray(this.readPos, this.readPos + 32);
    if (crc32c(0, pre.subarray(0, 28)) !== pre.readUInt32LE(28)) throw new Error('bad preamble crc');
    const nseg = pre[1]!;
    const lens = [0, 1, 2, 3].map((i) => pre.readUInt32LE(2 + 6 * i)).slice(0, nseg);
    const total = 32 + lens.reduce((a, b) => a + b, 0) + 4 + (nseg > 1 ? 13 : 0);
    await this.need(total, timeoutMs);
    let o = this.readPos + 32;
    const segments: Buffer[] = [];
    lens.forEach((l, i) => {
      segments.push(this.rx.subarray(o, o + l));
      o += l + (i === 0 ? 4 : 0);
    });
    this.readPos += total;
    return { tag: pre[0]!, segments };
  }
}
