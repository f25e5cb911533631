/**
 * A handshake flood as issue 14's attacker ran it: N TCP connections from one source address held
 * half-open (connected, then silent, or just the banner) and each reopened as soon as the daemon
 * closes it. The source address is a second loopback address (127.0.0.2 by default: Linux routes
 * all of 127/8 to lo) so that per-address limits can tell the attacker from a legitimate client on
 * 127.0.0.1.
 */
import { connect, Socket } from 'node:net';

export interface FloodOptions {
  port: number;
  host?: string;
  /** Connections kept open at once (600). */
  connections?: number;
  /** Source address of every connection (127.0.0.2). */
  localAddress?: string;
  /** Bytes sent on connect (nothing: a half-open connection). */
  payload?: Buffer;
}

export interface Flood {
  /** Connections opened so far (reopens included). */
  readonly opened: number;
  /** Connections the daemon closed. */
  readonly closed: number;
  /** Stop reopening and close every connection. */
  stop(): Promise<void>;
}

export function startFlood(o: FloodOptions): Flood {
  const n = o.connections ?? 600;
  const socks = new Set<Socket>();
  let stopped = false;
  const stats = { opened: 0, closed: 0 };
  const open = (): void => {
    if (stopped) return;
    const s = connect({ port: o.port, host: o.host ?? '127.0.0.1', localAddress: o.localAddress ?? '127.0.0.2' });
    socks.add(s);
    stats.opened++;
    s.on('connect', () => {
      if (o.payload) s.write(o.payload);
    });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      socks.delete(s);
      stats.closed++;
      // Reopened at once, as the attacker did; setImmediate keeps a refused connect from spinning
      // the loop synchronously.
      if (!stopped) setImmediate(open);
    });
  };
  for (let i = 0; i < n; i++) open();
  return {
    get opened() {
      return stats.opened;
    },
    get closed() {
      return stats.closed;
    },
    async stop() {
      stopped = true;
      const all = [...socks].map((s) => new Promise<void>((r) => (s.destroyed ? r() : (s.once('close', () => r()), s.destroy()))));
      await Promise.all(all);
    },
  };
}
