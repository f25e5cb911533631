// The S3 load driver of bench/rgw, the same for every gateway: N clients, each one keep-alive HTTP
// connection issuing one request after another (hsbench's and warp's model), every request signed
// with SigV4 in the Authorization header and carrying the body's SHA-256 (as the AWS CLI does over
// plain HTTP, so a gateway must hash every body it receives). The signer is our own, written from
// AWS's SigV4 documentation, not ts-rgw's, so a shared bug cannot make both sides agree.
import { createHash, createHmac } from 'node:crypto';
import { connect, Socket } from 'node:net';

export interface S3Target {
  name: string;
  port: number;
  accessKey: string;
  secretKey: string;
}

/** Named limits of the driver (docs/LIMITS.md, "bench"). */
export const s3DriverLimits = {
  /** A request that takes longer is an error: the run stops instead of hanging. */
  requestTimeoutMs: 60_000,
  /** A response head (status line and headers) larger than this is an error. */
  responseHeadBytesMax: 64 << 10,
};

const region = 'us-east-1';
const hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const hmac = (k: Buffer | string, s: string): Buffer => createHmac('sha256', k).update(s).digest();
const emptySha256 = hex('');
const crlf2 = Buffer.from('\r\n\r\n');

interface Pending {
  resolve(r: { status: number; bytes: number }): void;
  reject(e: Error): void;
  /** Has the request no response body whatever the headers say (HEAD)? */
  head: boolean;
}

/**
 * One keep-alive HTTP/1.1 connection with one request at a time, written and read by hand: the
 * driver shares the two cores with the gateway and the cluster, so the less CPU it spends per
 * request (node:http's client costs about as much as a light gateway), the more the objects/s
 * measure the gateway. The response head is parsed for the status, Content-Length and chunked
 * Transfer-Encoding; the body is counted, not kept.
 */
class Conn {
  private buf: Buffer | undefined;
  private cur: Pending | undefined;
  /** Body bytes still to come (Content-Length), -1 while the head is awaited, -2 for a chunked body. */
  private left = -1;
  private status = 0;
  private bytes = 0;
  private chunkLeft = 0;
  closed = false;

  constructor(
    private readonly sock: Socket,
    private readonly name: string,
  ) {
    sock.setNoDelay(true);
    sock.setTimeout(s3DriverLimits.requestTimeoutMs, () => this.fail(new Error(`${name}: request timed out`)));
    sock.on('data', (d: Buffer) => this.onData(d));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error(`${name}: connection closed`)));
  }

  send(head: string, body: Buffer | undefined, p: Pending): void {
    if (this.closed) return p.reject(new Error(`${this.name}: connection closed`));
    this.cur = p;
    this.left = -1;
    this.bytes = 0;
    // Head and body in one writev (corked): one syscall, and the body is not copied.
    this.sock.cork();
    this.sock.write(head, 'latin1');
    if (body?.length) this.sock.write(body);
    this.sock.uncork();
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }

  private fail(e: Error): void {
    this.closed = true;
    this.sock.destroy();
    const p = this.cur;
    this.cur = undefined;
    p?.reject(e);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    while (this.buf && this.cur) {
      if (this.left === -1 && !this.readHead()) return;
      if (!this.readBody()) return;
    }
  }

  /** The status line and headers, once they are all there. */
  private readHead(): boolean {
    const b = this.buf!;
    const end = b.indexOf(crlf2);
    if (end < 0) {
      if (b.length > s3DriverLimits.responseHeadBytesMax) this.fail(new Error(`${this.name}: response head over responseHeadBytesMax`));
      return false;
    }
    const lines = b.toString('latin1', 0, end).split('\r\n');
    this.status = Number(lines[0]!.split(' ')[1]);
    let length = 0;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i]!;
      const colon = l.indexOf(':');
      const name = l.slice(0, colon).toLowerCase();
      if (name === 'content-length') length = Number(l.slice(colon + 1));
      else if (name === 'transfer-encoding') chunked = /chunked/i.test(l.slice(colon + 1));
    }
    const bodyless = this.cur!.head || this.status === 204 || this.status === 304;
    this.left = bodyless ? 0 : chunked ? -2 : length;
    this.chunkLeft = 0;
    this.buf = b.length > end + 4 ? b.subarray(end + 4) : undefined;
    return true;
  }

  /** Count the body; true once the response is complete (it is then answered). */
  private readBody(): boolean {
    if (this.left === -2) {
      if (!this.readChunks()) return false;
    } else {
      const n = Math.min(this.left, this.buf?.length ?? 0);
      this.bytes += n;
      this.left -= n;
      this.buf = this.buf && this.buf.length > n ? this.buf.subarray(n) : undefined;
      if (this.left > 0) return false;
    }
    const p = this.cur!;
    this.cur = undefined;
    this.left = -1;
    p.resolve({ status: this.status, bytes: this.bytes });
    return true;
  }

  /** A chunked body: size lines, data, and the last chunk (size 0) with an empty trailer. */
  private readChunks(): boolean {
    for (;;) {
      const b = this.buf;
      if (!b) return false;
      if (this.chunkLeft > 0) {
        const n = Math.min(this.chunkLeft, b.length);
        this.bytes += n;
        this.chunkLeft -= n;
        this.buf = b.length > n ? b.subarray(n) : undefined;
        continue;
      }
      const eol = b.indexOf('\r\n');
      if (eol < 0) return false;
      const line = b.toString('latin1', 0, eol);
      // The CRLF after a chunk's data comes back here as an empty line.
      if (line === '') {
        this.buf = b.length > 2 ? b.subarray(2) : undefined;
        continue;
      }
      const size = parseInt(line, 16);
      if (size > 0) {
        this.chunkLeft = size;
        this.buf = b.length > eol + 2 ? b.subarray(eol + 2) : undefined;
        continue;
      }
      // The last chunk: wait for the end of its (empty) trailer.
      const end = b.indexOf(crlf2, eol);
      if (end < 0) return false;
      this.buf = b.length > end + 4 ? b.subarray(end + 4) : undefined;
      return true;
    }
  }
}

export class S3Client {
  private keyDay = '';
  private key: Buffer = Buffer.alloc(0);
  private readonly idle: Conn[] = [];
  private readonly waiting: ((c: Conn) => void)[] = [];
  private readonly all = new Set<Conn>();
  private readonly host: string;
  /** The x-amz-date of the current second, made once per second. */
  private dateSec = -1;
  private amzDate = '';

  constructor(
    private readonly t: S3Target,
    private readonly sockets: number,
  ) {
    this.host = `127.0.0.1:${t.port}`;
  }

  private now(): string {
    const sec = Math.floor(Date.now() / 1000);
    if (sec !== this.dateSec) {
      this.dateSec = sec;
      this.amzDate = new Date(sec * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    }
    return this.amzDate;
  }

  /** The SigV4-signed request head for a body hashing to `payloadHash` (path already URI-encoded). */
  private head(method: string, path: string, payloadHash: string, length: number | undefined): string {
    const amzDate = this.now();
    const day = amzDate.slice(0, 8);
    if (day !== this.keyDay) {
      this.key = hmac(hmac(hmac(hmac(`AWS4${this.t.secretKey}`, day), region), 's3'), 'aws4_request');
      this.keyDay = day;
    }
    const signed = 'host;x-amz-content-sha256;x-amz-date';
    const canonical = `${method}\n${path}\n\nhost:${this.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n\n${signed}\n${payloadHash}`;
    const scope = `${day}/${region}/s3/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${hex(canonical)}`;
    const sig = createHmac('sha256', this.key).update(toSign).digest('hex');
    const auth = `AWS4-HMAC-SHA256 Credential=${this.t.accessKey}/${scope}, SignedHeaders=${signed}, Signature=${sig}`;
    const len = length !== undefined ? `content-length: ${length}\r\n` : method === 'PUT' || method === 'POST' ? 'content-length: 0\r\n' : '';
    return `${method} ${path} HTTP/1.1\r\nhost: ${this.host}\r\nx-amz-date: ${amzDate}\r\nx-amz-content-sha256: ${payloadHash}\r\nauthorization: ${auth}\r\n${len}\r\n`;
  }

  private conn(): Promise<Conn> {
    let c = this.idle.pop();
    // A connection the gateway closed while idle is dropped here.
    while (c?.closed) {
      this.all.delete(c);
      c = this.idle.pop();
    }
    if (c) return Promise.resolve(c);
    if (this.all.size < this.sockets) {
      const sock = connect({ host: '127.0.0.1', port: this.t.port });
      const fresh = new Conn(sock, this.t.name);
      this.all.add(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private put(c: Conn): void {
    if (c.closed) {
      this.all.delete(c);
      return;
    }
    const w = this.waiting.shift();
    if (w) w(c);
    else this.idle.push(c);
  }

  /** One request; resolves with the status and the body's length (the body itself is dropped). */
  async send(method: string, path: string, body?: { data: Buffer; sha256: string }): Promise<{ status: number; bytes: number }> {
    const head = this.head(method, path, body?.sha256 ?? emptySha256, body?.data.length);
    const c = await this.conn();
    try {
      return await new Promise((resolve, reject) => c.send(head, body?.data, { resolve, reject, head: method === 'HEAD' }));
    } finally {
      this.put(c);
    }
  }

  /** The same, failing unless the status is `want`. */
  async must(method: string, path: string, want: number, body?: { data: Buffer; sha256: string }): Promise<number> {
    const r = await this.send(method, path, body);
    if (r.status !== want) throw new Error(`${this.t.name}: ${method} ${path}: HTTP ${r.status}, expected ${want}`);
    return r.bytes;
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.idle.length = 0;
  }
}

export interface RunStats {
  ops: number;
  seconds: number;
  /** Per-request latencies, ms, sorted. */
  latMs: number[];
}

export const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);
export const pct = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : 0);

/**
 * `clients` loops, each issuing `op(client, n)` for n = 0, 1, ... until `seconds` have passed (or
 * `limit(client)` requests are done); every request's latency is kept.
 */
export async function closedLoop(clients: number, seconds: number, op: (client: number, n: number) => Promise<void>, limit?: (client: number) => number): Promise<RunStats> {
  const lat: number[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const max = limit?.(c) ?? Infinity;
      for (let n = 0; n < max && performance.now() < end; n++) {
        const s = performance.now();
        await op(c, n);
        lat.push(performance.now() - s);
      }
    }),
  );
  return { ops: lat.length, seconds: (performance.now() - t0) / 1000, latMs: lat.sort((a, b) => a - b) };
}
