/**
 * KVBackend on LevelDB (the `level` package, classic-level underneath), as Ceph's mon uses LevelDB or
 * RocksDB. LevelDB's own LOCK file keeps a second ts-mon off the same data directory.
 */
import { Level } from 'level';
import { cephError } from '@ts-ceph/common';
import { stringFromBytes, stringToBytes } from '@ts-ceph/denc';
import { KVBackend, KVWrite } from './kv';

/**
 * Keys are stored as their bytes (denc's string-bytes.ts): a config-key name, like any Ceph string,
 * may hold bytes that are not UTF-8, and LevelDB's utf8 key encoding would replace them. A UTF-8 key
 * is the same bytes either way, so stores written before read the same.
 */
export class LevelKV implements KVBackend {
  private constructor(private readonly db: Level<Buffer, Buffer>) {}

  static async open(path: string, opts: { createIfMissing: boolean }): Promise<LevelKV> {
    const db = new Level<Buffer, Buffer>(path, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open({ createIfMissing: opts.createIfMissing, errorIfExists: false });
    } catch (e) {
      const cause = (e as { cause?: Error }).cause ?? (e as Error);
      const msg = String(cause.message ?? cause);
      if (/lock/i.test(msg)) throw cephError('EBUSY', `mon store ${path} is in use by another process: ${msg}`, { cause: e });
      if (/does not exist/i.test(msg)) throw cephError('ENOENT', `mon store ${path} does not exist (run --mkfs first)`, { cause: e });
      throw cephError('EIO', `cannot open mon store ${path}: ${msg}`, { cause: e });
    }
    return new LevelKV(db);
  }

  async loadAll(): Promise<[string, Buffer][]> {
    const out: [string, Buffer][] = [];
    for await (const [k, v] of this.db.iterator()) out.push([stringFromBytes(k), v]);
    return out;
  }

  async write(ops: KVWrite[]): Promise<void> {
    if (ops.length === 0) return;
    try {
      await this.db.batch(
        ops.map((o) => (o.type === 'put' ? { type: 'put' as const, key: stringToBytes(o.key), value: o.value } : { type: 'del' as const, key: stringToBytes(o.key) })),
        { sync: true },
      );
    } catch (e) {
      throw cephError('EIO', `mon store write failed: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
