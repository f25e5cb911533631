/**
 * The blocklist is a std::unordered_map in Ceph, so `ceph osd dump`, `ceph osd blocklist ls` and
 * `osdmaptool --print` list it in libstdc++ hash-table order, which differs between a map built by
 * applying incrementals (the live monitor) and a freshly decoded one (osdmaptool). Both orders must
 * come out of ours exactly.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddrType, Reader, formatAddr, parseAddr } from '@ts-ceph/denc';
import { requireBinary, run, startRealMon, tempDir } from '@ts-ceph/testkit';
import { AddrHashMap, decodeOSDMap, printOSDMap } from '../src';

requireBinary('osdmaptool');
const dir = tempDir('ts-ceph-maps-blocklist-');
t.teardown(dir.cleanup);

const addrs = ['127.0.0.1:0/1234', '10.0.0.1:6800/99', '192.168.1.5:0/7', '127.0.0.1:0/1', '[::1]:0/55', '10.0.0.2:0/3', '172.16.0.9:6801/12345', '127.0.0.3:0/4', '10.9.8.7:0/11', '10.9.8.7:0/12', '10.9.8.7:0/13', '10.9.8.7:0/14', '10.9.8.7:0/15', '10.9.8.7:0/16'];

t.test('blocklist order: live monitor and fresh decode', async (t) => {
  const mon = await startRealMon({ extraConf: 'paxos_propose_interval = 0.01\npaxos_min_wait = 0.001' });
  t.teardown(() => mon.stop());
  for (const a of addrs) t.equal((await mon.ceph(['osd', 'blocklist', 'add', a])).code, 0, `blocklist add ${a}`);
  const ls = await mon.ceph(['osd', 'blocklist', 'ls']);
  const live = ls.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[0]!);
  // The live map inserted one address per epoch, in command order, into a table that started empty.
  const h = new AddrHashMap<number>();
  for (const a of addrs) h.insert(parseAddr(a, AddrType.ANY)!, 0);
  t.same(
    h.entries().map(([a]) => formatAddr(a)),
    live,
    'ceph osd blocklist ls order (14 entries: the table grew from 13 to 29 buckets)',
  );
  for (const a of ['10.0.0.2:0/3', '127.0.0.1:0/1234']) {
    t.equal((await mon.ceph(['osd', 'blocklist', 'rm', a])).code, 0, `blocklist rm ${a}`);
    h.delete(parseAddr(a, AddrType.ANY)!);
  }
  h.insert(parseAddr('10.0.0.2:0/3', AddrType.ANY)!, 0);
  t.equal((await mon.ceph(['osd', 'blocklist', 'add', '10.0.0.2:0/3'])).code, 0);
  const ls2 = await mon.ceph(['osd', 'blocklist', 'ls']);
  live.splice(
    0,
    live.length,
    ...ls2.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]!),
  );
  t.same(
    h.entries().map(([a]) => formatAddr(a)),
    live,
    'after two removals and a re-add',
  );
  const dump = await mon.ceph(['osd', 'dump']);
  t.same(
    dump.stdout
      .split('\n')
      .filter((l) => l.startsWith('blocklist '))
      .map((l) => l.split(' ')[1]),
    live,
    'ceph osd dump lists the same order',
  );
  t.equal((await mon.ceph(['osd', 'getmap', '-o', join(dir.path, 'map')])).code, 0);
  const m = decodeOSDMap(new Reader(readFileSync(join(dir.path, 'map'))));
  const tool = await run('osdmaptool', [join(dir.path, 'map'), '--print'], { timeoutMs: 30_000 });
  t.equal(printOSDMap(m), tool.stdout, 'a decoded map prints its blocklist in osdmaptool order');
  t.not(
    m.blocklist
      .entries()
      .map(([a]) => formatAddr(a))
      .join(),
    live.join(),
    '(which differs from the live order)',
  );
});
