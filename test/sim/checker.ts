import { EversionT } from '@ts-ceph/maps';

/** One client operation as the client saw it. */
export interface OpRecord {
  client: number;
  kind: 'write' | 'read';
  oid: string;
  /** The value a write stored. */
  value: string | undefined;
  sentAt: number;
  ackAt: number | undefined;
  result: number | undefined;
  /** A write's version (the reply's replay version). */
  version: EversionT | undefined;
  /** What a read returned (undefined: ENOENT). */
  data: string | undefined;
  final: boolean;
}

const cmp = (a: EversionT, b: EversionT): number => (a.epoch !== b.epoch ? a.epoch - b.epoch : a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
const ev = (e: EversionT | undefined): string => (e ? `${e.epoch}'${e.version}` : '-');

/**
 * The client-visible history and the invariants over it (per object, as RADOS promises):
 * no acknowledged write is lost, a read returns the newest write acknowledged before it began (or
 * a newer one), reads never go back in time, and acknowledged versions grow with real time.
 */
export class History {
  readonly ops: OpRecord[] = [];

  invoke(client: number, kind: 'write' | 'read', oid: string, value: string | undefined, now: number, final: boolean): number {
    this.ops.push({ client, kind, oid, value, sentAt: now, ackAt: undefined, result: undefined, version: undefined, data: undefined, final });
    return this.ops.length - 1;
  }

  complete(i: number, result: number, version: EversionT, data: string | undefined, now: number): void {
    const o = this.ops[i]!;
    Object.assign(o, { ackAt: now, result, version: o.kind === 'write' ? version : undefined, data });
  }

  /** Every violation found (empty: the history is linearizable per object). */
  check(): string[] {
    const errs: string[] = [];
    const byOid = new Map<string, OpRecord[]>();
    for (const o of this.ops) if (o.ackAt !== undefined) byOid.set(o.oid, [...(byOid.get(o.oid) ?? []), o]);
    for (const [oid, ops] of byOid) errs.push(...this.checkObject(oid, ops));
    return errs;
  }

  private checkObject(oid: string, ops: OpRecord[]): string[] {
    const errs: string[] = [];
    const writes = ops.filter((o) => o.kind === 'write' && o.result === 0);
    const byValue = new Map(this.ops.filter((o) => o.kind === 'write' && o.oid === oid).map((o) => [o.value!, o]));
    for (const a of ops) if (a.result !== undefined && a.result < 0 && a.result !== -2) errs.push(`${oid}: op by c${a.client} failed with ${a.result}`);
    // Versions grow with real time: a write acked before another was sent has the lower version.
    for (const a of writes) for (const b of writes) if (a.ackAt! < b.sentAt && cmp(a.version!, b.version!) >= 0) errs.push(`${oid}: write ${a.value} (v${ev(a.version)}) acked before ${b.value} was sent, but ${b.value} got v${ev(b.version)}`);
    const reads = ops.filter((o) => o.kind === 'read');
    const seen = (r: OpRecord): OpRecord | undefined | null => (r.data === undefined ? undefined : (byValue.get(r.data) ?? null));
    for (const r of reads) {
      const w = seen(r);
      if (w === null) {
        errs.push(`${oid}: read by c${r.client} at ${r.sentAt} returned ${r.data}, which nobody wrote`);
        continue;
      }
      if (w && w.sentAt > r.ackAt!) errs.push(`${oid}: read returned ${w.value} before it was written`);
      // The newest write acked before the read began must be visible (no lost or stale write).
      for (const a of writes) {
        if (a.ackAt! >= r.sentAt) continue;
        if (!w) errs.push(`${oid}: read by c${r.client} at ${r.sentAt} found nothing, but ${a.value} (v${ev(a.version)}) was acked at ${a.ackAt}`);
        else if (w.version && cmp(w.version, a.version!) < 0) errs.push(`${oid}: read by c${r.client} at ${r.sentAt} returned ${w.value} (v${ev(w.version)}), older than ${a.value} (v${ev(a.version)}) acked at ${a.ackAt}`);
      }
      // Reads never go back: a read that began after another ended sees at least what it saw.
      for (const q of reads) {
        const qw = seen(q);
        if (q.ackAt! >= r.sentAt || !qw) continue;
        if (!w || (w.version && qw.version && cmp(w.version, qw.version) < 0)) errs.push(`${oid}: read at ${r.sentAt} returned ${w?.value ?? 'nothing'}, older than ${qw.value} read at ${q.sentAt}`);
      }
    }
    return errs;
  }
}
