import { assert, CephError, cephError } from '@ts-ceph/common/core';
import { cmpOmapKey, FsckReport, ListResult, listObjectsMax, ObjectStat, ObjectStore, StoreStatfs } from './objectstore';
import { enoentTolerated, Op, OP, Transaction } from './transaction';
import { CollT, collToString, GHObject, ghobjectMax, ghobjectSortKey, ghobjectToString } from './types';

/** An object in memory. Buffers are never shared between objects (clone copies). */
interface MObj {
  oid: GHObject;
  data: Buffer;
  size: number;
  attrs: Map<string, Buffer>;
  omap: Map<string, Buffer>;
  header: Buffer;
}

interface MColl {
  cid: CollT;
  bits: number;
  objects: Map<string, MObj>;
  /** Sort keys in ghobject order, rebuilt lazily for listing. */
  sorted: string[] | undefined;
}

function cloneObj(o: MObj, oid = o.oid): MObj {
  return { oid, data: Buffer.from(o.data.subarray(0, o.size)), size: o.size, attrs: new Map(o.attrs), omap: new Map(o.omap), header: Buffer.from(o.header) };
}

function emptyObj(oid: GHObject): MObj {
  return { oid, data: Buffer.alloc(0), size: 0, attrs: new Map(), omap: new Map(), header: Buffer.alloc(0) };
}

function ensureCapacity(o: MObj, bytes: number): void {
  if (o.data.length >= bytes) return;
  const n = Buffer.alloc(Math.max(bytes, o.data.length * 2));
  o.data.copy(n, 0, 0, o.size);
  o.data = n;
}

/** Set the logical size; bytes past the old end read as zeros. */
function resize(o: MObj, size: number): void {
  if (size > o.size) {
    ensureCapacity(o, size);
    o.data.fill(0, o.size, size);
  }
  o.size = size;
}

/**
 * The in-memory ObjectStore for tests and simulation: the same semantics as the native store
 * (the compliance suite runs against both), nothing durable. A transaction is applied to a staged
 * overlay and installed only if every op succeeds, so a failing transaction changes nothing.
 */
export class MemStore implements ObjectStore {
  readonly type = 'memstore';
  private colls = new Map<string, MColl>();
  private mounted = false;

  async mkfs(): Promise<void> {
    this.colls.clear();
  }
  async mount(): Promise<void> {
    this.mounted = true;
  }
  async umount(): Promise<void> {
    this.mounted = false;
  }

  async queueTransaction(t: Transaction): Promise<void> {
    this.checkMounted();
    this.apply(t);
  }
  async queueTransactions(ts: Transaction[]): Promise<void> {
    this.checkMounted();
    for (const t of ts) this.apply(t);
  }
  queueTransactionOnCommit(t: Transaction, onCommit: (err?: Error) => void): void {
    this.queueTransaction(t).then(() => onCommit(), onCommit);
  }

  private checkMounted(): void {
    if (!this.mounted) throw cephError('ESHUTDOWN', 'memstore is not mounted');
  }

  private apply(t: Transaction): void {
    const stage = new Stage(this.colls);
    for (const op of t.ops) stage.op(op);
    stage.install();
  }

  private coll(c: CollT): MColl {
    this.checkMounted();
    const mc = this.colls.get(collToString(c));
    if (!mc) throw cephError('ENOENT', `collection ${collToString(c)} does not exist`);
    return mc;
  }
  private obj(c: CollT, o: GHObject): MObj {
    const mo = this.coll(c).objects.get(ghobjectSortKey(o));
    if (!mo) throw cephError('ENOENT', `object ${ghobjectToString(o)} does not exist in ${collToString(c)}`);
    return mo;
  }

  async listCollections(): Promise<CollT[]> {
    this.checkMounted();
    return [...this.colls.keys()].sort().map((k) => this.colls.get(k)!.cid);
  }
  async collectionExists(c: CollT): Promise<boolean> {
    this.checkMounted();
    return this.colls.has(collToString(c));
  }
  async collectionEmpty(c: CollT): Promise<boolean> {
    return this.coll(c).objects.size === 0;
  }
  async collectionBits(c: CollT): Promise<number> {
    return this.coll(c).bits;
  }
  async collectionList(c: CollT, start: GHObject, end: GHObject, max: number): Promise<ListResult> {
    const mc = this.coll(c);
    if (!mc.sorted) mc.sorted = [...mc.objects.keys()].sort();
    const keys = mc.sorted;
    const lo = ghobjectSortKey(start);
    const hi = ghobjectSortKey(end);
    let i = lowerBound(keys, lo);
    const objects: GHObject[] = [];
    const limit = Math.min(Math.max(max, 0), listObjectsMax);
    while (i < keys.length && keys[i]! < hi && objects.length < limit) objects.push(mc.objects.get(keys[i++]!)!.oid);
    const next = i < keys.length && keys[i]! < hi ? mc.objects.get(keys[i]!)!.oid : ghobjectMax();
    return { objects, next };
  }

  async exists(c: CollT, o: GHObject): Promise<boolean> {
    return this.coll(c).objects.has(ghobjectSortKey(o));
  }
  async stat(c: CollT, o: GHObject): Promise<ObjectStat> {
    const mo = this.obj(c, o);
    return { size: mo.size, allocated: mo.size };
  }
  async read(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer> {
    const mo = this.obj(c, o);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw cephError('EINVAL', `read: bad range ${offset}~${length}`);
    if (offset >= mo.size) return Buffer.alloc(0);
    const end = length === 0 ? mo.size : Math.min(mo.size, offset + length);
    return Buffer.from(mo.data.subarray(offset, end));
  }
  /** A copy as read() makes: the object's buffer changes in place on writes, so it is never shared. */
  readShared(c: CollT, o: GHObject, offset: number, length: number): Promise<Buffer> {
    return this.read(c, o, offset, length);
  }
  async fiemap(c: CollT, o: GHObject, offset: number, length: number): Promise<Map<number, number>> {
    const mo = this.obj(c, o);
    const end = Math.min(mo.size, offset + length);
    return end > offset ? new Map([[offset, end - offset]]) : new Map();
  }
  async getattr(c: CollT, o: GHObject, name: string): Promise<Buffer> {
    const v = this.obj(c, o).attrs.get(name);
    if (!v) throw cephError('ENODATA', `object ${ghobjectToString(o)} has no xattr '${name}'`);
    return Buffer.from(v);
  }
  async getattrs(c: CollT, o: GHObject): Promise<Map<string, Buffer>> {
    return new Map([...this.obj(c, o).attrs].map(([k, v]) => [k, Buffer.from(v)]));
  }
  async omapGetHeader(c: CollT, o: GHObject): Promise<Buffer> {
    return Buffer.from(this.obj(c, o).header);
  }
  async omapGet(c: CollT, o: GHObject): Promise<{ header: Buffer; values: Map<string, Buffer> }> {
    const mo = this.obj(c, o);
    return { header: Buffer.from(mo.header), values: sortedOmap(mo.omap) };
  }
  async omapGetKeys(c: CollT, o: GHObject): Promise<string[]> {
    return [...this.obj(c, o).omap.keys()].sort(cmpOmapKey);
  }
  async omapGetValues(c: CollT, o: GHObject, keys: string[]): Promise<Map<string, Buffer>> {
    const mo = this.obj(c, o);
    const out = new Map<string, Buffer>();
    for (const k of keys) {
      const v = mo.omap.get(k);
      if (v) out.set(k, Buffer.from(v));
    }
    return out;
  }
  async omapGetValsAfter(c: CollT, o: GHObject, after: string, max: number): Promise<{ values: Map<string, Buffer>; more: boolean }> {
    const all = [...sortedOmap(this.obj(c, o).omap)].filter(([k]) => cmpOmapKey(k, after) > 0);
    return { values: new Map(all.slice(0, max)), more: all.length > max };
  }

  async statfs(): Promise<StoreStatfs> {
    let stored = 0;
    let meta = 0;
    for (const mc of this.colls.values()) {
      for (const mo of mc.objects.values()) {
        stored += mo.size;
        for (const [k, v] of mo.omap) meta += k.length + v.length;
      }
    }
    const total = 1 << 30;
    return { total, available: Math.max(0, total - stored), allocated: stored, stored, internalMetadata: 0, omapAllocated: meta };
  }
  async fsck(): Promise<FsckReport> {
    let objects = 0;
    const problems: string[] = [];
    for (const mc of this.colls.values()) {
      for (const [k, mo] of mc.objects) {
        objects++;
        if (ghobjectSortKey(mo.oid) !== k) problems.push(`${ghobjectToString(mo.oid)}: indexed under the wrong key`);
        if (mo.data.length < mo.size) problems.push(`${ghobjectToString(mo.oid)}: size beyond data`);
      }
    }
    return { errors: problems.length, problems, objects, bytesChecked: 0 };
  }
}

function sortedOmap(m: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...m].sort((a, b) => cmpOmapKey(a[0], b[0])).map(([k, v]) => [k, Buffer.from(v)]));
}

function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface StagedColl {
  cid: CollT;
  bits: number;
  /** Created by this transaction: the base holds none of its objects. */
  fresh: boolean;
}

/** Copy-on-write view of the collections while one transaction is applied. */
class Stage {
  private readonly colls = new Map<string, StagedColl | null>();
  private readonly objs = new Map<string, { coll: string; key: string; obj: MObj | null }>();
  constructor(private readonly base: Map<string, MColl>) {}

  private coll(cid: CollT): StagedColl | undefined {
    const name = collToString(cid);
    const s = this.colls.get(name);
    if (s !== undefined) return s ?? undefined;
    const b = this.base.get(name);
    return b ? { cid: b.cid, bits: b.bits, fresh: false } : undefined;
  }
  private requireColl(cid: CollT): StagedColl {
    const c = this.coll(cid);
    if (!c) throw cephError('ENOENT', `collection ${collToString(cid)} does not exist`);
    return c;
  }
  private get(cid: CollT, oid: GHObject): MObj | undefined {
    const c = this.requireColl(cid);
    const name = collToString(cid);
    const key = ghobjectSortKey(oid);
    const s = this.objs.get(`${name}\n${key}`);
    if (s) return s.obj ?? undefined;
    if (c.fresh) return undefined;
    const b = this.base.get(name)?.objects.get(key);
    if (!b) return undefined;
    const copy = cloneObj(b);
    this.put(cid, oid, copy);
    return copy;
  }
  private put(cid: CollT, oid: GHObject, obj: MObj | null): void {
    const name = collToString(cid);
    const key = ghobjectSortKey(oid);
    this.objs.set(`${name}\n${key}`, { coll: name, key, obj });
  }
  private create(cid: CollT, oid: GHObject): MObj {
    const o = this.get(cid, oid);
    if (o) return o;
    const n = emptyObj(oid);
    this.put(cid, oid, n);
    return n;
  }
  private countObjects(cid: CollT): number {
    const name = collToString(cid);
    const c = this.requireColl(cid);
    const base = c.fresh ? undefined : this.base.get(name);
    let n = base?.objects.size ?? 0;
    for (const s of this.objs.values()) {
      if (s.coll !== name) continue;
      const inBase = base?.objects.has(s.key) ?? false;
      if (s.obj && !inBase) n++;
      if (!s.obj && inBase) n--;
    }
    return n;
  }

  op(op: Op): void {
    switch (op.op) {
      case OP.NOP:
        return;
      case OP.MKCOLL: {
        if (this.coll(op.cid)) throw cephError('EEXIST', `collection ${collToString(op.cid)} exists`);
        this.colls.set(collToString(op.cid), { cid: op.cid, bits: op.bits, fresh: true });
        return;
      }
      case OP.RMCOLL: {
        this.requireColl(op.cid);
        if (this.countObjects(op.cid) > 0) throw cephError('ENOTEMPTY', `collection ${collToString(op.cid)} is not empty`);
        this.colls.set(collToString(op.cid), null);
        const name = collToString(op.cid);
        for (const [k, st] of this.objs) if (st.coll === name) this.objs.delete(k);
        return;
      }
      case OP.COLL_SET_BITS: {
        this.colls.set(collToString(op.cid), { ...this.requireColl(op.cid), bits: op.bits });
        return;
      }
    }
    if (op.op === OP.TOUCH || op.op === OP.WRITE || op.op === OP.ZERO) {
      this.objectOp(op, this.create(op.cid, op.oid));
      return;
    }
    const o = this.get(op.cid, op.oid);
    if (!o) {
      if (enoentTolerated(op.op)) return;
      throw cephError('ENOENT', `object ${ghobjectToString(op.oid)} does not exist in ${collToString(op.cid)}`);
    }
    this.objectOp(op, o);
  }

  private objectOp(op: Op, o: MObj): void {
    switch (op.op) {
      case OP.TOUCH:
      case OP.SETALLOCHINT:
        return;
      case OP.WRITE:
        if (op.offset + op.data.length > o.size) resize(o, op.offset + op.data.length);
        op.data.copy(o.data, op.offset);
        return;
      case OP.ZERO:
        if (op.offset + op.length > o.size) resize(o, op.offset + op.length);
        o.data.fill(0, op.offset, op.offset + op.length);
        return;
      case OP.TRUNCATE:
        resize(o, op.size);
        return;
      case OP.REMOVE:
        this.put(op.cid, op.oid, null);
        return;
      case OP.SETATTRS:
        for (const [k, v] of op.attrs) o.attrs.set(k, Buffer.from(v));
        return;
      case OP.RMATTR:
        o.attrs.delete(op.name);
        return;
      case OP.RMATTRS:
        o.attrs.clear();
        return;
      case OP.CLONE: {
        if (ghobjectSortKey(op.oid) === ghobjectSortKey(op.noid)) return;
        this.put(op.cid, op.noid, cloneObj(o, op.noid));
        return;
      }
      case OP.CLONERANGE2: {
        const n = this.create(op.cid, op.noid);
        const end = Math.min(o.size, op.srcOffset + op.length);
        const data = end > op.srcOffset ? Buffer.from(o.data.subarray(op.srcOffset, end)) : Buffer.alloc(0);
        if (op.dstOffset + data.length > n.size) resize(n, op.dstOffset + data.length);
        data.copy(n.data, op.dstOffset);
        return;
      }
      case OP.COLL_MOVE_RENAME:
      case OP.TRY_RENAME: {
        const ncid = op.op === OP.COLL_MOVE_RENAME ? op.ncid : op.cid;
        if (this.get(ncid, op.noid)) throw cephError('EEXIST', `rename target ${ghobjectToString(op.noid)} exists`);
        this.put(op.cid, op.oid, null);
        this.put(ncid, op.noid, { ...o, oid: op.noid });
        return;
      }
      case OP.OMAP_CLEAR:
        o.omap.clear();
        o.header = Buffer.alloc(0);
        return;
      case OP.OMAP_SETKEYS:
        for (const [k, v] of op.kv) o.omap.set(k, Buffer.from(v));
        return;
      case OP.OMAP_RMKEYS:
        for (const k of op.keys) o.omap.delete(k);
        return;
      case OP.OMAP_RMKEYRANGE:
        for (const k of [...o.omap.keys()]) if (cmpOmapKey(k, op.first) >= 0 && cmpOmapKey(k, op.last) < 0) o.omap.delete(k);
        return;
      case OP.OMAP_SETHEADER:
        o.header = Buffer.from(op.header);
        return;
      default:
        throw new CephError('EOPNOTSUPP', 95, `op ${op.op} not supported`);
    }
  }

  install(): void {
    for (const [name, c] of this.colls) {
      const b = this.base.get(name);
      if (c === null) this.base.delete(name);
      else if (c.fresh || !b) this.base.set(name, { cid: c.cid, bits: c.bits, objects: new Map(), sorted: undefined });
      else b.bits = c.bits;
    }
    for (const s of this.objs.values()) {
      const c = this.base.get(s.coll);
      if (!c) {
        assert(s.obj === null, `object staged in a removed collection ${s.coll}`);
        continue;
      }
      const had = c.objects.has(s.key);
      if (s.obj) c.objects.set(s.key, s.obj);
      else c.objects.delete(s.key);
      if (had !== (s.obj !== null)) c.sorted = undefined;
    }
  }
}
