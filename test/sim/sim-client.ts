import { CephOsdFlag, MOSDOp, MOSDOpReply, BLKIN_TRACE_NONE, osdOpRead, osdOpWriteFull } from '@ts-ceph/messages';
import { CEPH_NOSNAP } from '@ts-ceph/objectstore';
import { Prng } from '@ts-ceph/testkit';
import { History } from './checker';
import { Sched } from './sched';
import { MapSource } from './sim-mon';
import { SimOsd } from './sim-osd';

const RESEND_MS = 150;

/**
 * A client like the Objecter: one op at a time, sent to the PG's primary in the newest map,
 * resent (same reqid) when the map changes or no answer came in time, so the OSDs' dup detection
 * is what keeps a resent write from applying twice. Every write stores a unique value; the
 * History records invocations and answers for the checker.
 */
export class SimClient {
  private tid = 0n;
  private queueFinal: string[] = [];
  /** Each send starts one resend timer; an older one stands down. */
  private gen = 0;
  private cur: { req: MOSDOp; kind: 'write' | 'read'; oid: string; value?: string; hist: number; sentAt: number } | undefined;
  private done = 0;
  stopped = false;

  constructor(
    readonly id: number,
    private readonly s: Sched,
    private readonly mon: MapSource,
    private readonly osds: SimOsd[],
    private readonly rng: Prng,
    private readonly hist: History,
    private readonly objects: string[],
    private readonly ops: number,
  ) {}

  get idle(): boolean {
    return this.cur === undefined && this.queueFinal.length === 0;
  }
  get finished(): boolean {
    return this.done >= this.ops && this.idle;
  }

  start(): void {
    this.next();
  }

  /** Read every object once more (the final check after the faults heal). */
  finalReads(): void {
    const wasIdle = this.idle;
    this.queueFinal = [...this.objects];
    if (wasIdle) this.next();
  }

  private next(): void {
    if (this.queueFinal.length) return this.issue('read', this.queueFinal.shift()!, true);
    if (this.stopped || this.done >= this.ops) return;
    const oid = this.rng.pick(this.objects);
    this.issue(this.rng.next() < 0.6 ? 'write' : 'read', oid, false);
  }

  private issue(kind: 'write' | 'read', oid: string, final: boolean): void {
    const { pg, hash } = this.mon.locate(oid);
    const tid = ++this.tid;
    const value = kind === 'write' ? `c${this.id}.${tid}` : undefined;
    const req: MOSDOp = {
      pgid: { pgid: pg, shard: -1 },
      hash,
      osdmapEpoch: this.mon.epoch,
      flags: kind === 'write' ? CephOsdFlag.WRITE | CephOsdFlag.ONDISK : CephOsdFlag.READ,
      reqid: { name: { type: 8, num: 4100 + this.id }, tid, inc: 0 },
      trace: BLKIN_TRACE_NONE,
      clientInc: 0,
      mtime: { sec: 1700000000, nsec: 0 },
      oloc: { pool: pg.pool, key: '', nspace: '', hash: -1 },
      oid,
      ops: [kind === 'write' ? osdOpWriteFull(Buffer.from(value!)) : osdOpRead(0, 0)],
      snapid: CEPH_NOSNAP,
      snapSeq: 0n,
      snaps: [],
      retryAttempt: 0,
      features: 0n,
    } as MOSDOp;
    const h = this.hist.invoke(this.id, kind, oid, value, this.s.now, final);
    this.cur = { req, kind, oid, value, hist: h, sentAt: this.s.now };
    this.send();
  }

  /** Send (or resend) the current op to its PG's primary in the newest map. */
  send(): void {
    const c = this.cur;
    if (!c) return;
    const primary = this.mon.mappings[this.mon.epoch]![c.req.pgid.pgid.seed]!.primary;
    const osd = primary >= 0 ? this.osds[primary] : undefined;
    const tid = c.req.reqid.tid;
    const gen = ++this.gen;
    if (osd?.alive) this.s.at(this.rng.intIn(1, 3), () => (osd.alive ? osd.clientOp(this.id, c.req, (r) => this.onReply(tid, r)) : undefined));
    this.s.at(RESEND_MS, () => {
      if (this.cur?.req.reqid.tid === tid && this.gen === gen) this.send();
    });
  }

  private onReply(tid: bigint, r: MOSDOpReply): void {
    const c = this.cur;
    if (!c || c.req.reqid.tid !== tid) return;
    this.cur = undefined;
    this.done++;
    const data = r.result >= 0 && c.kind === 'read' ? r.ops[0]!.data.toString() : undefined;
    this.hist.complete(c.hist, r.result, r.replayVersion, data, this.s.now);
    const what = c.kind === 'write' ? `write ${c.oid}=${c.value} v${r.replayVersion.epoch}'${r.replayVersion.version}` : `read ${c.oid} -> ${data ?? 'ENOENT'}`;
    this.s.log(`c${this.id} ${what} (sent ${c.sentAt}, r=${r.result})`);
    this.s.at(this.rng.intIn(0, 10), () => this.next());
  }
}
