/**
 * OSDMap::is_blocklisted (blocklist-match.ts): an exact instance, a whole IP and a CIDR range, as a
 * real 16.2.15 monitor encodes them in its map (`ceph osd blocklist [range] add`, then `osd
 * getmap`), checked against client addresses of every type; the range bits and the pre-nautilus
 * entry type by hand.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AddrType, Reader, makeAddr, parseAddr } from '@ts-ceph/denc';
import { requireBinary, startRealMon, tempDir } from '@ts-ceph/testkit';
import { AddrHashMap, BlocklistMap, CephRelease, decodeOSDMap, isBlocklisted, isBlocklistedAny, rangeMatches } from '../src';

requireBinary('ceph-mon');
const dir = tempDir('ts-ceph-maps-blocklist-match-');
t.teardown(dir.cleanup);

const addr = (s: string, type: number = AddrType.ANY) => parseAddr(s, type)!;

t.test('a real monitor’s blocklist entries: exact instance, whole IP, ranges', async (t) => {
  const mon = await startRealMon({ extraConf: 'paxos_propose_interval = 0.01\npaxos_min_wait = 0.001' });
  t.teardown(() => mon.stop());
  for (const args of [
    ['add', '127.0.0.1:0/1234'],
    ['add', '10.0.0.5'],
    ['add', '[::1]:0/55'],
    ['range', 'add', '192.168.0.0/16'],
    ['range', 'add', 'fd00::/8'],
    ['range', 'add', '172.16.0.0/13'],
  ]) {
    const r = await mon.ceph(['osd', 'blocklist', ...args]);
    t.equal(r.code, 0, `osd blocklist ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  t.equal((await mon.ceph(['osd', 'getmap', '-o', join(dir.path, 'map')])).code, 0);
  const m = decodeOSDMap(new Reader(readFileSync(join(dir.path, 'map'))));
  t.equal(m.blocklist.size, 3, 'three entries');
  t.equal(m.rangeBlocklist.length, 3, 'three ranges');
  const cases: [string, number, boolean, string][] = [
    ['127.0.0.1:0/1234', AddrType.ANY, true, 'the exact instance'],
    ['v2:127.0.0.1:0/1234', AddrType.MSGR2, true, 'its v2 form (the type does not count)'],
    ['v1:127.0.0.1:0/1234', AddrType.LEGACY, true, 'its v1 form'],
    ['127.0.0.1:0/1235', AddrType.ANY, false, 'another instance on the same host'],
    ['127.0.0.1:6800/1234', AddrType.ANY, false, 'the same nonce on another port'],
    ['10.0.0.5:0/777', AddrType.ANY, true, 'any instance on a blocklisted IP'],
    ['v2:10.0.0.5:6801/9', AddrType.MSGR2, true, 'any port on it'],
    ['10.0.0.6:0/777', AddrType.ANY, false, 'the next IP'],
    ['[::1]:0/55', AddrType.ANY, true, 'an IPv6 instance'],
    ['[::1]:0/56', AddrType.ANY, false, 'another IPv6 instance'],
    ['192.168.200.7:0/1', AddrType.ANY, true, 'inside 192.168.0.0/16'],
    ['192.169.0.1:0/1', AddrType.ANY, false, 'outside it'],
    ['172.23.255.255:0/1', AddrType.ANY, true, 'the top of 172.16.0.0/13'],
    ['172.24.0.0:0/1', AddrType.ANY, false, 'past it'],
    ['[fd12:3456::1]:0/3', AddrType.ANY, true, 'inside fd00::/8'],
    ['[fe00::1]:0/3', AddrType.ANY, false, 'outside it'],
  ];
  for (const [s, type, want, what] of cases) t.equal(isBlocklisted(m, addr(s, type)), want, `${s}: ${what}`);
  t.ok(isBlocklistedAny(m, [addr('v2:10.9.9.9:0/1', AddrType.MSGR2), addr('v1:10.0.0.5:0/1', AddrType.LEGACY)]), 'an addrvec with one blocklisted address');
  t.notOk(isBlocklistedAny(m, []), 'an empty addrvec');
});

const map = (entries: string[], ranges: string[] = [], release: number = CephRelease.pacific): BlocklistMap => ({
  blocklist: AddrHashMap.from(entries.map((s) => [parseAddr(s, release >= CephRelease.nautilus ? AddrType.ANY : AddrType.LEGACY)!, { sec: 0, nsec: 0 }] as const)),
  rangeBlocklist: ranges.map((s) => {
    const [ip, bits] = s.split('/');
    return [makeAddr(AddrType.CIDR, ip!, 0, Number(bits)), { sec: 0, nsec: 0 }];
  }),
  requireOsdRelease: release,
});

t.test('nobody is blocklisted in an empty map', async (t) => {
  t.notOk(isBlocklisted(map([]), addr('127.0.0.1:0/1')));
});

t.test('before nautilus the entries are TYPE_LEGACY', async (t) => {
  const old = map(['127.0.0.1:0/1'], [], CephRelease.mimic);
  t.ok(isBlocklisted(old, addr('v2:127.0.0.1:0/1', AddrType.MSGR2)), 'a v2 address finds the legacy entry');
  const typedAny = { ...old, blocklist: map(['127.0.0.1:0/1']).blocklist };
  t.notOk(isBlocklisted(typedAny, addr('127.0.0.1:0/1')), 'a TYPE_ANY entry is not looked up');
});

t.test('range bits (OSDMap::range_bits)', async (t) => {
  const r = (s: string) => {
    const [ip, bits] = s.split('/');
    return makeAddr(AddrType.CIDR, ip!, 0, Number(bits));
  };
  t.ok(rangeMatches(r('0.0.0.0/0'), addr('8.8.8.8:0/1')), '/0 holds every IPv4 address');
  t.notOk(rangeMatches(r('0.0.0.0/0'), addr('[::1]:0/1')), 'but no IPv6 one');
  t.notOk(rangeMatches(r('::/0'), addr('8.8.8.8:0/1')), 'nor ::/0 an IPv4 one');
  t.ok(rangeMatches(r('10.1.2.3/32'), addr('10.1.2.3:6800/5')), '/32 is one address, any port');
  t.notOk(rangeMatches(r('10.1.2.3/32'), addr('10.1.2.2:0/5')));
  t.ok(rangeMatches(r('10.1.2.3/31'), addr('10.1.2.2:0/5')), '/31 ignores the last bit');
  t.ok(rangeMatches(r('2001:db8::/64'), addr('[2001:db8::ffff:1]:0/1')), 'an IPv6 /64');
  t.notOk(rangeMatches(r('2001:db8::/64'), addr('[2001:db8:0:1::1]:0/1')));
  t.ok(rangeMatches(r('2001:db8::1/128'), addr('[2001:db8::1]:0/1')), 'an IPv6 /128');
  t.notOk(rangeMatches(r('2001:db8::1/128'), addr('[2001:db8::2]:0/1')));
  t.ok(isBlocklisted(map([], ['10.0.0.0/8']), addr('10.200.0.1:0/1')), 'a map with only ranges');
});
