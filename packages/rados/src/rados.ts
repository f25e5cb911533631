import { CephConf, cephError, Errno, loadCephConf } from '@ts-ceph/common';
import { EntityName, EntityType } from '@ts-ceph/denc';
import { lookupPoolName, PoolStatT } from '@ts-ceph/maps';
import { CephMessage, messageTypes } from '@ts-ceph/messenger';
import { MGetPoolStatsCodec, MGetPoolStatsReply, MSG_GETPOOLSTATSREPLY, PAXOS_HEAD_DEFAULT } from '@ts-ceph/messages';
import { monClientFor, parseTimeoutSeconds, resolveClientConfig } from './client-config';
import { IoCtx } from './ioctx';
import { MonClient } from './mon-client';
import { LingerOps } from './objecter/linger';
import { Objecter } from './objecter/objecter';

export interface RadosConnectOptions {
  /** ceph.conf path or a parsed conf. */
  conf: string | CephConf;
  /** Our entity: client.admin unless given ("client.rgw.a" or {type, id}). */
  name?: string | EntityName;
  keyring?: string;
  cluster?: string;
  /** How long to wait for the monitors and the first osdmap (ms). */
  timeoutMs?: number;
  /** rados_osd_op_timeout in ms (the conf's, in seconds, otherwise; 0: wait for ever). */
  opTimeoutMs?: number;
  /** mon_client_ping_interval-like period of watch pings (ms). */
  watchPingMs?: number;
}

function entityName(n: string | EntityName | undefined): EntityName {
  if (n === undefined) return { type: EntityType.CLIENT, id: 'admin' };
  if (typeof n !== 'string') return n;
  const dot = n.indexOf('.');
  if (!n.startsWith('client.') || dot < 0) throw cephError('EINVAL', `not a client name: ${n}`);
  return { type: EntityType.CLIENT, id: n.slice(dot + 1) };
}

/**
 * A RADOS cluster handle (librados::Rados): a MonClient session, the Objecter on top of it, and
 * pool management through monitor commands. `Rados.connect` resolves once we are authenticated
 * and hold an osdmap.
 */
export class Rados {
  private constructor(
    readonly monc: MonClient,
    readonly objecter: Objecter,
    readonly linger: LingerOps,
  ) {}

  static async connect(o: RadosConnectOptions): Promise<Rados> {
    const conf = typeof o.conf === 'string' ? loadCephConf(o.conf) : o.conf;
    const name = entityName(o.name);
    const cfg = resolveClientConfig(conf, name, { keyring: o.keyring, cluster: o.cluster });
    const monc = monClientFor(cfg);
    const timeoutMs = o.timeoutMs ?? 30_000;
    const confTimeout = conf.get('rados_osd_op_timeout', `client.${name.id}`, cfg.cluster);
    const opTimeoutMs = o.opTimeoutMs ?? (confTimeout ? parseTimeoutSeconds(confTimeout, 'rados_osd_op_timeout') : 0);
    const objecter = new Objecter({ monc, opTimeoutMs });
    const linger = new LingerOps(objecter, o.watchPingMs);
    try {
      await monc.authenticate(timeoutMs);
      await objecter.start(timeoutMs);
    } catch (e) {
      await objecter.shutdown();
      await monc.shutdown();
      throw e;
    }
    return new Rados(monc, objecter, linger);
  }

  /** Our global id (client.N): what watchers see as the notifier. */
  get instanceId(): bigint {
    return this.monc.globalId;
  }

  /** The pool's id, or ENOENT. */
  poolLookup(name: string): number {
    const m = this.objecter.osdmap;
    const id = m ? lookupPoolName(m, name) : -1;
    if (id < 0) throw cephError('ENOENT', `pool ${name} does not exist`);
    return id;
  }

  poolList(): string[] {
    return [...(this.objecter.osdmap?.poolName.values() ?? [])];
  }

  ioctx(pool: string): IoCtx {
    return new IoCtx(this, this.poolLookup(pool), pool);
  }

  /** A monitor command; CephError with the mon's errno and status text when it fails. */
  async monCommand(cmd: Record<string, unknown>, timeoutMs = 30_000): Promise<{ rs: string; data: Buffer }> {
    const r = await this.monc.command(cmd, Buffer.alloc(0), timeoutMs);
    if (r.r < 0) throw cephError(errnoKey(r.r), `${String(cmd.prefix)}: ${r.rs}`);
    return { rs: r.rs, data: r.data };
  }

  /** Wait until our osdmap is at least the monitors' newest (after a pool change). */
  async waitForLatestMap(timeoutMs = 30_000): Promise<void> {
    const v = await this.monc.getVersion('osdmap');
    await this.objecter.waitForEpoch(Number(v.version), timeoutMs);
  }

  /** `osd pool create` (EEXIST is not an error to Ceph's mon, nor here), then wait for the map with it. */
  async poolCreate(name: string, pgNum = 8): Promise<number> {
    await this.monCommand({ prefix: 'osd pool create', pool: name, pg_num: pgNum });
    await this.waitForLatestMap();
    return this.poolLookup(name);
  }

  async poolDelete(name: string): Promise<void> {
    await this.monCommand({ prefix: 'osd pool rm', pool: name, pool2: name, yes_i_really_really_mean_it: true });
    await this.waitForLatestMap();
  }

  /**
   * pool_stat_t of `pool` from the monitor (MGetPoolStats, as `rados df` asks): ENOENT for a pool
   * the answer does not cover, ETIMEDOUT without an answer in `timeoutMs`.
   */
  async poolStat(pool: string, timeoutMs = 30_000): Promise<PoolStatT> {
    this.poolLookup(pool);
    const tid = ++this.statTid;
    const reply = await new Promise<MGetPoolStatsReply>((resolve, reject) => {
      const onMessage = (m: { msg: CephMessage; payload: unknown }): void => {
        if (m.msg.type !== MSG_GETPOOLSTATSREPLY || m.msg.tid !== tid) return;
        this.monc.off('message', onMessage as (v: never) => void);
        timer.cancel();
        resolve(m.payload as MGetPoolStatsReply);
      };
      const timer = this.objecter.clock.setTimeout(() => {
        this.monc.off('message', onMessage as (v: never) => void);
        reject(cephError('ETIMEDOUT', `no pool stats within ${timeoutMs} ms`));
      }, timeoutMs);
      this.monc.on('message', onMessage);
      this.monc.send(messageTypes.build(MGetPoolStatsCodec, { paxos: PAXOS_HEAD_DEFAULT, fsid: this.monc.fsid, pools: [pool] }, { tid }));
    });
    const st = reply.poolStats.find(([name]) => name === pool);
    if (!st) throw cephError('ENOENT', `no stats for pool ${pool}`);
    return st[1];
  }

  private statTid = 0n;

  async shutdown(): Promise<void> {
    this.linger.shutdown();
    await this.objecter.shutdown();
    await this.monc.shutdown();
  }
}

/** The Errno key of a negative errno (EIO when we have no name for it). */
function errnoKey(r: number): keyof typeof Errno {
  const n = -r;
  for (const [k, v] of Object.entries(Errno)) if (v === n) return k as keyof typeof Errno;
  return 'EIO';
}
