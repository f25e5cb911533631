import { CephError, cephError } from '@ts-ceph/common';
import { Endpoint, Listener, Transport, TransportFactory, TransportHandlers } from './transport';

/**
 * An in-process network for tests and simulation: a listener registry keyed by ip:port and
 * transport pairs whose writes are delivered on a later microtask (never synchronously, like a socket).
 * A link can be cut with `sever()` to inject faults.
 */
export class MemoryTransport implements Transport {
  peer: MemoryTransport | undefined;
  private handlers: TransportHandlers | undefined;
  private early: Buffer[] = [];
  private inflight = 0;
  private paused = false;
  private held: Buffer[] = [];
  private closeReported = false;
  closed = false;

  constructor(
    readonly local: Endpoint,
    readonly remote: Endpoint,
    readonly highWaterBytes = 1 << 20,
  ) {}

  setHandlers(h: TransportHandlers): void {
    this.handlers = h;
    const e = this.early;
    this.early = [];
    for (const d of e) h.onData(d);
  }

  write(data: Buffer[], done?: () => void): boolean {
    if (this.closed) return false;
    // The bytes are copied here, so the caller's buffers are free at once (reported a turn later).
    const bytes = Buffer.concat(data);
    this.inflight += bytes.length;
    queueMicrotask(() => {
      done?.();
      this.inflight -= bytes.length;
      this.peer?.deliver(bytes);
      if (this.inflight < this.highWaterBytes) this.handlers?.onDrain();
    });
    return this.inflight < this.highWaterBytes;
  }

  get bufferedBytes(): number {
    return this.inflight;
  }

  private deliver(b: Buffer): void {
    if (this.closed) return;
    if (this.paused) this.held.push(b);
    else if (this.handlers) this.handlers.onData(b);
    else this.early.push(b);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const h = this.held;
    this.held = [];
    for (const b of h) this.deliver(b);
  }

  close(): void {
    if (this.closed) return;
    // Let queued writes reach the peer first, as socket.end() does.
    queueMicrotask(() => queueMicrotask(() => this.shut(undefined)));
    this.closed = true;
  }

  destroy(error?: CephError): void {
    this.closed = true;
    this.shut(error);
  }

  /** Cut the link as a network failure would: both ends see ECONNRESET. */
  sever(): void {
    const p = this.peer;
    this.destroy(cephError('ECONNRESET', 'link severed'));
    p?.destroy(cephError('ECONNRESET', 'link severed'));
  }

  private shut(error?: CephError): void {
    this.closed = true;
    this.report(error);
    const p = this.peer;
    if (p && !p.closed) {
      p.closed = true;
      queueMicrotask(() => p.report(undefined));
    }
  }

  private report(error?: CephError): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.handlers?.onClose(error);
  }
}

export class MemoryNetwork implements TransportFactory {
  private readonly listeners = new Map<string, (t: Transport) => void>();
  private nextPort = 40000;
  readonly links: MemoryTransport[] = [];

  connect(remote: Endpoint, _timeoutMs: number): Promise<Transport> {
    const accept = this.listeners.get(`${remote.ip}:${remote.port}`);
    if (!accept) return Promise.reject(cephError('ECONNREFUSED', `nothing listens on ${remote.ip}:${remote.port}`));
    const local = { ip: '127.0.0.1', port: this.nextPort++ };
    const a = new MemoryTransport(local, remote);
    const b = new MemoryTransport(remote, local);
    a.peer = b;
    b.peer = a;
    this.links.push(a);
    queueMicrotask(() => accept(b));
    return Promise.resolve(a);
  }

  listen(local: Endpoint, onAccept: (t: Transport) => void): Promise<Listener> {
    const port = local.port || this.nextPort++;
    const key = `${local.ip}:${port}`;
    if (this.listeners.has(key)) return Promise.reject(cephError('EADDRINUSE', `${key} in use`));
    this.listeners.set(key, onAccept);
    return Promise.resolve({ local: { ip: local.ip, port }, close: async () => void this.listeners.delete(key) });
  }

  /** Sever every open link (a network partition healing at once). */
  severAll(): void {
    for (const l of this.links) if (!l.closed) l.sever();
  }
}
