/**
 * The config database (src/mon/ConfigMonitor.cc, service "config"). Values live in the config-key
 * store as `config/<who>[/<mask>]/<name>`; each change also records a change set under
 * `config-history/<v>/` (meta: utime stamp + description; `+key` new value, `-key` previous value),
 * all written through KVMonitor in the same proposal as our version bump.
 */
import { Reader, Writer, decodeUTime, encodeUTime, utimeFromMs, formatUTime, UTime } from '@ts-ceph/denc';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';
import { KVMonitor, KV_PREFIX } from '../kv-monitor';
import { ConfigMap, EntityContext } from './config-map';
import { OptionTable } from './options';

export const KEY_PREFIX = 'config/';
export const HISTORY_PREFIX = 'config-history/';

export interface ConfigChangeSet {
  version: number;
  stamp: UTime;
  name: string;
  /** key -> [previous value, new value] */
  diff: Map<string, [string | undefined, string | undefined]>;
}

export class ConfigMonitor extends PaxosService {
  version = 0;
  /** Committed values: key (without "config/") -> value. */
  readonly current = new Map<string, string>();
  readonly configMap = new ConfigMap();
  pending = new Map<string, string | null>();
  pendingDescription = '';

  constructor(
    store: StoreView,
    readonly kv: KVMonitor,
    readonly options: OptionTable,
  ) {
    super('config', store);
  }

  createInitial(): void {
    this.version = 0;
    this.pending.clear();
    this.pendingDescription = '';
  }

  updateFromPaxos(): void {
    this.version = this.lastCommitted;
    this.loadConfig();
  }

  createPending(): void {
    this.pending = new Map();
    this.pendingDescription = '';
  }

  havePending(): boolean {
    return true;
  }

  /** Ceph's encode_pending only bumps our version; the keys go through KVMonitor (encodePendingToKV). */
  encodePending(t: StoreTransaction): void {
    this.putLastCommitted(t, this.version + 1);
  }

  /** encode_pending_to_kvmon: queue the key changes and the change set on the kv service. */
  encodePendingToKV(now: number): void {
    const history = `${HISTORY_PREFIX}${this.version + 1}/`;
    const meta = new Writer();
    encodeUTime(meta, utimeFromMs(now));
    meta.string(this.pendingDescription);
    this.kv.enqueueSet(history, meta.finish());
    for (const [key, value] of this.pending) {
      const prev = this.current.get(key);
      if (prev !== undefined) {
        if (value !== null && value === prev) continue;
        this.kv.enqueueSet(`${history}-${key}`, Buffer.from(prev));
      } else if (value === null) continue;
      if (value !== null) {
        this.kv.enqueueSet(KEY_PREFIX + key, Buffer.from(value));
        this.kv.enqueueSet(`${history}+${key}`, Buffer.from(value));
      } else {
        this.kv.enqueueRm(KEY_PREFIX + key);
      }
    }
  }

  override getTrimTo(): number {
    return this.version > 5 ? this.version - 5 : 0;
  }

  /** Rebuild `current` and the ConfigMap from the committed `config/` keys. */
  loadConfig(): void {
    this.current.clear();
    this.configMap.clear();
    for (const k of this.store.keys(KV_PREFIX, KEY_PREFIX)) {
      if (!k.startsWith(KEY_PREFIX)) break;
      const key = k.slice(KEY_PREFIX.length);
      const value = this.store.get(KV_PREFIX, k)!.toString('utf8');
      this.current.set(key, value);
      // Unknown options are kept in the store but not handed to daemons.
      const name = key.slice(key.lastIndexOf('/') + 1);
      if (this.options.has(name) || key.includes('/mgr/')) this.configMap.addKey(key, value);
    }
  }

  loadChangeset(v: number): ConfigChangeSet {
    const prefix = `${HISTORY_PREFIX}${v}/`;
    const ch: ConfigChangeSet = { version: v, stamp: { sec: 0, nsec: 0 }, name: '', diff: new Map() };
    for (const k of this.store.keys(KV_PREFIX, prefix)) {
      if (!k.startsWith(prefix)) break;
      const val = this.store.get(KV_PREFIX, k)!;
      if (k === prefix) {
        const r = new Reader(val);
        ch.stamp = decodeUTime(r);
        ch.name = r.string('name');
        continue;
      }
      const op = k[prefix.length];
      const key = k.slice(prefix.length + 1);
      const d = ch.diff.get(key) ?? [undefined, undefined];
      if (op === '-') d[0] = val.toString('utf8');
      else if (op === '+') d[1] = val.toString('utf8');
      ch.diff.set(key, d);
    }
    return ch;
  }

  /** What `entity` sees (the MConfig payload), option -> value. */
  entityConfig(ctx: EntityContext): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.configMap.generateEntityMap(ctx)) out.set(k, v.value);
    return out;
  }
}

export function printChangeset(ch: ConfigChangeSet): string {
  let out = `--- ${ch.version} --- ${formatUTime(ch.stamp)}`;
  if (ch.name) out += ` --- ${ch.name}`;
  out += ' ---\n';
  for (const [k, [prev, next]] of ch.diff) {
    if (prev !== undefined) out += `- ${k} = ${prev}\n`;
    if (next !== undefined) out += `+ ${k} = ${next}\n`;
  }
  return out;
}
