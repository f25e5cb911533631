/**
 * AUTH_FAILURES: a burst of refused credentials (bad key, bad ticket) for one entity from one source
 * address raises a health warning naming both, so an operator learns of a guessing attack or of a
 * client left with a stale key. Ceph 16.2 has no such check (it only logs the failures at debug
 * levels); the code is ours and documented in the package README.
 *
 * Sans-I/O: the mon server notes each failure the messenger reports (msHandleAuthFailure), the
 * health monitor asks for the checks at `now`.
 */
import { Health, HealthCheckMap, addCheck } from './health-check';

/** Named limits of the AUTH_FAILURES check (docs/LIMITS.md). */
export const authFailureLimits = {
  /** Failures of one entity from one address within windowMs that make a burst. */
  burstCount: 10,
  /** How long failures count; the warning clears once an entity+address has been quiet this long. */
  windowMs: 10 * 60_000,
  /** Entity+address pairs tracked; beyond it the quietest pair is dropped, so spoofed names cannot grow the table. */
  pairsMax: 1024,
  /** Pairs named in the warning's detail lines (the count in the summary covers every pair). */
  detailLinesMax: 50,
};

interface Pair {
  entity: string;
  addr: string;
  /** Failures since firstMs, within the window. */
  count: number;
  firstMs: number;
  lastMs: number;
}

export class AuthFailureTracker {
  private readonly pairs = new Map<string, Pair>();

  constructor(private readonly limits = authFailureLimits) {}

  /**
   * `n` refused credentials (one, or a daemon's count for an interval). Returns the pair's count
   * when this makes it a burst (crossing burstCount, so the caller writes one cluster-log line per
   * burst), else undefined.
   */
  note(entity: string, addr: string, nowMs: number, n = 1): number | undefined {
    const key = `${entity} ${addr}`;
    let p = this.pairs.get(key);
    if (p && nowMs - p.lastMs > this.limits.windowMs) {
      this.pairs.delete(key);
      p = undefined;
    }
    if (!p) {
      if (this.pairs.size >= this.limits.pairsMax) this.dropQuietest();
      p = { entity, addr, count: 0, firstMs: nowMs, lastMs: nowMs };
    }
    // Re-inserted on every failure: the Map's order is then least recently failing first.
    this.pairs.delete(key);
    this.pairs.set(key, p);
    const before = p.count;
    p.count += n;
    p.lastMs = nowMs;
    return before < this.limits.burstCount && p.count >= this.limits.burstCount ? p.count : undefined;
  }

  /** AUTH_FAILURES with one detail line per pair in a burst, or no check. */
  health(nowMs: number): HealthCheckMap {
    const checks: HealthCheckMap = new Map();
    const bursts: Pair[] = [];
    for (const [k, p] of this.pairs) {
      if (nowMs - p.lastMs > this.limits.windowMs) this.pairs.delete(k);
      else if (p.count >= this.limits.burstCount) bursts.push(p);
    }
    if (bursts.length === 0) return checks;
    bursts.sort((a, b) => b.count - a.count || (a.entity < b.entity ? -1 : 1));
    const secs = Math.round(this.limits.windowMs / 1000);
    const detail = bursts
      .slice(0, this.limits.detailLinesMax)
      .map((p) => `${p.entity} from ${p.addr}: ${p.count} failed authentication attempts in the last ${secs} s`);
    const n = bursts.length;
    addCheck(checks, 'AUTH_FAILURES', Health.WARN, `${n} ${n === 1 ? 'entity' : 'entities'} with repeated authentication failures`, n, detail);
    return checks;
  }

  private dropQuietest(): void {
    const first = this.pairs.keys().next();
    if (!first.done) this.pairs.delete(first.value);
  }
}

/**
 * The counts in an OSD's report (packages/osd/src/auth-failure-report.ts, a [SEC] cluster-log
 * entry): "auth failures seen by osd.0 (last 10 s): refused credentials 15 (client.admin from
 * 127.0.0.2 x12, unknown entity from 127.0.0.3 x3)". Undefined for any other text.
 */
export function parseAuthFailureReport(msg: string): { entity: string; addr: string; count: number }[] | undefined {
  const m = /^auth failures seen by \S+ \(last \d+ s\): refused credentials \d+ \((.*)\)$/.exec(msg);
  if (!m) return undefined;
  const out: { entity: string; addr: string; count: number }[] = [];
  for (const item of m[1]!.split(', ')) {
    const x = /^(.+) from (\S+) x(\d+)$/.exec(item);
    if (x) out.push({ entity: x[1]!, addr: x[2]!, count: Number(x[3]) });
  }
  return out;
}
