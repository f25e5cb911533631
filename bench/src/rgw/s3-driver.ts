// The S3 load driver of bench/rgw, the same for every gateway: N clients, each one keep-alive HTTP
// connection issuing one request after another (hsbench's and warp's model), every request signed
// with SigV4 in the Authorization header and carrying the body's SHA-256 (as the AWS CLI does over
// plain HTTP, so a gateway must hash every body it receives). The signer is our own, written from
// AWS's SigV4 documentation, not ts-rgw's, so a shared bug cannot make both sides agree.
import { createHash, createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';

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
};

const region = 'us-east-1';
const hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const hmac = (k: Buffer | string, s: string): Buffer => createHmac('sha256', k).update(s).digest();

export class S3Client {
  private readonly agent: Agent;
  private keyDay = '';
  private key: Buffer = Buffer.alloc(0);

  constructor(private readonly t: S3Target, sockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /** The SigV4 headers of a request whose body hashes to `payloadHash` (path already URI-encoded). */
  private sign(method: string, path: string, payloadHash: string): Record<string, string> {
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    if (day !== this.keyDay) {
      this.key = hmac(hmac(hmac(hmac(`AWS4${this.t.secretKey}`, day), region), 's3'), 'aws4_request');
      this.keyDay = day;
    }
    const host = `127.0.0.1:${this.t.port}`;
    const signed = 'host;x-amz-content-sha256;x-amz-date';
    const canonical = [method, path, '', `host:${host}`, `x-amz-content-sha256:${payloadHash}`, `x-amz-date:${amzDate}`, '', signed, payloadHash].join('\n');
    const scope = `${day}/${region}/s3/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonical)].join('\n');
    const sig = createHmac('sha256', this.key).update(toSign).digest('hex');
    return {
      host,
      'x-amz-date': amzDate,
      'x-amz-content-sha256': payloadHash,
      authorization: `AWS4-HMAC-SHA256 Credential=${this.t.accessKey}/${scope}, SignedHeaders=${signed}, Signature=${sig}`,
    };
  }

  /** One request; resolves with the status and the body's length (the body itself is dropped). */
  send(method: string, path: string, body?: { data: Buffer; sha256: string }): Promise<{ status: number; bytes: number }> {
    const headers: Record<string, string | number> = this.sign(method, path, body?.sha256 ?? hex(''));
    if (body) headers['content-length'] = body.data.length;
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.t.port, method, path, headers, agent: this.agent, timeout: s3DriverLimits.requestTimeoutMs }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${this.t.name}: ${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body?.data);
    });
  }

  /** The same, failing unless the status is `want`. */
  async must(method: string, path: string, want: number, body?: { data: Buffer; sha256: string }): Promise<number> {
    const r = await this.send(method, path, body);
    if (r.status !== want) throw new Error(`${this.t.name}: ${method} ${path}: HTTP ${r.status}, expected ${want}`);
    return r.bytes;
  }

  close(): void {
    this.agent.destroy();
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
