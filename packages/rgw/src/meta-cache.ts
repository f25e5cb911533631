/**
 * The gateway's cache of users, access keys and bucket records (radosgw's RGWCache over its
 * metadata pool, invalidated through watch/notify on the control objects: rgw_cache.h,
 * svc_notify.cc). Without it every S3 request re-reads `key.<ak>`, `user.<uid>` and
 * `bucket.<name>` (three RADOS round trips before any object work). Every writer of those records
 * (a gateway, ts-rgw-admin) notifies the control object `notify.meta` in the meta pool after the
 * write and waits for the watchers' acks (RgwStore.metaChanged), so a gateway drops its copy before
 * the change is reported done; docs/formats/rgw.md, "Metadata cache".
 */
import { isCephError, logger } from '@ts-ceph/common';
import { IoCtx, WriteOp } from '@ts-ceph/rados';

const log = logger('rgw');

/** Named limits of the cache (docs/LIMITS.md, "rgw"). */
export const rgwCacheLimits = {
  /** Age after which an entry is read again even without a notify (a backstop for a lost notify). */
  entryAgeMsMax: 30_000,
  /** Entries per kind; the oldest go first beyond it. */
  entriesMax: 10_000,
  /** How long a writer waits for the gateways' acks (a gateway killed without closing its watch holds it until then). */
  notifyTimeoutSec: 5,
};

/** The control object every gateway watches. */
export const metaNotifyOid = 'notify.meta';

export type MetaKind = 'user' | 'key' | 'bucket';

/** The payload of a notify: which record changed. */
export function metaNotifyPayload(kind: MetaKind, name: string): Buffer {
  return Buffer.from(JSON.stringify({ kind, name }));
}

interface Slot {
  value: unknown;
  atMs: number;
}

export class MetaCache {
  private readonly maps = new Map<MetaKind, Map<string, Slot>>([
    ['user', new Map()],
    ['key', new Map()],
    ['bucket', new Map()],
  ]);
  /** Bumped by every invalidation: a read that started before one does not fill the cache. */
  private epoch = 0;
  private enabled = false;

  /** Watch the control object (created when missing); until it is watched, nothing is cached. */
  async start(meta: IoCtx): Promise<void> {
    await meta.operate(metaNotifyOid, new WriteOp().create(false));
    await meta.watch(metaNotifyOid, {
      onNotify: (ev) => {
        try {
          const { kind, name } = JSON.parse(ev.payload.toString()) as { kind: MetaKind; name: string };
          this.drop(kind, name);
        } catch {
          this.clear();
        }
      },
      onError: (err) => {
        // Notifies may have been missed: cache nothing from here on (correct, only slower).
        log.dout(0, `metadata cache off: the watch on ${metaNotifyOid} failed (${err.message})`);
        this.enabled = false;
        this.clear();
      },
    });
    this.enabled = true;
  }

  /** The cached value, or what `load` reads (cached unless an invalidation happened meanwhile). */
  async get<T>(kind: MetaKind, name: string, nowMs: number, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const m = this.maps.get(kind)!;
    const hit = this.enabled ? m.get(name) : undefined;
    if (hit && nowMs - hit.atMs < rgwCacheLimits.entryAgeMsMax) return hit.value as T;
    const epoch = this.epoch;
    const v = await load();
    // Absent records are not cached: a create needs no notify.
    if (v !== undefined && this.enabled && epoch === this.epoch) {
      if (m.size >= rgwCacheLimits.entriesMax) m.delete(m.keys().next().value!);
      m.set(name, { value: v, atMs: nowMs });
    }
    return v;
  }

  drop(kind: MetaKind, name: string): void {
    this.epoch++;
    this.maps.get(kind)?.delete(name);
  }

  clear(): void {
    this.epoch++;
    for (const m of this.maps.values()) m.clear();
  }
}

/** Tell every gateway that a record changed; a meta pool no gateway ever watched has no control object. */
export async function notifyMetaChange(meta: IoCtx, kind: MetaKind, name: string): Promise<void> {
  try {
    await meta.notify(metaNotifyOid, metaNotifyPayload(kind, name), rgwCacheLimits.notifyTimeoutSec);
  } catch (e) {
    if (isCephError(e, 'ENOENT')) return;
    // A gateway that did not ack in time is dead or wedged; its cache entries age out (entryAgeMsMax).
    if (isCephError(e, 'ETIMEDOUT')) return;
    throw e;
  }
}
