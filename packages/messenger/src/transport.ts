import { CephError } from '@ts-ceph/common';

/**
 * A byte-stream connection under the msgr2 protocol (STYLE §4): TCP in production, a simulated
 * network in tests. The contract, checked by test/transport-compliance.test.ts for every
 * implementation:
 *  - write() queues the buffers in order and returns false once `bufferedBytes` is over the
 *    high-water mark; 'drain' follows when it falls below again (backpressure, like net.Socket).
 *  - onData delivers bytes in order; onClose fires exactly once, with an error unless the close was
 *    ours or a clean end from the peer.
 *  - close() flushes queued writes then ends; destroy() drops them at once. Neither throws.
 *  - write()'s `done`, if given, is called at most once, never from inside write(), and only when
 *    the transport holds no reference to those buffers any more (a transport destroyed with the
 *    write still queued may never call it). The caller may then reuse the buffers.
 *  - readTarget, if the receiver has it and the transport can choose where it reads to, is asked
 *    before each read: the bytes of that read then go into the returned buffer (from its start,
 *    never more than its length) and onData is given the filled view of it. Undefined: the
 *    transport's own buffer. A transport that cannot choose ignores it (onData then carries bytes
 *    in buffers of the transport's, and the receiver copies them where they belong).
 */
export interface TransportHandlers {
  onData(data: Buffer): void;
  readTarget?(): Buffer | undefined;
  onDrain(): void;
  onClose(error?: CephError): void;
}

export interface Endpoint {
  ip: string;
  port: number;
}

export interface Transport {
  setHandlers(h: TransportHandlers): void;
  /**
   * Queue buffers for sending, in order. False: over the high-water mark, wait for onDrain. `done`:
   * the transport is finished with the buffers (see the contract above).
   */
  write(data: Buffer[], done?: () => void): boolean;
  /** Bytes accepted by write() but not yet handed to the network. */
  readonly bufferedBytes: number;
  readonly highWaterBytes: number;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** Stop / resume delivering onData (read-side backpressure). */
  pause(): void;
  resume(): void;
  close(): void;
  destroy(error?: CephError): void;
  readonly closed: boolean;
}

export interface Listener {
  readonly local: Endpoint;
  close(): Promise<void>;
}

/** How a messenger opens and accepts transports. */
export interface TransportFactory {
  /** Connect; rejects with a CephError (ECONNREFUSED, ETIMEDOUT ...) after at most `timeoutMs`. */
  connect(remote: Endpoint, timeoutMs: number): Promise<Transport>;
  listen(local: Endpoint, onAccept: (t: Transport) => void): Promise<Listener>;
}
