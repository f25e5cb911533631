/**
 * A raw RADOS client for the OSD fuzz test: our own MonClient (cephx as client.admin) for the osdmap
 * and the service tickets, and our own messenger with a session to osd.0 that sends any CephMessage
 * the test builds (mutated fronts included) and reports, per request, the MOSDOpReply, the session
 * closing under it, or nothing within a timeout. A closed session is reopened for the next request.
 */
import { CephError, loadCephConf } from '@ts-ceph/common';
import { EntityType, Reader } from '@ts-ceph/denc';
import { decodeOSDMap, ObjectLocatorT, objectLocator, OSDMap } from '@ts-ceph/maps';
import { CephMessage, Connection, Dispatcher, Messenger } from '@ts-ceph/messenger';
import { CEPH_MSG_OSD_OPREPLY, MOSDMap, MOSDOpReply } from '@ts-ceph/messages';
import { calcTarget, MonClient, monClientFor, resolveClientConfig, TargetState } from '@ts-ceph/rados';

export interface Placement {
  pgid: { pool: number; seed: number };
  hash: number;
  oloc: ObjectLocatorT;
  state: TargetState;
}

export type RawOutcome = { kind: 'reply'; reply: MOSDOpReply } | { kind: 'closed'; why: string } | { kind: 'timeout' };

interface Pending {
  con: Connection;
  resolve(o: RawOutcome): void;
  timer: NodeJS.Timeout;
}

export class RawOsdClient implements Dispatcher {
  private con: Connection | undefined;
  private readonly pending = new Map<bigint, Pending>();
  private lastTid = 0n;
  /** Sessions the OSD (or a fault) closed under us. */
  resets = 0;

  private constructor(
    readonly monc: MonClient,
    readonly msgr: Messenger,
    readonly osdmap: OSDMap,
  ) {}

  static async open(conf: string, keyring: string): Promise<RawOsdClient> {
    const cfg = resolveClientConfig(loadCephConf(conf), { type: EntityType.CLIENT, id: 'admin' }, { keyring });
    const monc = monClientFor(cfg);
    await monc.authenticate(15_000);
    const got = new Promise<MOSDMap>((res) => monc.on('osdmap', res));
    monc.subscribe('osdmap', 0, 1);
    const m = await got;
    const last = Math.max(...m.maps.keys());
    const osdmap = decodeOSDMap(new Reader(m.maps.get(last)!));
    const msgr = new Messenger({ entityType: EntityType.CLIENT, authClient: monc.authClient! });
    const c = new RawOsdClient(monc, msgr, osdmap);
    msgr.addDispatcher(c);
    return c;
  }

  get epoch(): number {
    return this.osdmap.epoch;
  }

  poolId(name: string): number {
    for (const [id, n] of this.osdmap.poolName) if (n === name) return id;
    throw new Error(`no pool ${name} in the osdmap`);
  }

  /** Where librados would send an op on `oid` (the Objecter's targeting): the pg, the raw hash, the locator and the target state. */
  place(pool: number, oid: string, nspace = '', key = ''): Placement {
    const oloc = objectLocator(pool, nspace, key);
    const state = calcTarget(this.osdmap, { pool, oid, nspace, key, locHash: -1, flags: 0 }, undefined).state;
    if (!state) throw new Error(`no pool ${pool} in the osdmap`);
    return { pgid: state.actualPgid.pgid, hash: state.rawPg.seed, oloc, state };
  }

  private session(): Connection {
    if (this.con && this.con.state !== 'closed') return this.con;
    const addr = this.osdmap.osdAddrs.client[0]!.find((a) => a.type === 2)!;
    this.con = this.msgr.connectTo(addr, EntityType.OSD);
    return this.con;
  }

  /** Send one message (its tid is ours) and wait for its reply, the session's end, or `timeoutMs`. */
  request(msg: Omit<CephMessage, 'tid'>, timeoutMs: number): Promise<RawOutcome> {
    const tid = ++this.lastTid;
    const con = this.session();
    return new Promise<RawOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(tid);
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.pending.set(tid, { con, resolve, timer });
      con.send({ ...msg, tid });
    });
  }

  private settle(tid: bigint, o: RawOutcome): void {
    const p = this.pending.get(tid);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(tid);
    p.resolve(o);
  }

  msDispatch(_con: Connection, msg: CephMessage, payload: unknown): void {
    if (msg.type === CEPH_MSG_OSD_OPREPLY) this.settle(msg.tid, { kind: 'reply', reply: payload as MOSDOpReply });
  }

  msHandleReset(con: Connection, error: CephError): void {
    this.resets++;
    for (const [tid, p] of [...this.pending]) if (p.con === con) this.settle(tid, { kind: 'closed', why: error.message });
    if (this.con === con) this.con = undefined;
  }

  async close(): Promise<void> {
    for (const tid of [...this.pending.keys()]) this.settle(tid, { kind: 'closed', why: 'client closing' });
    await this.msgr.shutdown();
    await this.monc.shutdown();
  }
}
