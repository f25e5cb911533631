/**
 * health_check_t, health_check_map_t and health_mute_t (src/mon/health_check.h): the named checks every
 * service raises (OSD_DOWN, TOO_FEW_OSDS ...), their wire encoding (MMonHealthChecks, the store) and
 * their text/JSON forms.
 */
import { Reader, Writer, UTime, decodeUTime, encodeUTime } from '@ts-ceph/denc';

/** health_status_t (src/include/health.h); lower is worse. */
export const Health = { ERR: 0, WARN: 1, OK: 2 } as const;

export function healthName(s: number): string {
  return s === Health.ERR ? 'HEALTH_ERR' : s === Health.WARN ? 'HEALTH_WARN' : 'HEALTH_OK';
}

/** short_health_string: "[ERR]" / "[WRN]" / "[OK]" without brackets. */
export function shortHealth(s: number): string {
  return s === Health.ERR ? 'ERR' : s === Health.WARN ? 'WRN' : 'OK';
}

export interface HealthCheck {
  severity: number;
  summary: string;
  detail: string[];
  count: number;
}

export type HealthCheckMap = Map<string, HealthCheck>;

export interface HealthMute {
  code: string;
  ttl: UTime;
  sticky: boolean;
  summary: string;
  count: number;
}

/** health_check_map_t::add: codes are unique within one service's map. */
export function addCheck(m: HealthCheckMap, code: string, severity: number, summary: string, count: number, detail: string[] = []): HealthCheck {
  const c: HealthCheck = { severity, summary, detail, count };
  m.set(code, c);
  return c;
}

/** health_check_map_t::merge; the result iterates in code order like std::map. */
export function mergeChecks(maps: HealthCheckMap[]): HealthCheckMap {
  const out = new Map<string, HealthCheck>();
  for (const m of maps) {
    for (const [code, c] of m) {
      const have = out.get(code);
      if (!have) out.set(code, { ...c, detail: c.detail.slice() });
      else {
        have.detail.push(...c.detail);
        have.count += c.count;
      }
    }
  }
  return new Map([...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

export function encodeHealthCheck(w: Writer, c: HealthCheck): void {
  w.envelope(2, 1, () => {
    w.u8(c.severity).string(c.summary);
    w.list(c.detail, (w, d) => w.string(d));
    w.i64(c.count);
  });
}

export function decodeHealthCheck(r: Reader): HealthCheck {
  return r.envelope('health_check_t', 2, (r, v) => {
    const severity = r.u8('severity');
    const summary = r.string('summary');
    const detail = r.list('detail', (r) => r.string('detail'), 4);
    const count = v >= 2 ? r.i64n('count') : 0;
    return { severity, summary, detail, count };
  });
}

export function encodeHealthCheckMap(w: Writer, m: HealthCheckMap): void {
  w.envelope(1, 1, () => {
    w.map(
      m,
      (w, k) => w.string(k),
      (w, c) => encodeHealthCheck(w, c),
    );
  });
}

export function decodeHealthCheckMap(r: Reader): HealthCheckMap {
  return r.envelope('health_check_map_t', 1, (r) => r.map('checks', (r) => r.string('code'), (r) => decodeHealthCheck(r), 10));
}

export function encodeHealthMute(w: Writer, m: HealthMute): void {
  w.envelope(1, 1, () => {
    w.string(m.code);
    encodeUTime(w, m.ttl);
    w.bool(m.sticky).string(m.summary).i64(m.count);
  });
}

export function decodeHealthMute(r: Reader): HealthMute {
  return r.envelope('health_mute_t', 1, (r) => ({
    code: r.string('code'),
    ttl: decodeUTime(r, 'ttl'),
    sticky: r.bool('sticky'),
    summary: r.string('summary'),
    count: r.i64n('count'),
  }));
}

/** health_check_t::dump */
export function healthCheckJSON(c: HealthCheck, wantDetail: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = { severity: healthName(c.severity), summary: { message: c.summary, count: c.count } };
  if (wantDetail) o.detail = c.detail.map((message) => ({ message }));
  return o;
}
