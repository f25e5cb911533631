import { cephError } from '@ts-ceph/common';
import { Reader, Writer } from '@ts-ceph/denc';
import { decodeHobjectT, encodeHobjectT, HobjectT, POOL_MIN, rawHashToPg } from '@ts-ceph/maps';
import { CEPH_OSD_OP_UNION_BYTES, CephOsdFlag, CephOsdOp, ListObjectEntry, MOSDOpReply, osdOp, pgnlsReply } from '@ts-ceph/messages';
import { OpTarget } from './objecter/core/target';
import { NotifyResult, WatchCallbacks } from './objecter/linger';
import { ObjectOperation, ObjectStat, OpResult, ReadOp, WriteOp } from './objecter/object-operation';
import { osdError } from './objecter/objecter';
import type { Rados } from './rados';

/** Named limits of the IoCtx API (docs/LIMITS.md, "rados"). */
export const ioctxLimits = {
  /** Entries asked of one PG per pgnls op (librados' default listing page is 1024). */
  listEntriesPerOpMax: 1024,
  /** Bytes read by `read()` when no length is given (librados' rados_read needs one; ours stats first). */
  readBytesDefault: 1 << 22,
};

/** LIBRADOS_ALL_NSPACES: list every namespace. */
export const ALL_NSPACES = '\u0001';

/** An object listing page and where the next one starts (`cursor` undefined at the end of the pool). */
export interface ListPage {
  entries: ListObjectEntry[];
  cursor: string | undefined;
}

function minCursor(): HobjectT {
  return { oid: '', key: '', snap: 0n, hash: 0, max: false, nspace: '', pool: POOL_MIN };
}

function encodeCursor(h: HobjectT): string {
  const w = new Writer();
  encodeHobjectT(w, h);
  return w.finish().toString('hex');
}

function decodeCursor(s: string): HobjectT {
  if (!/^([0-9a-f]{2})+$/.test(s)) throw cephError('EINVAL', 'malformed listing cursor');
  return decodeHobjectT(new Reader(Buffer.from(s, 'hex')), 'cursor');
}

/**
 * An I/O context on one pool (librados::IoCtx): every call targets an object of the pool in the
 * context's namespace (and locator key, when set) and fails with the OSD's errno as a CephError.
 */
export class IoCtx {
  nspace = '';
  locatorKey = '';

  constructor(
    readonly rados: Rados,
    readonly poolId: number,
    readonly poolName: string,
  ) {}

  private target(oid: string): OpTarget {
    return { pool: this.poolId, oid, nspace: this.nspace, key: this.locatorKey, locHash: -1, flags: 0 };
  }

  private async submit(oid: string, op: ObjectOperation, what: string): Promise<{ reply: MOSDOpReply; results: OpResult[] }> {
    if (!op.ops.length) throw cephError('EINVAL', `${what}: an operation needs at least one op`);
    const reply = await this.rados.objecter.submit(this.target(oid), op.ops, op.isWrite);
    if (reply.result < 0) throw osdError(reply.result, `${what} ${oid}`);
    return { reply, results: op.decodeReply(reply.ops) };
  }

  /** Apply a compound write atomically; resolves with the object's new user version. */
  async operate(oid: string, op: WriteOp): Promise<{ version: bigint; results: OpResult[] }> {
    const { reply, results } = await this.submit(oid, op, 'operate');
    return { version: reply.userVersion, results };
  }

  /** Run a compound read; results[i].value holds op i's decoded answer. */
  async operateRead(oid: string, op: ReadOp): Promise<{ version: bigint; results: OpResult[] }> {
    const { reply, results } = await this.submit(oid, op, 'read');
    return { version: reply.userVersion, results };
  }

  private async one<T>(oid: string, op: ReadOp): Promise<T> {
    return (await this.operateRead(oid, op)).results[0]!.value as T;
  }

  async read(oid: string, length: number = ioctxLimits.readBytesDefault, offset = 0): Promise<Buffer> {
    return this.one<Buffer>(oid, new ReadOp().read(offset, length));
  }

  async write(oid: string, data: Buffer, offset = 0): Promise<void> {
    await this.operate(oid, new WriteOp().write(offset, data));
  }

  async writeFull(oid: string, data: Buffer): Promise<void> {
    await this.operate(oid, new WriteOp().writeFull(data));
  }

  async append(oid: string, data: Buffer): Promise<void> {
    await this.operate(oid, new WriteOp().append(data));
  }

  async remove(oid: string): Promise<void> {
    await this.operate(oid, new WriteOp().remove());
  }

  async stat(oid: string): Promise<ObjectStat> {
    return this.one<ObjectStat>(oid, new ReadOp().stat());
  }

  async getxattr(oid: string, name: string): Promise<Buffer> {
    return this.one<Buffer>(oid, new ReadOp().getxattr(name));
  }

  async getxattrs(oid: string): Promise<Map<string, Buffer>> {
    return this.one<Map<string, Buffer>>(oid, new ReadOp().getxattrs());
  }

  async setxattr(oid: string, name: string, value: Buffer): Promise<void> {
    await this.operate(oid, new WriteOp().setxattr(name, value));
  }

  async rmxattr(oid: string, name: string): Promise<void> {
    await this.operate(oid, new WriteOp().rmxattr(name));
  }

  async omapGetVals(oid: string, o: { startAfter?: string; prefix?: string; max?: number } = {}): Promise<{ vals: Map<string, Buffer>; more: boolean }> {
    return this.one(oid, new ReadOp().omapGetVals(o.startAfter ?? '', o.prefix ?? '', o.max ?? ioctxLimits.listEntriesPerOpMax));
  }

  async omapGetKeys(oid: string, o: { startAfter?: string; max?: number } = {}): Promise<{ keys: string[]; more: boolean }> {
    return this.one(oid, new ReadOp().omapGetKeys(o.startAfter ?? '', o.max ?? ioctxLimits.listEntriesPerOpMax));
  }

  async omapGetValsByKeys(oid: string, keys: Iterable<string>): Promise<Map<string, Buffer>> {
    return this.one(oid, new ReadOp().omapGetValsByKeys(keys));
  }

  async omapGetHeader(oid: string): Promise<Buffer> {
    return this.one(oid, new ReadOp().omapGetHeader());
  }

  async omapSet(oid: string, vals: ReadonlyMap<string, Buffer>): Promise<void> {
    await this.operate(oid, new WriteOp().omapSet(vals));
  }

  async omapRmKeys(oid: string, keys: Iterable<string>): Promise<void> {
    await this.operate(oid, new WriteOp().omapRmKeys(keys));
  }

  async omapClear(oid: string): Promise<void> {
    await this.operate(oid, new WriteOp().omapClear());
  }

  async omapSetHeader(oid: string, header: Buffer): Promise<void> {
    await this.operate(oid, new WriteOp().omapSetHeader(header));
  }

  /** Call an object class method (cls); resolves with its output. Class writes go as a write op. */
  async exec(oid: string, cls: string, method: string, input: Buffer = Buffer.alloc(0), write = false): Promise<Buffer> {
    const op = write ? new WriteOp().exec(cls, method, input) : new ReadOp().exec(cls, method, input);
    const reply = await this.rados.objecter.submit(this.target(oid), op.ops, write);
    if (reply.result < 0) throw osdError(reply.result, `exec ${cls}.${method} on ${oid}`);
    return reply.ops[0]!.data;
  }

  /**
   * One page of the pool's objects in the context's namespace (ALL_NSPACES for all), from `cursor`
   * (undefined: the start). Objecter::list_nobjects with sortbitwise: each pgnls goes to the PG that
   * holds the cursor's hash, and the OSD's handle (the next PG's first hobject at the end of a PG,
   * max at the end of the pool) is the next cursor.
   */
  async listPage(cursor?: string, max: number = ioctxLimits.listEntriesPerOpMax): Promise<ListPage> {
    let pos = cursor ? decodeCursor(cursor) : minCursor();
    const entries: ListObjectEntry[] = [];
    while (!pos.max && entries.length < max) {
      const m = this.rados.objecter.osdmap;
      const pool = m?.pools.get(this.poolId);
      if (!m || !pool) throw cephError('ENOENT', `pool ${this.poolName} does not exist`);
      const args = Buffer.alloc(CEPH_OSD_OP_UNION_BYTES);
      args.writeBigUInt64LE(BigInt(Math.min(max - entries.length, ioctxLimits.listEntriesPerOpMax)), 0);
      args.writeUInt32LE(m.epoch, 8);
      const w = new Writer();
      encodeHobjectT(w, pos);
      const op = osdOp(CephOsdOp.PGNLS, { args, data: w.finish() });
      const seed = rawHashToPg(pool, pos.hash);
      const t: OpTarget = { ...this.target(''), pgSeed: seed };
      const reply = await this.rados.objecter.submit(t, [op], false, { flags: CephOsdFlag.PGOP | CephOsdFlag.IGNORE_OVERLAY });
      if (reply.result < 0) throw osdError(reply.result, `pgnls ${this.poolName} pg ${seed.toString(16)}`);
      const r = pgnlsReply(reply.ops[0]!);
      entries.push(...r.entries);
      pos = r.handle;
    }
    return { entries, cursor: pos.max ? undefined : encodeCursor(pos) };
  }

  /** Every object of the pool (in the context's namespace), page by page. */
  async *listObjects(pageSize: number = ioctxLimits.listEntriesPerOpMax): AsyncGenerator<ListObjectEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage(cursor, pageSize);
      yield* page.entries;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  watch(oid: string, cb: WatchCallbacks, timeoutSec = 30): Promise<bigint> {
    return this.rados.linger.watch(this.target(oid), cb, timeoutSec);
  }

  unwatch(cookie: bigint): Promise<void> {
    return this.rados.linger.unwatch(cookie);
  }

  notify(oid: string, payload: Buffer = Buffer.alloc(0), timeoutSec = 30): Promise<NotifyResult> {
    return this.rados.linger.notify(this.target(oid), payload, timeoutSec);
  }
}

