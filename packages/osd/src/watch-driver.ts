import { CephConf, Clock, TimerHandle, logger } from '@ts-ceph/common';
import { EntityAddr, utimeFromMs } from '@ts-ceph/denc';
import { pgKey } from '@ts-ceph/maps';
import { Connection, messageTypes } from '@ts-ceph/messenger';
import { MWatchNotifyCodec, formatMWatchNotify } from '@ts-ceph/messages';
import { loadObjectState } from './core/op-engine';
import { StoreReader } from './core/op-context';
import { PG } from './core/pg';
import { InternalOp, InternalRefusal } from './core/peering';
import { WatchAction, WatchConfig, WatchRegistry, watchTimeoutWrite } from './core/watch';

const log = logger('osd');

/** Named limits of the watch driver (docs/LIMITS.md). */
export const watchDriverLimits = {
  /** How long a watch timeout waits before trying again when its PG is not active (peering), ms. */
  expireRetryMs: 1_000,
};

/** What the driver needs from the daemon. */
export interface WatchDriverHost {
  clock: Clock;
  store: StoreReader;
  /** The daemon's PGs, by key: the watcher's removal is built against the PG's object. */
  pgs: ReadonlyMap<string, PG>;
  /** An internal write through the PG's core, in its chain (PgDriver.submitInternal). */
  submit(key: string, op: InternalOp): Promise<InternalRefusal | 'no_pg' | undefined>;
}

/** osd_client_watch_timeout and osd_default_notify_timeout from the conf (unset: Ceph's defaults). */
export function watchConfigFrom(conf: CephConf, entity: string): Partial<WatchConfig> {
  const num = (k: string): number | undefined => {
    const v = conf.get(k, entity);
    const n = v === undefined ? NaN : Number(v);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  };
  return { clientWatchTimeoutSeconds: num('osd_client_watch_timeout'), notifyTimeoutSeconds: num('osd_default_notify_timeout') };
}

/**
 * Carries out the WatchRegistry's decisions: MWatchNotify messages over the client connections,
 * one timer (the Clock's) at the registry's next deadline, and watch timeouts as internal writes
 * through the PG's core (OSDService::watch_timer and PrimaryLogPG::handle_watch_timeout).
 */
export class WatchDriver {
  readonly registry: WatchRegistry;
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  private stopped = false;

  constructor(
    private readonly host: WatchDriverHost,
    config: Partial<WatchConfig> = {},
  ) {
    this.registry = new WatchRegistry(config, (a) => this.apply(a));
  }

  apply(actions: WatchAction[]): void {
    for (const a of actions) {
      if (a.kind === 'send') this.send(a.client, a);
      else this.expire(a);
    }
    this.rearm();
  }

  /**
   * A new OSDMap (PeeringState::activate_map → check_blocklisted_watchers): the watches of the
   * clients it blocklists go the way of a timed-out watch, through a write on every copy. `check`
   * is the map's OSDMap::is_blocklisted, undefined when it blocklists nobody.
   */
  onMap(check: ((addr: EntityAddr) => boolean) | undefined): void {
    this.registry.blocklisted = check;
    if (!check) return;
    const expire = this.registry.expireBlocklisted(check);
    for (const a of expire) if (a.kind === 'expire') log.dout(10, `watch ${a.cookie} of ${a.entity.type}.${a.entity.num} on ${a.oid.name}: the client is blocklisted`);
    this.apply(expire);
  }

  /** WatchConState::reset: the client's watches stay until their timeout, disconnected. */
  handleReset(client: unknown): void {
    this.registry.handleReset(client, this.host.clock.wallNow());
    this.rearm();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private send(client: unknown, a: Extract<WatchAction, { kind: 'send' }>): void {
    const con = client as Connection | undefined;
    if (!con || typeof con.send !== 'function') return;
    log.dout(10, `send ${formatMWatchNotify(a.msg)}`);
    try {
      con.send(messageTypes.build(MWatchNotifyCodec, a.msg, { features: con.features }));
    } catch (e) {
      log.dout(1, `watch-notify not sent: ${(e as Error).message}`);
    }
  }

  /**
   * HandleWatchTimeout: remove the watcher from the object info with an internal write through the
   * PG's core (simple_opc_submit: ordered with the client ops on the object, and on every copy as a
   * RepOp), then drop the live watch once the write is durable everywhere. A PG that is not active
   * (peering) tries again later; one we are no longer the primary of only drops the live watch (the
   * object's new primary owns its object info).
   */
  private expire(a: Extract<WatchAction, { kind: 'expire' }>): void {
    const { pgid, oid, cookie, entity } = a;
    const key = pgKey(pgid);
    log.dout(10, `watch ${cookie} of ${entity.type}.${entity.num} on ${oid.name} timed out`);
    const drop = (): void => this.apply(this.registry.watchExpired(pgid, oid, cookie, entity));
    let expiring = false;
    const op: InternalOp = {
      oid,
      build: async (epoch) => {
        // A reconnect that ran before this op keeps the watch.
        expiring = this.registry.isExpiring(pgid, oid, cookie, entity);
        const pg = this.host.pgs.get(key);
        if (!expiring || !pg) return undefined;
        const state = await loadObjectState(this.host.store, pg, oid);
        return watchTimeoutWrite(pg, state, oid, cookie, entity, epoch, utimeFromMs(this.host.clock.wallNow()))?.t;
      },
      done: (ok) => {
        if (!ok) return this.retry(a);
        if (expiring) drop();
      },
    };
    void this.host.submit(key, op).then((refused) => {
      if (refused === 'not_active') return this.retry(a);
      if (refused && this.registry.isExpiring(pgid, oid, cookie, entity)) drop();
    });
  }

  /** The timeout's write again after expireRetryMs (its PG was peering, or changed interval). */
  private retry(a: Extract<WatchAction, { kind: 'expire' }>): void {
    if (this.stopped) return;
    this.host.clock.setTimeout(() => {
      if (!this.stopped && this.registry.isExpiring(a.pgid, a.oid, a.cookie, a.entity)) this.expire(a);
    }, watchDriverLimits.expireRetryMs);
  }

  /** One timer, at the registry's earliest deadline. */
  private rearm(): void {
    if (this.stopped) return;
    const at = this.registry.nextDeadline();
    if (at === this.timerAt) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.host.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.apply(this.registry.tick(this.host.clock.wallNow()));
      },
      Math.max(0, at - this.host.clock.wallNow()),
    );
  }
}
