/**
 * An in-memory ClsContext for the class tests: objects as maps, with the op engine's semantics that
 * the context documents (reads see the object before the op, stat sees the op's own view, writes go
 * to a copy that is kept only when the call succeeds), and `callMethod`, which runs a CALL as the op
 * engine will: EPERM for a class not in osd_class_load_list, EOPNOTSUPP for a listed class we lack or an unknown method, ENOENT for a non-WR method on a missing
 * object, execClsMethod, then commit on success of a WR method.
 */
import { CephError, Errno, cephError } from '@ts-ceph/common';
import { AddrType, CEPH_FEATURES_ALL, EntityAddr, EntityNameT, EntityType, UTime, Writer, makeAddr } from '@ts-ceph/denc';
import { ClsContext, ClsStat } from '../src/core/cls/context';
import { ClsOutcome, execClsMethod } from '../src/core/cls/call';
import { CLS_METHOD_WR, ClsRegistry } from '../src/core/cls/registry';

export interface MemObject {
  data: Buffer;
  xattrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
  header: Buffer;
  mtime: UTime;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function clone(o: MemObject): MemObject {
  return { data: Buffer.from(o.data), xattrs: new Map(o.xattrs), omap: new Map(o.omap), header: o.header, mtime: o.mtime };
}

function sorted<V>(m: Map<string, V>): [string, V][] {
  return [...m.entries()].sort((a, b) => byteOrder(a[0], b[0]));
}

export interface Caller {
  name: EntityNameT;
  addr: EntityAddr;
}

export function client(num: number, port = 0, nonce = 1000 + num): Caller {
  return { name: { type: EntityType.CLIENT, num }, addr: makeAddr(AddrType.ANY, '10.0.0.1', port, nonce) };
}

const subopCalls = [
  'stat', 'read', 'create', 'write', 'writeFull', 'truncate', 'remove', 'getxattr', 'getxattrs', 'setxattr',
  'mapGetHeader', 'mapGetVal', 'mapGetVals', 'mapSetVal', 'mapSetVals', 'mapRemoveKey', 'mapRemoveRange', 'mapClear', 'mapWriteHeader',
] as const;

export class MemClsContext implements ClsContext {
  readonly canWrite: boolean;
  readonly clientFeatures = CEPH_FEATURES_ALL;
  readonly logs: [number, string][] = [];
  /** The op's view of the object (undefined: does not exist). */
  next: MemObject | undefined;

  /** What cls_get_snapset_seq answers for an existing object (the tests' objects have no clones). */
  snapsetSeqValue = 0n;
  constructor(
    private readonly base: MemObject | undefined,
    readonly origin: Caller,
    readonly now: UTime,
    flags: number,
  ) {
    this.canWrite = (flags & CLS_METHOD_WR) !== 0;
    this.next = base && clone(base);
    // Each cls_cxx_* call that succeeds is one sub-op (mapGetKeys counts through mapGetVals).
    for (const name of subopCalls) {
      const f = (this[name] as (...a: unknown[]) => Promise<unknown>).bind(this);
      (this as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
        const v = await f(...a);
        this.subops++;
        return v;
      };
    }
  }

  private onDisk(): MemObject {
    if (!this.base) throw cephError('ENOENT', 'no such object');
    return this.base;
  }
  private target(): MemObject {
    this.next ??= { data: Buffer.alloc(0), xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0), mtime: this.now };
    this.next.mtime = this.now;
    return this.next;
  }

  async stat(): Promise<ClsStat> {
    if (!this.next) throw cephError('ENOENT', 'no such object');
    return { size: this.next.data.length, mtime: this.next.mtime };
  }
  async read(offset: number, length: number): Promise<Buffer> {
    return Buffer.from(this.onDisk().data.subarray(offset, offset + length));
  }
  async create(exclusive: boolean): Promise<void> {
    if (this.next && exclusive) throw cephError('EEXIST', 'object exists');
    this.target();
  }
  async write(offset: number, data: Buffer): Promise<void> {
    const o = this.target();
    const end = Math.max(o.data.length, offset + data.length);
    const b = Buffer.alloc(end);
    o.data.copy(b);
    data.copy(b, offset);
    o.data = b;
  }
  async writeFull(data: Buffer): Promise<void> {
    this.target().data = Buffer.from(data);
  }
  async truncate(size: number): Promise<void> {
    const o = this.target();
    const b = Buffer.alloc(size);
    o.data.copy(b, 0, 0, Math.min(size, o.data.length));
    o.data = b;
  }
  async remove(): Promise<void> {
    if (!this.next) throw cephError('ENOENT', 'no such object');
    this.next = undefined;
  }
  async getxattr(name: string): Promise<Buffer> {
    const v = this.onDisk().xattrs.get(name);
    if (!v) throw cephError('ENODATA', `no xattr ${name}`);
    return v;
  }
  async getxattrs(): Promise<Map<string, Buffer>> {
    return new Map(sorted(this.onDisk().xattrs));
  }
  async setxattr(name: string, value: Buffer): Promise<void> {
    this.target().xattrs.set(name, value);
  }
  // Omap reads of a missing object are empty (Ceph's omap-get ops check oi.is_omap()).
  async mapGetHeader(): Promise<Buffer> {
    return this.base?.header ?? Buffer.alloc(0);
  }
  async mapGetVal(key: string): Promise<Buffer> {
    const v = this.base?.omap.get(key);
    if (!v) throw cephError('ENOENT', `no omap key ${key}`);
    return v;
  }
  async mapGetKeys(startAfter: string, max: number): Promise<{ keys: string[]; more: boolean }> {
    const r = await this.mapGetVals(startAfter, '', max);
    return { keys: [...r.vals.keys()], more: r.more };
  }
  async mapGetVals(startAfter: string, prefix: string, max: number): Promise<{ vals: Map<string, Buffer>; more: boolean }> {
    const all = sorted(this.base?.omap ?? new Map<string, Buffer>()).filter(([k]) => byteOrder(k, startAfter) > 0 && k.startsWith(prefix));
    return { vals: new Map(all.slice(0, max)), more: all.length > max };
  }
  async mapSetVal(key: string, value: Buffer): Promise<void> {
    this.target().omap.set(key, value);
  }
  async mapSetVals(kv: Map<string, Buffer>): Promise<void> {
    for (const [k, v] of kv) this.target().omap.set(k, v);
  }
  // Key removals on a missing object fail (omap-rm-keys, omap-rm-key-range: ENOENT).
  async mapRemoveKey(key: string): Promise<void> {
    if (!this.next) throw cephError('ENOENT', 'no such object');
    this.target().omap.delete(key);
  }
  async mapRemoveRange(first: string, last: string): Promise<void> {
    if (!this.next) throw cephError('ENOENT', 'no such object');
    const o = this.target();
    for (const k of [...o.omap.keys()]) if (byteOrder(k, first) >= 0 && byteOrder(k, last) < 0) o.omap.delete(k);
  }
  async mapClear(): Promise<void> {
    this.target().omap.clear();
  }
  async mapWriteHeader(header: Buffer): Promise<void> {
    this.target().header = header;
  }
  currentVersion(): bigint {
    return 7n;
  }
  /** Sub-ops so far: every context call that succeeded (the tests' op vectors hold one CALL). */
  subops = 0;
  subopVersion(): string {
    return `${this.currentVersion()}.${this.subops}`;
  }
  /** The SnapSet seq tests set on the pool; ENOENT when the object does not exist. */
  async snapsetSeq(): Promise<bigint> {
    if (!this.next) throw cephError('ENOENT', 'no such object');
    return this.snapsetSeqValue;
  }
  log(level: number, msg: string): void {
    this.logs.push([level, msg]);
  }
}

/** A pool of objects and a clock the tests move. */
export class MemPool {
  readonly objects = new Map<string, MemObject>();
  now: UTime = { sec: 1_700_000_000, nsec: 0 };
  /** What cls_get_snapset_seq answers for the pool's existing objects. */
  snapsetSeq = 0n;

  constructor(readonly registry: ClsRegistry) {}

  advance(sec: number): void {
    this.now = { sec: this.now.sec + sec, nsec: this.now.nsec };
  }

  /** Run cls.method on oid as `who`, as the op engine does; commit the method's writes on success. */
  async call(who: Caller, oid: string, cls: string, method: string, input: Buffer = Buffer.alloc(0)): Promise<ClsOutcome> {
    let ref;
    try {
      ref = this.registry.lookupMethod(cls, method);
    } catch (e) {
      return { rval: -(e as CephError).errno, outdata: Buffer.alloc(0) };
    }
    const base = this.objects.get(oid);
    if (!(ref.flags & CLS_METHOD_WR) && !base) return { rval: -Errno.ENOENT, outdata: Buffer.alloc(0) };
    const ctx = new MemClsContext(base, who, this.now, ref.flags);
    ctx.snapsetSeqValue = this.snapsetSeq;
    const out = await execClsMethod(ref, ctx, input);
    if (out.rval >= 0 && ref.flags & CLS_METHOD_WR) {
      if (ctx.next) this.objects.set(oid, ctx.next);
      else this.objects.delete(oid);
    }
    return out;
  }

  /** A plain write_full from a client (librados ioctx.write_full). */
  writeFull(oid: string, data: Buffer): void {
    const o = this.objects.get(oid);
    if (o) o.data = Buffer.from(data);
    else this.objects.set(oid, { data: Buffer.from(data), xattrs: new Map(), omap: new Map(), header: Buffer.alloc(0), mtime: this.now });
  }
}

/** What `f` writes, as a Buffer: the tests' expected encodings, built by hand. */
export function bytes(f: (w: Writer) => void): Buffer {
  const w = new Writer();
  f(w);
  return w.finish();
}

/** Calls of class `cls` as client `me`: `call` gives the whole outcome, `rv` its return value. */
export function clsCaller(me: Caller, cls: string) {
  const call = async (pool: MemPool, oid: string, method: string, input: Buffer = Buffer.alloc(0)) => pool.call(me, oid, cls, method, input);
  const rv = async (pool: MemPool, oid: string, method: string, input?: Buffer) => (await call(pool, oid, method, input)).rval;
  return { call, rv };
}
