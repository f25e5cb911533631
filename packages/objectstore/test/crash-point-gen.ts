// The crash-point test's transactions: transaction `id` overwrites one whole block (block id mod
// pointBlocks, across pointObjects objects) with the id repeated, and records the id in the log
// object's omap, as ts-osd's write and PG log entry do.
import { collPG, ghobject, GHObject, Transaction } from '../src';

export const pointColl = collPG(5, 0);
export const pointObjects = 4;
export const pointObjectBlocks = 8;
export const pointBlocks = pointObjects * pointObjectBlocks;
export const pointLog = ghobject({ pool: 5, name: 'log', hash: 0 });
export const pointObj = (n: number): GHObject => ghobject({ pool: 5, name: `point${n}`, hash: Math.imul(n + 1, 0x9e3779b1) >>> 0 });
export const logKey = (id: number): string => id.toString().padStart(10, '0');

/** The block a transaction writes: object and byte offset. */
export function pointTarget(id: number): { o: GHObject; offset: number } {
  const b = id % pointBlocks;
  return { o: pointObj(Math.floor(b / pointObjectBlocks)), offset: (b % pointObjectBlocks) * 4096 };
}

export function pointBlock(id: number): Buffer {
  const b = Buffer.alloc(4096);
  for (let i = 0; i < 4096; i += 4) b.writeUInt32LE(id, i);
  return b;
}

export function pointTxn(id: number): Transaction {
  const { o, offset } = pointTarget(id);
  return new Transaction().write(pointColl, o, offset, pointBlock(id)).omapSetKeys(pointColl, pointLog, new Map([[logKey(id), Buffer.from('x')]]));
}
