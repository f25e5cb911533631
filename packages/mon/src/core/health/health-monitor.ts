/**
 * HealthMonitor (src/mon/HealthMonitor.cc, service "health"): merges the checks every service raises,
 * applies mutes (`health mute/unmute`, stored under `health/mutes`), and renders the status as
 * `ceph health [detail]` and the status report show it.
 */
import { Reader, Writer, utimeFromMs, utimeToMs, formatUTime } from '@ts-ceph/denc';
import { PaxosService } from '../paxos-service';
import { StoreTransaction } from '../store-txn';
import { StoreView } from '../store-view';
import { CommandHandler, fail, proposeThen } from '../commands/types';
import { getBool, getStr } from '../commands/cmdmap';
import { timespanStr } from '../timespan';
import { parseTimespanSeconds } from './ttl';
import { Health, HealthCheckMap, HealthMute, decodeHealthMute, encodeHealthMute, healthCheckJSON, healthName, mergeChecks, shortHealth } from './health-check';
import { JsonFormatter } from '@ts-ceph/maps';

/** A source of health checks (a service, or the driver for MON_DISK_LOW), evaluated at `now`. */
export type HealthSource = (now: number) => HealthCheckMap;

export class HealthMonitor extends PaxosService {
  mutes = new Map<string, HealthMute>();
  private pendingMutes = new Map<string, HealthMute>();
  private readonly sources: HealthSource[] = [];

  constructor(store: StoreView) {
    super('health', store);
  }

  addSource(s: HealthSource): void {
    this.sources.push(s);
  }

  createInitial(): void {
    this.mutes.clear();
    this.pendingMutes.clear();
  }

  updateFromPaxos(): void {
    const b = this.store.get(this.name, 'mutes');
    this.mutes = new Map();
    if (b) {
      const r = new Reader(b);
      for (const [k, m] of r.map('mutes', (r) => r.string('code'), decodeHealthMute)) this.mutes.set(k, m);
    }
  }

  createPending(): void {
    this.pendingMutes = new Map(this.mutes);
  }

  havePending(): boolean {
    return true;
  }

  encodePending(t: StoreTransaction): void {
    const v = this.lastCommitted + 1;
    this.putLastCommitted(t, v);
    const w = new Writer();
    w.map(
      new Map([...this.pendingMutes.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))),
      (w, k) => w.string(k),
      encodeHealthMute,
    );
    t.put(this.name, 'mutes', w.finish());
  }

  allChecks(now: number): HealthCheckMap {
    return mergeChecks(this.sources.map((s) => s(now)));
  }

  /**
   * check_mutes: drop expired mutes and non-sticky mutes whose alert cleared or grew; returns true if
   * pending changed (the driver then proposes).
   */
  checkMutes(now: number): boolean {
    const all = this.allChecks(now);
    let changed = false;
    for (const [code, m] of this.pendingMutes) {
      const ttl = utimeToMs(m.ttl);
      const c = all.get(code);
      if ((ttl > 0 && ttl <= now) || (!m.sticky && (!c || c.count > m.count))) {
        this.pendingMutes.delete(code);
        changed = true;
      }
    }
    return changed;
  }

  /** The status level, ignoring muted checks. */
  status(now: number): number {
    let r: number = Health.OK;
    for (const [code, c] of this.allChecks(now)) if (!this.mutes.has(code) && c.severity < r) r = c.severity;
    return r;
  }

  /** get_health_status with a formatter: the "health" section. */
  dumpHealth(f: JsonFormatter, name: string, wantDetail: boolean, now: number): number {
    const all = this.allChecks(now);
    const r = this.status(now);
    f.openObject(name);
    f.dumpString('status', healthName(r));
    f.openObject('checks');
    for (const [code, c] of all) {
      f.openObject(code);
      const j = healthCheckJSON(c, wantDetail);
      for (const [k, v] of Object.entries(j)) f.dump(k, v);
      f.dumpBool('muted', this.mutes.has(code));
      f.close();
    }
    f.close();
    f.openArray('mutes');
    for (const m of this.mutes.values()) {
      f.openObject('mute');
      f.dumpString('code', m.code);
      if (m.ttl.sec || m.ttl.nsec) f.dumpString('ttl', formatUTime(m.ttl));
      f.dumpBool('sticky', m.sticky);
      f.dumpString('summary', m.summary);
      f.dumpInt('count', m.count);
      f.close();
    }
    f.close();
    f.close();
    return r;
  }

  /** get_health_status in plain text: "HEALTH_X<sep1>a<sep2>b" plus detail lines. */
  plain(wantDetail: boolean, now: number, sep1 = ' ', sep2 = '; '): string {
    const all = this.allChecks(now);
    const r = this.status(now);
    const summary = [...all.entries()]
      .filter(([code]) => !this.mutes.has(code))
      .map(([, c]) => c.summary)
      .join(sep2);
    let out = healthName(r);
    if (summary) out += sep1 + summary;
    if (this.mutes.size) {
      out += summary ? sep2 : sep1;
      out += '(muted:';
      for (const [code, m] of this.mutes) {
        out += ` ${code}`;
        const ttl = utimeToMs(m.ttl);
        if (ttl) out += ttl > now ? `(${timespanStr(ttl - now)})` : '(0s)';
      }
      out += ')';
    }
    out += '\n';
    if (wantDetail) {
      for (const [code, c] of all) {
        const m = this.mutes.get(code);
        if (m) {
          out += '(MUTED';
          const ttl = utimeToMs(m.ttl);
          if (ttl) out += ttl > now ? ` ttl ${timespanStr(ttl - now)}` : '0s';
          if (m.sticky) out += ', STICKY';
          out += ') ';
        }
        out += `[${shortHealth(c.severity)}] ${code}: ${c.summary}\n`;
        for (const d of c.detail) out += `    ${d}\n`;
      }
    }
    return out;
  }

  commands(): Record<string, CommandHandler> {
    return {
      'health mute': (req) => {
        const code = getStr(req.cmdmap, 'code', '');
        if (!code) return fail('EINVAL', 'must specify an alert code to mute');
        const sticky = getBool(req.cmdmap, 'sticky');
        const ttlStr = getStr(req.cmdmap, 'ttl');
        let ttl = { sec: 0, nsec: 0 };
        if (ttlStr !== undefined) {
          const secs = parseTimespanSeconds(ttlStr);
          if (!secs) return fail('EINVAL', `not a valid duration: ${ttlStr}`);
          ttl = utimeFromMs(req.now + secs * 1000);
        }
        let summary = '';
        let count = 0;
        if (!sticky) {
          const c = this.allChecks(req.now).get(code);
          if (!c) return fail('ENOENT', `health alert ${code} is not currently raised`);
          summary = c.summary;
          count = c.count;
        }
        this.pendingMutes.set(code, { code, ttl, sticky, summary, count });
        return proposeThen([this], 0, '');
      },
      'health unmute': (req) => {
        const code = getStr(req.cmdmap, 'code');
        if (code !== undefined) this.pendingMutes.delete(code);
        else this.pendingMutes.clear();
        return proposeThen([this], 0, '');
      },
    };
  }
}
