/**
 * ServiceMap (src/mgr/ServiceMap.{h,cc}): the non-core daemons registered with the mgr (rgw,
 * rbd-mirror, any librados client that calls service_daemon_register), by service name then daemon
 * name. The mgr owns it; the mon prints its summary in `ceph -s` "services:".
 */
import { EntityAddr, Reader, UTime, Writer, UTIME_ZERO, blankAddr, decodeEntityAddr, encodeEntityAddr, decodeUTime, encodeUTime } from '@ts-ceph/denc';
import { Formatter, legacyStr, utimeLocal } from '@ts-ceph/maps';

export interface ServiceDaemon {
  /** u64 global id of the daemon's session. */
  gid: bigint;
  addr: EntityAddr;
  /** u32 service map epoch it registered in. */
  startEpoch: number;
  startStamp: UTime;
  metadata: [string, string][];
  taskStatus: [string, string][];
}

export interface Service {
  /** Daemon name -> daemon, in name order. */
  daemons: Map<string, ServiceDaemon>;
  summary: string;
}

export interface ServiceMap {
  epoch: number;
  modified: UTime;
  services: Map<string, Service>;
}

export function newServiceMap(): ServiceMap {
  return { epoch: 0, modified: { ...UTIME_ZERO }, services: new Map() };
}

export function newServiceDaemon(): ServiceDaemon {
  return { gid: 0n, addr: blankAddr(), startEpoch: 0, startStamp: { ...UTIME_ZERO }, metadata: [], taskStatus: [] };
}

const strPairs = (r: Reader, field: string): [string, string][] => r.pairs(field, (rr) => rr.string('key'), (rr) => rr.string('value'), 8);
const encStrPairs = (w: Writer, v: [string, string][]): void => void w.pairs([...v].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), (ww, k) => ww.string(k), (ww, x) => ww.string(x));
const byName = <T>(m: Map<string, T>): [string, T][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

export function decodeServiceDaemon(r: Reader, field = 'ServiceMap::Daemon'): ServiceDaemon {
  return r.envelope(field, 2, (_r, v) => {
    const d = newServiceDaemon();
    d.gid = r.u64('gid');
    d.addr = decodeEntityAddr(r, 'addr');
    d.startEpoch = r.u32('start_epoch');
    d.startStamp = decodeUTime(r, 'start_stamp');
    d.metadata = strPairs(r, 'metadata');
    if (v >= 2) d.taskStatus = strPairs(r, 'task_status');
    return d;
  });
}

export function encodeServiceDaemon(w: Writer, d: ServiceDaemon): void {
  w.envelope(2, 1, () => {
    w.u64(d.gid);
    encodeEntityAddr(w, d.addr);
    w.u32(d.startEpoch);
    encodeUTime(w, d.startStamp);
    encStrPairs(w, d.metadata);
    encStrPairs(w, d.taskStatus);
  });
}

export function decodeService(r: Reader, field = 'ServiceMap::Service'): Service {
  return r.envelope(field, 1, () => ({ daemons: r.map('daemons', (rr) => rr.string('name'), (rr) => decodeServiceDaemon(rr), 8), summary: r.string('summary') }));
}

export function encodeService(w: Writer, s: Service): void {
  w.envelope(1, 1, () => {
    w.pairs(byName(s.daemons), (ww, k) => ww.string(k), encodeServiceDaemon);
    w.string(s.summary);
  });
}

export function decodeServiceMap(r: Reader, field = 'ServiceMap'): ServiceMap {
  return r.envelope(field, 1, () => ({ epoch: r.u32('epoch'), modified: decodeUTime(r, 'modified'), services: r.map('services', (rr) => rr.string('name'), (rr) => decodeService(rr), 8) }));
}

export function encodeServiceMap(w: Writer, m: ServiceMap): void {
  w.envelope(1, 1, () => {
    w.u32(m.epoch);
    encodeUTime(w, m.modified);
    w.pairs(byName(m.services), (ww, k) => ww.string(k), encodeService);
  });
}

/** ServiceMap::dump (`ceph service dump -f json`). */
export function dumpServiceMap(f: Formatter, m: ServiceMap): void {
  f.dumpUnsigned('epoch', m.epoch);
  f.dumpStream('modified', utimeLocal(m.modified));
  f.openObject('services');
  for (const [name, s] of byName(m.services)) {
    f.openObject(name);
    f.openObject('daemons');
    f.dumpString('summary', s.summary);
    for (const [dn, d] of byName(s.daemons)) {
      f.openObject(dn);
      f.dumpUnsigned('start_epoch', d.startEpoch);
      f.dumpStream('start_stamp', utimeLocal(d.startStamp));
      f.dumpUnsigned('gid', d.gid);
      f.dumpString('addr', legacyStr(d.addr));
      for (const [sec, kv] of [['metadata', d.metadata], ['task_status', d.taskStatus]] as const) {
        f.openObject(sec);
        for (const [k, v] of [...kv].sort((a, b) => (a[0] < b[0] ? -1 : 1))) f.dumpString(k, v);
        f.close();
      }
      f.close();
    }
    f.close();
    f.close();
  }
  f.close();
}

/** ServiceMap::Service::get_summary: "2 daemons active (1 hosts)" ("portals" with daemon_type). */
export function serviceSummary(s: Service): string {
  if (s.summary) return s.summary;
  if (!s.daemons.size) return 'no daemons active';
  const groups = new Map<string, Set<string>>();
  let type = 'daemon';
  for (const d of s.daemons.values()) {
    const md = new Map(d.metadata);
    type = md.get('daemon_type') ?? type;
    for (const [label, key] of [['zone', 'zone_id'], ['host', 'hostname']] as const) {
      const v = md.get(key);
      if (v !== undefined) groups.set(label, (groups.get(label) ?? new Set()).add(v));
    }
  }
  const n = s.daemons.size;
  let out = `${n} ${type}${n > 1 ? 's' : ''} active`;
  const parts = [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([label, set]) => `${set.size} ${label}s`);
  if (parts.length) out += ` (${parts.join(', ')})`;
  return out;
}

/**
 * The mgr's live service map (DaemonServer's pending_service_map): registrations bump the epoch;
 * `dirty` tells the driver to publish it.
 */
export class ServiceMapState {
  map: ServiceMap = newServiceMap();
  dirty = false;

  register(service: string, name: string, d: Omit<ServiceDaemon, 'startEpoch'>, now: UTime): void {
    let s = this.map.services.get(service);
    if (!s) this.map.services.set(service, (s = { daemons: new Map(), summary: '' }));
    const epoch = this.map.epoch + 1;
    s.daemons.set(name, { ...d, startEpoch: epoch });
    this.bump(now);
  }

  updateStatus(service: string, name: string, taskStatus: [string, string][] | undefined, now: UTime): void {
    const d = this.map.services.get(service)?.daemons.get(name);
    if (!d || !taskStatus) return;
    d.taskStatus = taskStatus;
    this.bump(now);
  }

  remove(service: string, name: string, now: UTime): void {
    const s = this.map.services.get(service);
    if (!s?.daemons.delete(name)) return;
    if (!s.daemons.size) this.map.services.delete(service);
    this.bump(now);
  }

  private bump(now: UTime): void {
    this.map.epoch++;
    this.map.modified = now;
    this.dirty = true;
  }
}
