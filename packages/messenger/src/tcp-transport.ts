import { connect as netConnect, createServer, Server, Socket } from 'node:net';
import { CephError, cephError, Errno, ErrnoName, logger } from '@ts-ceph/common';
import { readInPlace } from './tcp-read';
import { Endpoint, Listener, Transport, TransportFactory, TransportHandlers } from './transport';

const log = logger('ms');

/** Write high-water mark of a TCP transport: above it write() returns false (tcpHighWaterBytes). */
export const tcpHighWaterBytes = 4 << 20;

/** node:net errors as CephErrors with Ceph's errno (ECONNREFUSED, ECONNRESET, ETIMEDOUT ...). */
export function netError(e: unknown, what: string): CephError {
  const code = (e as { code?: string }).code ?? 'EIO';
  const name: ErrnoName = code in Errno ? (code as ErrnoName) : 'EIO';
  return cephError(name, `${what}: ${(e as Error).message ?? String(e)}`, { cause: e });
}

export class TcpTransport implements Transport {
  private handlers: TransportHandlers | undefined;
  private early: Buffer[] = [];
  private closeReported = false;
  private ended = false;
  closed = false;
  readonly highWaterBytes: number;
  /** Reads go where the receiver's readTarget says (tcp-read.ts); false: node's own buffers. */
  readonly readsInPlace: boolean;

  constructor(
    private readonly sock: Socket,
    highWaterBytes = tcpHighWaterBytes,
  ) {
    this.highWaterBytes = highWaterBytes;
    sock.setNoDelay(true);
    const deliver = (d: Buffer): void => (this.handlers ? this.handlers.onData(d) : void this.early.push(d));
    this.readsInPlace = readInPlace(sock, () => this.handlers?.readTarget?.(), deliver);
    sock.on('data', deliver);
    sock.on('drain', () => this.handlers?.onDrain());
    sock.on('error', (e) => this.reportClose(netError(e, 'socket error')));
    sock.on('end', () => {
      this.ended = true;
      sock.end();
    });
    sock.on('close', () => this.reportClose(this.closed || this.ended ? undefined : cephError('ECONNRESET', 'connection closed')));
  }

  setHandlers(h: TransportHandlers): void {
    this.handlers = h;
    const early = this.early;
    this.early = [];
    for (const d of early) h.onData(d);
  }

  /**
   * Writes made in one turn of the event loop (a burst of sends) are coalesced into one corked
   * batch, so the kernel sees one writev instead of one per frame. The batch goes out after the
   * turn's I/O callbacks (setImmediate), not after the current callback (nextTick): a client
   * answering many sockets in one poll (a gateway's HTTP requests, an OSD's replies) then sends
   * their RADOS messages to one peer with one syscall, where each syscall on loopback also pays
   * for the peer's receive path.
   */
  write(data: Buffer[], done?: () => void): boolean {
    if (this.closed || this.sock.destroyed) return false;
    for (const b of data) {
      if (!b.length) continue;
      this.pending.push(b);
      this.pendingBytes += b.length;
    }
    if (done) this.pendingDone.push(done);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushPendingBound);
    }
    return this.bufferedBytes < this.highWaterBytes;
  }

  private readonly pending: Buffer[] = [];
  /** done callbacks of the write() calls whose buffers are in `pending`, in order. */
  private pendingDone: (() => void)[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private readonly flushPendingBound = (): void => this.flushPending();

  /**
   * One sock.write per run of adjacent buffers: buffers that sit one after the other in one
   * ArrayBuffer (frames the assembler carved from one slab in a row) go out as one view of it, so
   * a burst of small frames costs the socket's stream bookkeeping once rather than per frame (the
   * bytes are the same; nothing is copied). The write() calls' done callbacks run, in order, from
   * the callback of the flush's last write: the socket completes a corked batch in order, so
   * libuv then holds none of the flush's buffers.
   */
  private flushPending(): void {
    this.flushScheduled = false;
    const p = this.pending;
    const n = p.length;
    const done = this.pendingDone;
    if (done.length) this.pendingDone = [];
    this.pendingBytes = 0;
    if (this.sock.destroyed) {
      p.length = 0;
      return;
    }
    const finish = done.length ? (): void => runAll(done) : undefined;
    if (n === 0) {
      if (finish) queueMicrotask(finish);
      return;
    }
    // Corked even for a single buffer: uncorked, a lone 4 MiB secure frame per flush stalled the
    // connection (bench/messenger 4 MiB secure mode never completed; cause not established), and
    // the corked batch is what the transport always did before.
    this.sock.cork();
    let run = p[0]!;
    let runBytes = run.length;
    for (let i = 1; i < n; i++) {
      const b = p[i]!;
      if (b.buffer === run.buffer && b.byteOffset === run.byteOffset + runBytes) {
        runBytes += b.length;
        continue;
      }
      this.sock.write(runBytes === run.length ? run : Buffer.from(run.buffer, run.byteOffset, runBytes));
      run = b;
      runBytes = b.length;
    }
    const last = runBytes === run.length ? run : Buffer.from(run.buffer, run.byteOffset, runBytes);
    if (finish) this.sock.write(last, finish);
    else this.sock.write(last);
    // write() is never re-entered from a socket write, but keep anything appended meanwhile.
    if (p.length === n) p.length = 0;
    else p.splice(0, n);
    this.sock.uncork();
  }

  get bufferedBytes(): number {
    return this.sock.writableLength + this.pendingBytes;
  }

  get local(): Endpoint {
    return { ip: this.sock.localAddress ?? '', port: this.sock.localPort ?? 0 };
  }

  get remote(): Endpoint {
    return { ip: this.sock.remoteAddress ?? '', port: this.sock.remotePort ?? 0 };
  }

  pause(): void {
    this.sock.pause();
  }

  resume(): void {
    this.sock.resume();
  }

  close(): void {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    this.sock.end();
    // A peer that never reads must not keep us half-open forever.
    setTimeout(() => this.sock.destroy(), 5000).unref();
  }

  destroy(error?: CephError): void {
    this.closed = true;
    this.sock.destroy();
    this.reportClose(error);
  }

  private reportClose(error?: CephError): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.closed = true;
    this.handlers?.onClose(error);
  }
}

function runAll(fns: readonly (() => void)[]): void {
  for (const f of fns) f();
}

export class TcpTransportFactory implements TransportFactory {
  constructor(private readonly highWaterBytes = tcpHighWaterBytes) {}

  connect(remote: Endpoint, timeoutMs: number): Promise<Transport> {
    return new Promise((resolve, reject) => {
      const sock = netConnect({ host: remote.ip, port: remote.port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(cephError('ETIMEDOUT', `connect to ${remote.ip}:${remote.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(new TcpTransport(sock, this.highWaterBytes));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(netError(e, `connect to ${remote.ip}:${remote.port}`));
      });
    });
  }

  listen(local: Endpoint, onAccept: (t: Transport) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server: Server = createServer((sock) => onAccept(new TcpTransport(sock, this.highWaterBytes)));
      const onListenError = (e: Error) => reject(netError(e, `listen on ${local.ip}:${local.port}`));
      server.once('error', onListenError);
      server.listen(local.port, local.ip, () => {
        server.off('error', onListenError);
        // Once listening, the server still emits 'error' when accept() fails (EMFILE/ENFILE when a
        // flood of connections used up the descriptors). Unhandled, that would end the process; it
        // is logged and the listener keeps accepting once descriptors are free again.
        server.on('error', (e) => log.dout(0, `accept on ${local.ip}:${local.port} failed: ${(e as Error).message}`));
        const a = server.address() as { address: string; port: number };
        resolve({
          local: { ip: a.address, port: a.port },
          close: () => new Promise<void>((res) => server.close(() => res())),
        });
      });
    });
  }
}
