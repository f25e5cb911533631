import { CephOsdFlag, MOSDOp, MOSDOpReply, BLKIN_TRACE_NONE, osdOpRead, osdOpWriteFull } from '@ts-ceph/messages';
import { CEPH_NOSNAP } from '@ts-ceph/objectstore';
import { peering } from '@ts-ceph/osd';
import { Prng } from '@ts-ceph/testkit';
import { Sched, SimNet } from './sched';
import { StandInMon } from './standin-mon';
import { SimOsd } from './sim-osd';

/**
 * Peering scenarios as transcripts (STYLE §10, after etcd-io/raft's testdata): a file of commands
 * (`> cmd args`) each followed by what the cluster printed. The runner replays the commands on a
 * fault-free simulated cluster and returns the file as it should read; the test compares, and
 * TS_CEPH_REGEN=1 rewrites it.
 *
 *   cluster osds=N size=S min_size=M pgs=P   crash N   restart N   settle MS   state
 *   write OBJ VALUE   writes OBJ N   read OBJ   loglimits MIN TRIM (osd_min_pg_log_entries, trim min)
 */
export async function runTranscript(text: string): Promise<string> {
  const saved = { ...peering.pgLogLimits };
  try {
    return await replay(text);
  } finally {
    Object.assign(peering.pgLogLimits, saved);
  }
}

async function replay(text: string): Promise<string> {
  const out: string[] = [];
  let c: Cluster | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('> ')) continue;
    out.push(line);
    const [cmd, ...args] = line.slice(2).trim().split(/\s+/);
    if (cmd === 'cluster') c = await Cluster.create(Object.fromEntries(args.map((a) => a.split('=') as [string, string])));
    else if (!c) out.push('error: no cluster yet');
    else out.push(...(await c.run(cmd!, args)));
  }
  return out.join('\n') + '\n';
}

class Cluster {
  private tid = 0n;
  private constructor(
    readonly s: Sched,
    readonly mon: StandInMon,
    readonly osds: SimOsd[],
  ) {}

  static async create(o: Record<string, string>): Promise<Cluster> {
    const s = new Sched();
    const net = new SimNet(s, new Prng(1));
    net.faults = { dropRate: 0, dupRate: 0, delayMin: 1, delayMax: 1 };
    const mon = new StandInMon(Number(o.osds ?? 3), Number(o.size ?? 3), Number(o.min_size ?? 2), Number(o.pgs ?? 1));
    const conf: peering.PeeringConf = { ...peering.defaultPeeringConf, noPgTemp: true, osdRecoveryMaxActive: 3, osdMaxBackfills: 1 };
    const osds = Array.from({ length: mon.numOsd }, (_, i) => new SimOsd(i, s, net, mon, new Prng(100 + i), conf));
    for (const d of osds) await d.mkfs();
    for (const d of osds) await d.boot();
    for (const d of osds) {
      d.wantUpThru = async (osd, epoch) => {
        if (mon.alive(osd, epoch)) for (const x of osds) await x.advanceMap(mon.epoch);
      };
    }
    const c = new Cluster(s, mon, osds);
    await s.run(s.now + 200);
    return c;
  }

  async run(cmd: string, a: string[]): Promise<string[]> {
    switch (cmd) {
      case 'crash':
      case 'restart': {
        const d = this.osds[Number(a[0])]!;
        if (cmd === 'crash') await d.crash();
        else await d.boot();
        this.mon.setUp(d.id, cmd === 'restart');
        for (const x of this.osds) await x.advanceMap(this.mon.epoch);
        await this.s.run(this.s.now + 100);
        return [`e${this.mon.epoch}`];
      }
      case 'settle':
        await this.s.run(this.s.now + Number(a[0]));
        return [];
      case 'state':
        return this.states();
      case 'write':
      case 'read':
        return [await this.op(cmd, a[0]!, a[1])];
      case 'writes': {
        const got: string[] = [];
        for (let i = 1; i <= Number(a[1]); i++) got.push(await this.op('write', a[0]!, `${a[0]}-${i}`));
        return [got.join(' ')];
      }
      case 'loglimits':
        Object.assign(peering.pgLogLimits, { entriesMin: Number(a[0]), trimMin: Number(a[1]) });
        return [];
      default:
        return [`error: unknown command ${cmd}`];
    }
  }

  private states(): string[] {
    const out: string[] = [];
    for (let seed = 0; seed < this.mon.pgNum; seed++) {
      const m = this.mon.mappings[this.mon.epoch]![seed]!;
      const p = m.primary >= 0 ? this.osds[m.primary]!.pg(seed) : undefined;
      out.push(`1.${seed} up [${m.up.join(',')}] acting [${m.acting.join(',')}] ${peering.pgStateString(p?.state() ?? 0n)}`);
    }
    return out;
  }

  /** One client op to the PG's primary; the answer, or `no answer` after two seconds. */
  private async op(kind: 'write' | 'read', oid: string, value: string | undefined): Promise<string> {
    const { pg, hash } = this.mon.locate(oid);
    const primary = this.mon.mappings[this.mon.epoch]![pg.seed]!.primary;
    const req = {
      pgid: { pgid: pg, shard: -1 },
      hash,
      osdmapEpoch: this.mon.epoch,
      flags: kind === 'write' ? CephOsdFlag.WRITE | CephOsdFlag.ONDISK : CephOsdFlag.READ,
      reqid: { name: { type: 8, num: 4200 }, tid: ++this.tid, inc: 0 },
      trace: BLKIN_TRACE_NONE,
      clientInc: 0,
      mtime: { sec: 1700000000, nsec: 0 },
      oloc: { pool: pg.pool, key: '', nspace: '', hash: -1 },
      oid,
      ops: [kind === 'write' ? osdOpWriteFull(Buffer.from(value ?? '')) : osdOpRead(0, 0)],
      snapid: CEPH_NOSNAP,
      snapSeq: 0n,
      snaps: [],
      retryAttempt: 0,
      features: 0n,
    } as MOSDOp;
    let reply: MOSDOpReply | undefined;
    if (primary >= 0) await this.osds[primary]!.clientOp(0, req, (r) => (reply = r));
    await this.s.run(this.s.now + 2000, () => reply !== undefined);
    if (!reply) return 'no answer';
    const r = reply as MOSDOpReply;
    if (r.result < 0) return `error ${r.result}`;
    return kind === 'write' ? `ok v${r.replayVersion.epoch}'${r.replayVersion.version}` : `ok ${r.ops[0]!.data.toString()}`;
  }
}
