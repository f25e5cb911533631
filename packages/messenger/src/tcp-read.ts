import { Socket } from 'node:net';

/**
 * Where a TCP socket's reads land. By default node allocates a fresh 64 KiB buffer for every read
 * (and copies it into a smaller one when the read was short): a 1 MiB message arrives as sixteen
 * buffers of garbage that the frame reader then joined. Here every read goes into memory we choose:
 * the receiver's read target (the rest of a large frame, so it arrives in place) or else the free
 * tail of a slab of our own: long reads are handed on as views of it (never written over: the slab
 * advances past them, and is replaced once its free tail is short), short ones as copies.
 *
 * node:net offers this (`onread` with a buffer function) only for sockets it connects, not for
 * accepted ones, though both read through the same code: the three properties that `onread` sets
 * are installed on any socket here, found by their symbol names on a probe socket. Should a node
 * version name them differently (or lack the handle's useUserBuffer), nothing is installed and the
 * socket keeps node's own reads ('data' events): correct, only slower. test/landing.test.ts checks
 * that this node takes the fast path.
 */
export const tcpReadLimits = {
  /**
   * Bytes of the first slab of a socket, kept while its reads stay short: an idle or handshaking
   * connection (a flood of them included) holds this much, not a full slab.
   */
  readSlabIdleBytes: 4 << 10,
  /** Bytes of one slab once a read has filled all the room it was given (the peer sends in bulk). */
  readSlabBytes: 64 << 10,
  /** A slab whose free tail is shorter than this is replaced before the next read. */
  readRoomBytesMin: 8 << 10,
  /**
   * A read shorter than this is copied into a buffer of its own size and the slab space reused (as
   * node does with short reads): a small message kept for long then pins its own bytes, not a slab.
   */
  readCopyBytesMax: 16 << 10,
};

interface OnreadSymbols {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let symbols: OnreadSymbols | null | undefined;

/** The symbols of net.Socket's onread state, or null when this node does not have them. */
function onreadSymbols(): OnreadSymbols | null {
  if (symbols !== undefined) return symbols;
  const bySymbolName = new Map<string, symbol>();
  for (const s of Object.getOwnPropertySymbols(new Socket())) if (s.description) bySymbolName.set(s.description, s);
  const buffer = bySymbolName.get('kBuffer');
  const callback = bySymbolName.get('kBufferCb');
  const generator = bySymbolName.get('kBufferGen');
  symbols = buffer && callback && generator ? { buffer, callback, generator } : null;
  return symbols;
}

interface UserBufferHandle {
  useUserBuffer?: (b: Uint8Array) => void;
}

/**
 * Make `sock` read into `target()` (when it returns a buffer) or our slabs, passing each read's bytes
 * to `deliver`. False when this node does not allow it (the caller keeps 'data' events, which stay
 * wired either way for anything node buffered before). Call before the first read is delivered.
 */
export function readInPlace(sock: Socket, target: () => Buffer | undefined, deliver: (b: Buffer) => void): boolean {
  const sym = onreadSymbols();
  const handle = (sock as unknown as { _handle?: UserBufferHandle | null })._handle;
  if (!sym || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const slabs = new ReadSlabs();
  const next = (): Buffer => {
    let t: Buffer | undefined;
    try {
      t = target();
    } catch {
      // The receiver's state is not ours to fail here (this runs inside node's read callback); a
      // throwing target only costs the in-place read.
      t = undefined;
    }
    return t && t.length ? t : slabs.room();
  };
  const s = sock as unknown as Record<symbol, unknown>;
  s[sym.generator] = next;
  s[sym.callback] = (nread: number, buf: Buffer): void => deliver(slabs.used(buf, nread));
  const first = next();
  s[sym.buffer] = first;
  handle.useUserBuffer(first);
  return true;
}

class ReadSlabs {
  private slab = Buffer.alloc(0);
  private off = 0;
  private size = tcpReadLimits.readSlabIdleBytes;

  /** The free tail of the current slab (a new slab when it is short, or smaller than reads need). */
  room(): Buffer {
    if (this.slab.length < this.size || this.slab.length - this.off < Math.min(tcpReadLimits.readRoomBytesMin, this.size)) {
      this.slab = Buffer.allocUnsafeSlow(this.size);
      this.off = 0;
    }
    return this.slab.subarray(this.off);
  }

  /**
   * A read of `nread` bytes went into `buf`: its bytes, to hand on. Into our slab's tail, a long read
   * is taken there (the slab advances past it) and a short one is copied out (the space is reused).
   */
  used(buf: Buffer, nread: number): Buffer {
    const got = buf.subarray(0, nread);
    if (buf.buffer !== this.slab.buffer || buf.byteOffset !== this.slab.byteOffset + this.off) return got;
    // A read that filled all the room it had: more is coming, so reads get full slabs from now on.
    if (nread === buf.length) this.size = tcpReadLimits.readSlabBytes;
    if (nread < tcpReadLimits.readCopyBytesMax) return Buffer.from(got);
    // The next read starts 8-byte aligned (decoders read integers out of these views).
    this.off = Math.min(this.slab.length, (this.off + nread + 7) & ~7);
    return got;
  }
}
