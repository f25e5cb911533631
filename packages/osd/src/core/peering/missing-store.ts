import { Reader, Writer } from '@ts-ceph/denc';
import { Transaction } from '@ts-ceph/objectstore/interface';
import { StoreReader } from '../op-context';
import { PG } from '../pg';
import { MissingItem, MissingSet, oidKey } from './log-merge';
import { Ev, evFrom, evOf } from './messages';
import { decodeOid, encodeOid } from './txn-codec';

/**
 * The PG copy's missing set in its meta object's omap (PGLog::_write_log_and_missing keeps
 * pg_missing_t under `missing/<object>` keys): a missing object must stay missing after the log
 * entry that made it so is trimmed — on every copy, including one that restarts. Our value: the
 * object (ghobject_t, u32 length first), the needed eversion (u32 epoch, u64 version) and a u8
 * "must not exist". Written with the activation that computes the set; each key removed in the
 * transaction that recovers its object.
 */
export const MISSING_PREFIX = 'missing/';
/** Keys after every `missing/...` key ('0' follows '/'). */
const MISSING_END = 'missing0';
const missingPage = 1024;

export function encodeMissingItem(m: MissingItem): Buffer {
  return new Writer().blob(encodeOid(m.oid)).u32(m.need.epoch).u64(m.need.version).u8(m.gone ? 1 : 0).finish();
}

export function decodeMissingItem(b: Uint8Array): MissingItem {
  const r = new Reader(b);
  const oid = decodeOid(r.blob('oid'));
  const need = { epoch: r.u32('need.epoch'), version: r.u64('need.version') };
  const gone = r.u8('gone') !== 0;
  r.expectEnd('missing item');
  return { oid, need, gone };
}

export async function loadMissing(store: StoreReader, pg: PG): Promise<MissingSet> {
  const out: MissingSet = new Map();
  for (let after = MISSING_PREFIX; ; ) {
    const page = await store.omapGetValsAfter(pg.coll, pg.meta, after, missingPage);
    let done = !page.more;
    for (const [k, v] of page.values) {
      if (!k.startsWith(MISSING_PREFIX)) {
        done = true;
        break;
      }
      const m = decodeMissingItem(v);
      out.set(oidKey(m.oid), m);
      after = k;
    }
    if (done || page.values.size === 0) return out;
  }
}

/** Replace the persisted missing set with `m` in `t`. */
export function writeMissing(t: Transaction, pg: PG, m: MissingSet): void {
  t.omapRmKeyRange(pg.coll, pg.meta, MISSING_PREFIX, MISSING_END);
  if (m.size) t.omapSetKeys(pg.coll, pg.meta, new Map([...m].map(([k, v]) => [MISSING_PREFIX + k, encodeMissingItem(v)])));
}

/** The object is recovered: drop its key with the transaction that writes it. */
export function clearMissing(t: Transaction, pg: PG, key: string): void {
  t.omapRmKeys(pg.coll, pg.meta, [MISSING_PREFIX + key]);
}

/** The missing set as the `activated` message carries it. */
export function encodeMissing(m: MissingSet): [Buffer, Ev, boolean][] {
  return [...m.values()].map((x) => [encodeOid(x.oid), evOf(x.need), x.gone]);
}
export function decodeMissing(l: [Buffer, Ev, boolean][]): MissingSet {
  const out: MissingSet = new Map();
  for (const [b, need, gone] of l) {
    const oid = decodeOid(b);
    out.set(oidKey(oid), { oid, need: evFrom(need), gone });
  }
  return out;
}
