// Deterministic random transactions for the crash tests: transaction i of a seed is always the same
// list of ops, valid in any store state, so the parent can rebuild the expected state in a MemStore.
import { Prng } from '@ts-ceph/testkit';
import { collPG, GHObject, ghobject, ObjectStore, Transaction } from '../src';

export const crashColl = collPG(7, 0x3);
export const crashObjects = 10;
export const objName = (n: number): GHObject => ghobject({ pool: 7, name: `obj${n}`, hash: (n * 0x9e3779b1) >>> 0 });

/** n bytes from one seed drawn from `rng` (an LCG fills the up to 300 KB writes cheaply). */
function bytes(rng: Prng, n: number): Buffer {
  const b = Buffer.alloc(n);
  let v = (rng.next() * 0xffffffff) >>> 0;
  for (let i = 0; i < n; i++) {
    v = (Math.imul(v, 1103515245) + 12345) >>> 0;
    b[i] = v >>> 24;
  }
  return b;
}

export function makeTxn(seed: number, i: number): Transaction {
  const rng = new Prng(seed * 1000003 + i);
  const t = new Transaction();
  const groups = 1 + Math.floor(rng.next() * 3);
  for (let g = 0; g < groups; g++) {
    const o = objName(Math.floor(rng.next() * crashObjects));
    const r = rng.next();
    if (r < 0.06) {
      t.remove(crashColl, o);
      continue;
    }
    const kind = rng.next();
    if (kind < 0.55) t.write(crashColl, o, Math.floor(rng.next() * 65536), bytes(rng, 1 + Math.floor(rng.next() * 8000)));
    else if (kind < 0.85) t.write(crashColl, o, Math.floor(rng.next() * 32) * 4096, bytes(rng, 4096));
    else t.write(crashColl, o, Math.floor(rng.next() * 128) * 4096, bytes(rng, 100000 + Math.floor(rng.next() * 200000)));
    t.setattr(crashColl, o, 'v', Buffer.from(String(i)));
    t.omapSetKeys(crashColl, o, new Map([[`k${Math.floor(rng.next() * 20)}`, Buffer.from(String(i))]]));
    if (r < 0.1) t.clone(crashColl, o, objName(Math.floor(rng.next() * crashObjects)));
    else if (r < 0.13) t.truncate(crashColl, o, Math.floor(rng.next() * 70000));
    else if (r < 0.16) t.omapRmKeyRange(crashColl, o, 'k1', 'k5');
    else if (r < 0.2) t.omapSetHeader(crashColl, o, Buffer.from(`h${i}`));
    else if (r < 0.23) t.zero(crashColl, o, Math.floor(rng.next() * 50000), Math.floor(rng.next() * 20000));
  }
  return t;
}

/** A digest of everything observable about the crash collection's objects. */
export async function snapshot(store: ObjectStore): Promise<string> {
  const parts: string[] = [];
  for (let n = 0; n < crashObjects; n++) {
    const o = objName(n);
    if (!(await store.exists(crashColl, o))) {
      parts.push(`${n}:-`);
      continue;
    }
    const data = await store.read(crashColl, o, 0, 0);
    const attrs = [...(await store.getattrs(crashColl, o))].map(([k, v]) => `${k}=${v.toString('hex')}`).sort();
    const om = await store.omapGet(crashColl, o);
    const keys = [...om.values].map(([k, v]) => `${k}=${v.toString('hex')}`);
    const { createHash } = await import('node:crypto');
    parts.push(`${n}:${data.length}:${createHash('sha256').update(data).digest('hex')}:${attrs.join(',')}:${om.header.toString('hex')}:${keys.join(',')}`);
  }
  return parts.join('\n');
}
