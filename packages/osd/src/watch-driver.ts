import { PromiseChains } from './pg-chains';
import { CephConf, Clock, TimerHandle, logger } from '@ts-ceph/common';
import { utimeFromMs } from '@ts-ceph/denc';
import { PgT, pgKey } from '@ts-ceph/maps';
import { Connection, messageTypes } from '@ts-ceph/messenger';
import { MWatchNotifyCodec, formatMWatchNotify } from '@ts-ceph/messages';
import { GHObject, Transaction, ghobjectSortKey } from '@ts-ceph/objectstore';
import { loadObjectState } from './core/op-engine';
import { StoreReader } from './core/op-context';
import { PG } from './core/pg';
import { WatchAction, WatchConfig, WatchRegistry, watchTimeoutWrite } from './core/watch';

const log = logger('osd');

/** What the driver needs from the daemon. */
export interface WatchDriverHost {
  clock: Clock;
  store: StoreReader & { queueTransaction(t: Transaction): Promise<void> };
  epoch(): number;
  /** The daemon's PGs, its per-PG op chains and its not-yet-durable writes by object (`pg/sortkey`). */
  pgs: ReadonlyMap<string, PG>;
  pgQueues: PromiseChains;
  objectCommits: ReadonlyMap<string, Promise<void>>;
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
 * in the PG's op queue (OSDService::watch_timer and PrimaryLogPG::handle_watch_timeout).
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

  /** HandleWatchTimeout: remove the watcher through a PG write, then drop the live watch. */
  private expire(a: Extract<WatchAction, { kind: 'expire' }>): void {
    const { pgid, oid, cookie, entity } = a;
    log.dout(10, `watch ${cookie} of ${entity.type}.${entity.num} on ${oid.name} timed out`);
    this.queueInternal(pgid, oid, async (pg) => {
      // A reconnect that ran before this op keeps the watch.
      if (!this.registry.isExpiring(pgid, oid, cookie, entity)) return;
      if (pg) {
        const state = await loadObjectState(this.host.store, pg, oid);
        const w = watchTimeoutWrite(pg, state, oid, cookie, entity, this.host.epoch(), utimeFromMs(this.host.clock.wallNow()));
        if (w) {
          // A write outside the PG core: the PG's object contexts must not keep the old watchers.
          pg.obc.invalidate(w.t);
          await this.host.store.queueTransaction(w.t);
        }
      }
      this.apply(this.registry.watchExpired(pgid, oid, cookie, entity));
    });
  }

  /** Run `fn` in the PG's op order, once earlier writes to `oid` are durable (an internal op). */
  private queueInternal(pgid: PgT, oid: GHObject, fn: (pg: PG | undefined) => Promise<void>): void {
    const key = pgKey(pgid);
    const run = async (): Promise<void> => {
      await this.host.objectCommits.get(`${key}/${ghobjectSortKey(oid)}`);
      await fn(this.host.pgs.get(key));
    };
    const prev = this.host.pgQueues.get(key) ?? Promise.resolve();
    this.host.pgQueues.set(key, prev.then(run).catch((e) => log.dout(0, `internal op failed: ${(e as Error).stack}`)));
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
