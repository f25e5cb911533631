/**
 * MonClient against stand-in monitors on the in-memory network: bootstrap (monmap + config),
 * hunting over dead and live monitors, failover with command resend, keepalive timeouts, clean
 * ETIMEDOUT / EACCES, subscriptions and get_version. The real-mon acceptance test is
 * test/acceptance/msgr-realmon.test.ts.
 */
import t from 'tap';
import { isCephError } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { AuthConnectionMeta, AuthNoneClient, AuthServerProvider, AuthServerResult, MemoryNetwork } from '@ts-ceph/messenger';
import { MOSDMap } from '@ts-ceph/messages';
import { waitFor } from '@ts-ceph/testkit';
import { MonClient, MonClientOptions } from '../src';
import { FakeMon, FSID, monmapFor } from './lib/fake-mon';

const name = { type: EntityType.CLIENT, id: 'admin' };
// The in-memory network holds no handles and library timers are unref'd: keep the process up.
const hold = setInterval(() => {}, 1000);
t.teardown(() => clearInterval(hold));
const mons = [
  { name: 'a', port: 3300 },
  { name: 'b', port: 3301 },
  { name: 'c', port: 3302 },
];
const monmap = () => monmapFor(mons);

function client(net: MemoryNetwork, ports: number[], opts: Partial<MonClientOptions> = {}): MonClient {
  return new MonClient({
    name,
    initialMons: ports.map((p, i) => ({ name: `noname-${'abc'[i]}`, addrs: [makeAddr(AddrType.MSGR2, '127.0.0.1', p, 0)] })),
    auth: () => new AuthNoneClient(name),
    transports: net,
    huntIntervalMs: 100,
    pingIntervalMs: 50,
    pingTimeoutMs: 300,
    connectTimeoutMs: 500,
    ...opts,
  });
}

async function startMons(net: MemoryNetwork, which: string[]): Promise<Map<string, FakeMon>> {
  const out = new Map<string, FakeMon>();
  for (const m of mons.filter((x) => which.includes(x.name))) {
    const f = new FakeMon(net, m.name, m.port, monmap);
    await f.start();
    out.set(m.name, f);
  }
  return out;
}

t.test('bootstrap, then a session: monmap, config, command, get_version, subscription', async (t) => {
  const net = new MemoryNetwork();
  const fm = await startMons(net, ['a', 'b', 'c']);
  const mc = client(net, [3300]);
  await mc.bootstrap(5000);
  t.equal(mc.fsid, FSID, 'monmap fsid');
  t.same([...mc.monmap!.monInfo.keys()], ['a', 'b', 'c'], 'all three monitors known from the monmap');
  t.equal(mc.config.get('mon_name'), 'a', 'config from the bootstrap session');
  t.equal(net.links.filter((l) => !l.closed).length, 0, 'the bootstrap session is closed afterwards');
  await mc.authenticate(5000);
  const r = await mc.command({ prefix: 'status', format: 'json' });
  const out = JSON.parse(r.data.toString());
  t.equal(out.fsid, FSID, 'the command carried the monmap fsid');
  t.same(out.cmd, { prefix: 'status', format: 'json' });
  t.equal((await mc.getVersion('osdmap')).version, 7);
  const om = new Promise<MOSDMap>((res) => mc.on('osdmap', res));
  mc.subscribe('osdmap', 0, 1);
  t.equal((await om).newestMap, 7, 'osd_map for a onetime osdmap subscription');
  t.notOk(mc.sub.all().has('osdmap'), 'the onetime subscription is dropped once served');
  await mc.shutdown();
  for (const f of fm.values()) await f.stop();
});

t.test('hunting: dead monitors are skipped, the live one is found', async (t) => {
  const net = new MemoryNetwork();
  const fm = await startMons(net, ['c']);
  for (const parallel of [3, 1]) {
    const mc = client(net, [3300, 3301, 3302], { huntParallel: parallel });
    const t0 = Date.now();
    await mc.authenticate(5000);
    t.equal(mc.activeAddr?.sa.readUInt16BE(0), 3302, `hunt_parallel ${parallel}: found mon c in ${Date.now() - t0} ms`);
    await mc.shutdown();
  }
  await fm.get('c')!.stop();
});

/**
 * Monitors a and b, and a client that learned both from the first one's monmap and is in session
 * with one of them (`cur`, on port `first`): the start of the failover tests.
 */
async function sessionWithOneOfTwo() {
  const net = new MemoryNetwork();
  const fm = await startMons(net, ['a', 'b']);
  const mc = client(net, [3300], { huntParallel: 1 });
  await mc.bootstrap(5000);
  await mc.authenticate(5000);
  const first = mc.activeAddr!.sa.readUInt16BE(0);
  const cur = [...fm.values()].find((f) => f.port === first)!;
  return { fm, mc, first, cur };
}

t.test('failover: the session moves to another monitor and pending commands are resent', async (t) => {
  const { fm, mc, cur } = await sessionWithOneOfTwo();
  cur.muteCommands = true;
  const pending = mc.command({ prefix: 'fsid' });
  await waitFor(() => cur.commands.length === 1, 2000, 'the command reached the first monitor');
  await cur.stop();
  const r = await pending;
  const out = JSON.parse(r.data.toString());
  t.not(out.mon, cur.name, `answered by mon.${out.mon} after mon.${cur.name} went away`);
  t.ok(mc.isConnected);
  await mc.shutdown();
  for (const f of fm.values()) await f.stop();
});

t.test('keepalive timeout: a monitor that stops reading is abandoned', async (t) => {
  const { fm, mc, first, cur } = await sessionWithOneOfTwo();
  // The server side of the session stops reading: no more KEEPALIVE2_ACKs.
  cur.cons[cur.cons.length - 1]!.transport!.pause();
  await waitFor(() => mc.isConnected && mc.activeAddr!.sa.readUInt16BE(0) !== first, 5000, 'a new session on the other monitor');
  t.pass(`moved from port ${first} to ${mc.activeAddr!.sa.readUInt16BE(0)}`);
  await mc.shutdown();
  for (const x of fm.values()) await x.stop();
});

t.test('no monitor answers: ETIMEDOUT after the timeout, no hang', async (t) => {
  const net = new MemoryNetwork();
  const mc = client(net, [3300, 3301]);
  const t0 = Date.now();
  const e = await mc.authenticate(600).then(
    () => undefined,
    (x: unknown) => x,
  );
  t.ok(isCephError(e, 'ETIMEDOUT'), `ETIMEDOUT: ${(e as Error)?.message}`);
  t.ok(Date.now() - t0 < 2000, `after ${Date.now() - t0} ms`);
  await mc.shutdown();
});

t.test('every monitor refuses us: EACCES at once', async (t) => {
  const net = new MemoryNetwork();
  const refuse: AuthServerProvider = {
    supportedMethods: () => ({ methods: [1], modes: [1] }),
    pickConMode: () => 1,
    handleAuthRequest: (_m: AuthConnectionMeta): AuthServerResult => ({ kind: 'error', result: -13, reason: 'no' }),
  };
  const fms = [new FakeMon(net, 'a', 3300, monmap, refuse), new FakeMon(net, 'b', 3301, monmap, refuse)];
  for (const f of fms) await f.start();
  const mc = client(net, [3300, 3301]);
  const t0 = Date.now();
  const e = await mc.authenticate(10_000).then(
    () => undefined,
    (x: unknown) => x,
  );
  t.ok(isCephError(e, 'EACCES'), `EACCES: ${(e as Error)?.message}`);
  t.ok(Date.now() - t0 < 5000, `in ${Date.now() - t0} ms, not after the 10 s timeout`);
  await mc.shutdown();
  for (const f of fms) await f.stop();
});
