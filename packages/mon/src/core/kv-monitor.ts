/**
 * The config-key store (src/mon/KVMonitor.cc, service "kv"): arbitrary keys under the store prefix
 * `mon_config_key`, versioned like every service. Each version's delta (map<string,
 * optional<bufferlist>>) is kept under `kv/<v>`; the keys themselves live in `mon_config_key`.
 * The config database (ConfigMonitor) stores its `config/...` keys here too, as Ceph does.
 */
import { cephError } from '@ts-ceph/common/core';
import { Writer, startsWithBytes } from '@ts-ceph/denc';
import { PaxosService } from './paxos-service';
import { StoreTransaction } from './store-txn';
import { StoreView } from './store-view';
import { CommandHandler, CommandRequest, fail, formatterOrPretty, ok, proposeThen, reply } from './commands/types';
import { getStr, reqStr } from './commands/cmdmap';

export const KV_PREFIX = 'mon_config_key';

export const kvLimits = {
  /** Versions of kv deltas kept (Ceph: MAX_HISTORY 50). */
  kvHistoryVersionsMax: 50,
};

export class KVMonitor extends PaxosService {
  private pending = new Map<string, Buffer | null>();
  version = 0;

  constructor(
    store: StoreView,
    /** mon_config_key_max_entry_size, read at each set. */
    private readonly maxEntryBytes: () => number,
  ) {
    super('kv', store);
  }

  createInitial(): void {
    this.version = 0;
    this.pending.clear();
  }
  updateFromPaxos(): void {
    this.version = this.lastCommitted;
  }
  createPending(): void {
    this.pending.clear();
  }
  havePending(): boolean {
    return this.pending.size > 0;
  }

  encodePending(t: StoreTransaction): void {
    const v = this.version + 1;
    this.putLastCommitted(t, v);
    const w = new Writer();
    w.pairs(
      [...this.pending.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
      (w, k) => w.string(k),
      (w, val) => w.optional(val ?? undefined, (w, b) => w.blob(b)),
    );
    this.putVersion(t, v, w.finish());
    for (const [k, val] of this.pending) {
      if (val) t.put(KV_PREFIX, k, val);
      else t.erase(KV_PREFIX, k);
    }
  }

  override getTrimTo(): number {
    return this.version > kvLimits.kvHistoryVersionsMax ? this.version - kvLimits.kvHistoryVersionsMax : 0;
  }

  /** enqueue_set / enqueue_rm: other services (ConfigMonitor) write their keys through us. */
  enqueueSet(key: string, value: Buffer): void {
    this.pending.set(key, value);
  }
  enqueueRm(key: string): void {
    this.pending.set(key, null);
  }

  get(key: string): Buffer | undefined {
    return this.store.get(KV_PREFIX, key);
  }

  /** Committed keys of the store prefix, in order. */
  keys(): string[] {
    return this.store.keys(KV_PREFIX);
  }

  commands(): Record<string, CommandHandler> {
    const get: CommandHandler = (req) => {
      const key = reqStr(req.cmdmap, 'key');
      const v = this.get(key);
      if (!v) return reply(-2, '');
      return { reply: { r: 0, rs: '', outbl: v }, version: this.lastCommitted };
    };
    const exists: CommandHandler = (req) => {
      const key = reqStr(req.cmdmap, 'key');
      return this.get(key) ? reply(0, `key '${key}' exists`) : fail('ENOENT', `key '${key}' doesn't exist`);
    };
    const ls: CommandHandler = (req) => {
      const f = formatterOrPretty(req);
      f.openArray('keys');
      for (const k of this.keys()) f.dumpString('key', k);
      f.close();
      return ok(f.toString());
    };
    const dump: CommandHandler = (req) => {
      const key = getStr(req.cmdmap, 'key', '');
      const f = formatterOrPretty(req);
      f.openObject('config-key store');
      for (const k of this.store.keys(KV_PREFIX, key || undefined)) {
        if (key && !startsWithBytes(k, key)) break;
        const v = this.get(k)!;
        f.dumpString(k, isBinary(v) ? `<<< binary blob of length ${v.length} >>>` : v.toString('utf8'));
      }
      f.close();
      return ok(f.toString());
    };
    const set: CommandHandler = (req) => this.prepareSet(req);
    const rm: CommandHandler = (req) => {
      const key = requireKey(req);
      this.pending.set(key, null);
      return proposeThen([this], 0, 'key deleted');
    };
    return {
      'config-key get': get,
      'config-key exists': exists,
      'config-key ls': ls,
      'config-key list': ls,
      'config-key dump': dump,
      'config-key set': set,
      'config-key put': set,
      'config-key rm': rm,
      'config-key del': rm,
    };
  }

  private prepareSet(req: CommandRequest) {
    const key = requireKey(req);
    const val = getStr(req.cmdmap, 'val');
    const data = val !== undefined ? Buffer.from(val) : Buffer.from(req.inbuf);
    const max = this.maxEntryBytes();
    if (data.length > max) {
      return fail('EFBIG', `error: entry size limited to ${max} bytes. Use 'mon config key max entry size' to manually adjust`);
    }
    this.pending.set(key, data);
    return proposeThen([this], 0, `set ${key}`);
  }
}

function requireKey(req: CommandRequest): string {
  const key = getStr(req.cmdmap, 'key');
  if (key === undefined) throw cephError('EINVAL', 'must specify a key');
  return key;
}

/**
 * is_binary_string (KVMonitor.cc): a control character other than \n and \t, DEL, or (char being
 * signed there) any byte >= 0x80.
 */
function isBinary(b: Buffer): boolean {
  for (const c of b) if ((c < 0x20 && c !== 0x0a && c !== 0x09) || c >= 0x7f) return true;
  return false;
}
