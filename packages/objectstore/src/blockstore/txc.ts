import { cephError } from '@ts-ceph/common';
import { cmpOmapKey } from '../objectstore';
import { enoentTolerated, Op, OP } from '../transaction';
import { CollT, collToString, GHObject, ghobjectSortKey, ghobjectToString } from '../types';
import { CollRecord, ownedCopy } from './layout';
import { cacheKey, mappedBlocks, mutableAttrs, newOnode, Onode, setBlock, stageCopy } from './onode';
import { NeedFetch, TxcFetched } from './txc-fetch';
import { BlockHost, TxcBlocks } from './txc-blocks';

/** What a transaction context needs from the store while it prepares. */
export interface TxcHost extends BlockHost {
  /** The committed (or installed) onode; `key` is cacheKey(cid, oid) when the caller has it. */
  lookup(cid: CollT, oid: GHObject, key?: string): Promise<Onode | undefined>;
  /**
   * The onode as far as memory knows without waiting: from the cache, or null when LevelDB says
   * at once that there is no such object; undefined when only a lookup() can tell.
   */
  peek(cid: CollT, key: string): Onode | null | undefined;
  /** cacheKey(cid, oid), remembered per object. */
  keyOf(cid: CollT, oid: GHObject): string;
  coll(name: string): CollRecord | undefined;
  /** Resolves when every previously prepared transaction has committed. */
  drain(): Promise<void>;
  /** Committed omap of nid: keys in byte order (and the header). */
  dbOmap(nid: number): Promise<{ keys: Map<string, Buffer>; header: Buffer | undefined }>;
  /** Committed objects in a collection, as cache keys, at most `max`. */
  dbCollObjects(cid: CollT, max: number): Promise<string[]>;
  nextNid(): number;
}

// The empty start of a transaction's rarely used maps: most transactions touch no collection,
// remove nothing and create nothing, so each makes its own only when it does.
const noColls: ReadonlyMap<string, CollRecord | null> = new Map();
const noNames: ReadonlySet<string> = new Set();
const noRemoved: ReadonlyMap<number, number[]> = new Map();
const noNids: ReadonlySet<number> = new Set();

interface StagedOnode {
  cid: CollT;
  onode: Onode | null;
  /** The object's state before this transaction (undefined: it did not exist). */
  orig: Onode | undefined;
  /** Removed because it was renamed: drop the key, keep its shards and omap (same nid). */
  moved?: boolean;
}

export interface OmapStage {
  keys: Map<string, Buffer | null>;
  header?: Buffer | null;
}

/**
 * One transaction being prepared: ops are applied to staged copies of the onodes; nothing in the
 * store changes until install() (store.ts), so a failing op leaves no trace. Block contents are
 * staged too (txc-blocks.ts).
 *
 * Preparing is synchronous: state that is not in memory is asked for by throwing NeedFetch
 * (txc-fetch.ts), and the store prepares the transaction again once `fetched` has it.
 */
export class Txc extends TxcBlocks<TxcHost> {
  readonly staged = new Map<string, StagedOnode>();
  /** Collections created (or changed) by this transaction, null when removed. */
  colls: ReadonlyMap<string, CollRecord | null> = noColls;
  /** Collections created by this transaction: no committed object of that name is visible. */
  private freshColls: ReadonlySet<string> = noNames;
  readonly omap = new Map<number, OmapStage>();
  /** Shard and omap keys to delete for objects removed by this transaction: nid -> shard indices. */
  removedNids: ReadonlyMap<number, number[]> = noRemoved;
  objectsDelta = 0;

  /** Nids of objects this transaction created: LevelDB has nothing under them. */
  private freshNids: ReadonlySet<number> = noNids;
  /** The last collection named (a transaction's ops are nearly always in one collection). */
  private lastCid: CollT | undefined;
  private lastCollName = '';

  constructor(host: TxcHost, fetched?: TxcFetched) {
    super(host, fetched);
  }

  private keyOf(cid: CollT, oid: GHObject): string {
    return this.host.keyOf(cid, oid);
  }

  private setColl(name: string, c: CollRecord | null): void {
    if (this.colls === noColls) this.colls = new Map();
    (this.colls as Map<string, CollRecord | null>).set(name, c);
  }

  private collName(cid: CollT): string {
    if (cid !== this.lastCid) {
      this.lastCollName = collToString(cid);
      this.lastCid = cid;
    }
    return this.lastCollName;
  }

  private coll(cid: CollT): CollRecord | undefined {
    const name = this.collName(cid);
    const s = this.colls.get(name);
    if (s !== undefined) return s ?? undefined;
    return this.host.coll(name);
  }
  private requireColl(cid: CollT): CollRecord {
    const c = this.coll(cid);
    if (!c) throw cephError('ENOENT', `collection ${collToString(cid)} does not exist`);
    return c;
  }

  private get(cid: CollT, oid: GHObject): Onode | undefined {
    this.requireColl(cid);
    const key = this.keyOf(cid, oid);
    const s = this.staged.get(key);
    if (s) return s.onode ?? undefined;
    const base = this.freshColls.has(this.collName(cid)) ? undefined : this.committed(cid, oid, key);
    if (!base) return undefined;
    const copy = stageCopy(base);
    this.staged.set(key, { cid, onode: copy, orig: base });
    return copy;
  }
  /** The object's state before this transaction, from memory or fetched by an earlier attempt. */
  private committed(cid: CollT, oid: GHObject, key: string): Onode | undefined {
    let m = this.host.peek(cid, key);
    if (m === undefined) m = this.fetched?.onodes.get(key);
    if (m !== undefined) return m ?? undefined;
    const host = this.host;
    throw new NeedFetch(async (into) => void into.onodes.set(key, (await host.lookup(cid, oid, key)) ?? null));
  }
  private create(cid: CollT, oid: GHObject): Onode {
    const o = this.get(cid, oid);
    if (o) return o;
    const n = newOnode(cid, oid, this.host.nextNid());
    (this.freshNids === noNids ? (this.freshNids = new Set<number>()) : (this.freshNids as Set<number>)).add(n.rec.nid);
    const key = this.keyOf(cid, oid);
    const prev = this.staged.get(key);
    this.staged.set(key, { cid, onode: n, orig: prev ? prev.orig : undefined, ...(prev?.moved ? { moved: true } : {}) });
    this.objectsDelta++;
    return n;
  }

  op(op: Op): void {
    switch (op.op) {
      case OP.NOP:
        return;
      case OP.MKCOLL:
        if (this.coll(op.cid)) throw cephError('EEXIST', `collection ${collToString(op.cid)} exists`);
        this.setColl(collToString(op.cid), { cid: op.cid, bits: op.bits });
        this.freshColls = new Set([...this.freshColls, collToString(op.cid)]);
        return;
      case OP.RMCOLL:
        return this.removeCollection(op.cid);
      case OP.COLL_SET_BITS:
        this.setColl(collToString(op.cid), { ...this.requireColl(op.cid), bits: op.bits });
        return;
    }
    if (op.op === OP.TOUCH || op.op === OP.WRITE || op.op === OP.ZERO) return this.objectOp(op, this.create(op.cid, op.oid));
    const o = this.get(op.cid, op.oid);
    if (!o) {
      if (enoentTolerated(op.op)) return;
      throw cephError('ENOENT', `object ${ghobjectToString(op.oid)} does not exist in ${collToString(op.cid)}`);
    }
    return this.objectOp(op, o);
  }

  private removeCollection(cid: CollT): void {
    this.requireColl(cid);
    const name = collToString(cid);
    // Objects created or removed by this transaction, then the committed ones (after a drain).
    for (const s of this.staged.values()) if (collToString(s.cid) === name && s.onode) throw cephError('ENOTEMPTY', `collection ${name} is not empty`);
    if (this.host.coll(name) && !this.colls.has(name)) {
      const objs = this.fetched?.collObjects.get(name);
      if (!objs) {
        const { host } = this;
        const max = 1 + this.staged.size;
        throw new NeedFetch(async (into) => {
          await host.drain();
          into.collObjects.set(name, await host.dbCollObjects(cid, max));
        });
      }
      for (const key of objs) {
        const s = this.staged.get(key);
        if (!s || s.onode) throw cephError('ENOTEMPTY', `collection ${name} is not empty`);
      }
    }
    this.setColl(name, null);
  }

  private objectOp(op: Op, o: Onode): void {
    switch (op.op) {
      case OP.TOUCH:
      case OP.SETALLOCHINT:
        return;
      case OP.WRITE:
        return this.write(o, op.offset, op.data, true);
      case OP.ZERO:
        return this.zero(o, op.offset, op.length);
      case OP.TRUNCATE:
        return this.truncate(o, op.size);
      case OP.REMOVE:
        return this.remove(op.cid, op.oid, o);
      case OP.SETATTRS:
        for (const [k, v] of op.attrs) mutableAttrs(o).set(k, ownedCopy(v));
        return;
      case OP.RMATTR:
        if (o.rec.attrs.has(op.name)) mutableAttrs(o).delete(op.name);
        return;
      case OP.RMATTRS:
        if (o.rec.attrs.size) mutableAttrs(o).clear();
        return;
      case OP.CLONE:
        return this.clone(op.cid, o, op.noid);
      case OP.CLONERANGE2: {
        const data = this.readRange(o, op.srcOffset, op.length);
        const n = this.create(op.cid, op.noid);
        if (data.length) this.write(n, op.dstOffset, data, true);
        return;
      }
      case OP.COLL_MOVE_RENAME:
      case OP.TRY_RENAME:
        return this.rename(op.cid, o, op.op === OP.COLL_MOVE_RENAME ? op.ncid : op.cid, op.noid);
      case OP.OMAP_CLEAR:
        return this.omapClear(o);
      case OP.OMAP_SETKEYS: {
        const st = this.omapStage(o);
        for (const [k, v] of op.kv) st.keys.set(k, Buffer.from(v));
        o.rec.hasOmap = true;
        return;
      }
      case OP.OMAP_RMKEYS: {
        const st = this.omapStage(o);
        for (const k of op.keys) st.keys.set(k, null);
        return;
      }
      case OP.OMAP_RMKEYRANGE: {
        const cur = this.currentOmap(o);
        const st = this.omapStage(o);
        for (const k of cur.keys.keys()) if (cmpOmapKey(k, op.first) >= 0 && cmpOmapKey(k, op.last) < 0) st.keys.set(k, null);
        return;
      }
      case OP.OMAP_SETHEADER:
        this.omapStage(o).header = Buffer.from(op.header);
        o.rec.hasOmap = true;
        return;
      default:
        throw cephError('EOPNOTSUPP', `op ${op.op} not supported`);
    }
  }

  private omapStage(o: Onode): OmapStage {
    let s = this.omap.get(o.rec.nid);
    if (!s) this.omap.set(o.rec.nid, (s = { keys: new Map() }));
    return s;
  }

  /** The object's omap as of this point of the transaction (committed state + staged changes). */
  currentOmap(o: Onode): { keys: Map<string, Buffer>; header: Buffer | undefined } {
    let keys = new Map<string, Buffer>();
    let header: Buffer | undefined;
    const nid = o.rec.nid;
    if ((o.rec.hasOmap || this.omap.has(nid)) && !this.freshNids.has(nid)) {
      const db = this.fetched?.omaps.get(nid);
      if (!db) {
        const { host } = this;
        throw new NeedFetch(async (into) => {
          await host.drain();
          into.omaps.set(nid, await host.dbOmap(nid));
        });
      }
      keys = new Map(db.keys);
      header = db.header;
    }
    const st = this.omap.get(o.rec.nid);
    if (st) {
      for (const [k, v] of st.keys) {
        if (v) keys.set(k, v);
        else keys.delete(k);
      }
      if (st.header !== undefined) header = st.header ?? undefined;
    }
    return { keys, header };
  }

  private omapClear(o: Onode): void {
    const cur = this.currentOmap(o);
    const st = this.omapStage(o);
    for (const k of cur.keys.keys()) st.keys.set(k, null);
    st.header = null;
    o.rec.hasOmap = false;
  }

  private remove(cid: CollT, oid: GHObject, o: Onode): void {
    // The omap first: it may need fetching, and nothing is staged before an attempt is retried.
    if (o.rec.hasOmap || this.omap.has(o.rec.nid)) this.omapClear(o);
    for (const b of mappedBlocks(o)) this.freeBlock(b.pblock);
    if (this.removedNids === noRemoved) this.removedNids = new Map();
    const sis = new Set(o.rec.shards);
    o.shards.forEach((sh, si) => sh && sis.add(si));
    (this.removedNids as Map<number, number[]>).set(o.rec.nid, [...sis]);
    this.storedDelta -= o.rec.size;
    this.objectsDelta--;
    const key = cacheKey(cid, oid);
    const s = this.staged.get(key)!;
    this.staged.set(key, { ...s, onode: null });
  }

  private clone(cid: CollT, src: Onode, noid: GHObject): void {
    if (ghobjectSortKey(src.rec.oid) === ghobjectSortKey(noid)) return;
    const blocks = [...mappedBlocks(src)];
    if (blocks.length) this.needBlocks(src, blocks[0]!.lb, blocks[blocks.length - 1]!.lb);
    const om = this.currentOmap(src);
    const old = this.get(cid, noid);
    if (old) this.remove(cid, noid, old);
    const n = this.create(cid, noid);
    n.rec.attrs = new Map(src.rec.attrs);
    // Data is copied (no shared blobs): the clone owns its blocks.
    if (blocks.length) {
      const exts = this.host.allocator.allocate(blocks.length);
      this.allocated.push(...exts);
      let i = 0;
      for (const ext of exts) {
        for (let p = ext.start; p < ext.start + ext.count; p++, i++) {
          const b = blocks[i]!;
          const plain = this.readBlock(src, b.lb);
          setBlock(n, b.lb, p, b.csum);
          this.writes.set(p, { plain, mode: 'direct', csum: b.csum });
        }
      }
    }
    this.setSize(n, src.rec.size);
    if (om.keys.size || om.header) {
      const st = this.omapStage(n);
      for (const [k, v] of om.keys) st.keys.set(k, v);
      if (om.header) st.header = om.header;
      n.rec.hasOmap = true;
    }
  }

  private rename(cid: CollT, o: Onode, ncid: CollT, noid: GHObject): void {
    if (this.get(ncid, noid)) throw cephError('EEXIST', `rename target ${ghobjectToString(noid)} exists in ${collToString(ncid)}`);
    const oldKey = cacheKey(cid, o.rec.oid);
    const s = this.staged.get(oldKey)!;
    this.staged.set(oldKey, { ...s, onode: null, moved: true });
    const moved: Onode = { ...o, cid: ncid, rec: { ...o.rec, oid: noid } };
    const newKey = cacheKey(ncid, noid);
    const prev = this.staged.get(newKey);
    this.staged.set(newKey, { cid: ncid, onode: moved, orig: prev?.orig });
  }
}

