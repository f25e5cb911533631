/**
 * A 3-OSD single-host cluster made by `ts-ceph bootstrap --osds N` for the heartbeat and peer-link
 * tests, with a MonClient of our own subscribed to the osdmap: tests see each map as the monitor
 * publishes it, so a markdown is timed to the map, not to how long a `ceph` CLI takes to start.
 */
import { Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCephConf, realClock } from '@ts-ceph/common';
import { EntityType, Reader } from '@ts-ceph/denc';
import { OSDMap, applyIncremental, decodeIncremental, decodeOSDMap, isUp } from '@ts-ceph/maps';
import type { MOSDMap } from '@ts-ceph/messages';
import { MonClient, monClientFor, resolveClientConfig } from '@ts-ceph/rados';
import { run, RunResult, tempDir, waitFor } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';

export interface MapWatch {
  readonly map: OSDMap | undefined;
  /** Every (osd, up) change seen, with the monotonic ms it was seen at. */
  readonly changes: { atMs: number; osd: number; up: boolean; epoch: number }[];
  /** Wait until osd.N's up state is `up`; resolves with the ms since `sinceMs`. */
  waitUp(osd: number, up: boolean, sinceMs: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

/** Subscribe to the osdmap as client.admin and keep the newest map. */
export async function watchOsdMap(conf: string): Promise<MapWatch> {
  const cfg = resolveClientConfig(loadCephConf(conf), { type: EntityType.CLIENT, id: 'admin' });
  const mon: MonClient = monClientFor(cfg);
  let map: OSDMap | undefined;
  const changes: MapWatch['changes'] = [];
  mon.on('osdmap', (m: MOSDMap) => {
    let next = map;
    const fulls = [...m.maps.keys()].sort((a, b) => a - b);
    const last = fulls[fulls.length - 1];
    if (last !== undefined && last > (next?.epoch ?? 0)) next = decodeOSDMap(new Reader(m.maps.get(last)!));
    for (const e of [...m.incrementalMaps.keys()].sort((a, b) => a - b)) {
      if (next && e === next.epoch + 1) next = applyIncremental(next, decodeIncremental(new Reader(m.incrementalMaps.get(e)!)));
    }
    if (!next || next === map) return;
    for (let o = 0; o < next.maxOsd; o++) {
      const was = map !== undefined && o < map.maxOsd && isUp(map, o);
      if (isUp(next, o) !== was) changes.push({ atMs: realClock.now(), osd: o, up: isUp(next, o), epoch: next.epoch });
    }
    map = next;
    mon.subscribe('osdmap', next.epoch + 1);
  });
  await mon.authenticate(10_000);
  mon.subscribe('osdmap', 0);
  const waitUp = async (osd: number, up: boolean, sinceMs: number, timeoutMs: number): Promise<number> => {
    const deadline = realClock.now() + timeoutMs;
    for (;;) {
      if (map && osd < map.maxOsd && isUp(map, osd) === up) {
        const hit = [...changes].reverse().find((c) => c.osd === osd && c.up === up);
        return (hit?.atMs ?? realClock.now()) - sinceMs;
      }
      if (realClock.now() > deadline) throw new Error(`osd.${osd} not ${up ? 'up' : 'down'} after ${timeoutMs} ms (map e${map?.epoch ?? 0})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    get map() {
      return map;
    },
    changes,
    waitUp,
    stop: () => mon.shutdown(),
  };
}

export interface BootstrappedCluster {
  dir: string;
  conf: string;
  tsCeph(args: string[]): Promise<RunResult>;
  ceph(args: string[]): Promise<RunResult>;
  pid(osd: number): number;
  cleanup(): Promise<void>;
}

/** `ts-ceph bootstrap --dir D --osds N` in a temp dir (any free mon port). */
export async function bootstrapTsCluster(osds: number): Promise<BootstrappedCluster> {
  const { path: base, cleanup } = tempDir('ts-ceph-hb-');
  const dir = join(base, 'cluster');
  const conf = join(dir, 'ceph.conf');
  const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 180_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });
  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: conf };
  delete env.CEPH_KEYRING;
  const r = await tsCeph(['bootstrap', '--dir', dir, '--osds', String(osds)]);
  if (r.code !== 0) {
    cleanup();
    throw new Error(`bootstrap --osds ${osds}: rc ${r.code} ${r.stderr}`);
  }
  return {
    dir,
    conf,
    tsCeph,
    ceph: (args) => run('ceph', ['--connect-timeout', '10', ...args], { env, timeoutMs: 30_000 }),
    pid: (osd) => Number(readFileSync(join(dir, 'run', `osd.${osd}.pid`), 'utf8').trim()),
    cleanup: async () => {
      await tsCeph(['down', '--dir', dir]);
      cleanup();
    },
  };
}

/**
 * `bootstrapTsCluster(osds)` with an osdmap watch, both stopped when `t` ends, once the watch has
 * seen every OSD up.
 */
export async function bootstrapWatched(t: Test, osds: number): Promise<{ c: BootstrappedCluster; watch: MapWatch }> {
  const c = await bootstrapTsCluster(osds);
  const watch = await watchOsdMap(c.conf);
  t.teardown(async () => {
    await watch.stop();
    await c.cleanup();
  });
  for (let o = 0; o < osds; o++) await watch.waitUp(o, true, 0, 30_000);
  return { c, watch };
}

/**
 * Wait until every listed OSD of a bootstrapped cluster has exited (its pid file gone); on timeout
 * the error names the ones still running with the end of their logs, so a slow or hung shutdown
 * explains itself in the test output.
 */
export async function waitOsdsStopped(dir: string, osds: number[], timeoutMs: number): Promise<void> {
  const running = (): number[] => osds.filter((o) => existsSync(join(dir, 'run', `osd.${o}.pid`)));
  try {
    await waitFor(() => running().length === 0, timeoutMs, 'every OSD stopped', 100);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${osdLogTails(dir, running(), 25, 'still running; ')}`);
  }
}

/** The last `lines` lines of each OSD's log (and the monitor's with mon), for a failure's diagnostics. */
export function osdLogTails(dir: string, osds: number[], lines: number, why = '', mon = false): string {
  const names = [...osds.map((o) => `osd.${o}`), ...(mon ? ['mon.a'] : [])];
  return names
    .map((name) => {
      let log = '';
      try {
        log = readFileSync(join(dir, 'log', `${name}.log`), 'utf8').split('\n').slice(-lines).join('\n');
      } catch (err) {
        log = `(no log: ${(err as Error).message})`;
      }
      return `--- ${name} ${why}its log ends:\n${log}`;
    })
    .join('\n');
}
