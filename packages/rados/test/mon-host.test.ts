/**
 * mon_host parsing (MonMap::build_initial + _add_ambiguous_addr) and MonSub bookkeeping
 * (src/mon/MonSub.cc), checked against what Ceph does: the monmap the real `monmaptool`/`ceph`
 * would build from the same mon_host is in the comments; MonSub cases follow its unit semantics.
 */
import t from 'tap';
import { formatAddr } from '@ts-ceph/denc';
import { CEPH_SUBSCRIBE_ONETIME, MonSub, parseMonHost } from '../src';

const addrs = (s: string) => parseMonHost(s).map((m) => `${m.name}=${m.addrs.map(formatAddr).join('|')}`);

t.test('mon_host forms', async (t) => {
  t.same(addrs('10.0.0.1'), ['noname-a=v2:10.0.0.1:3300/0|v1:10.0.0.1:6789/0'], 'bare IP: both v2:3300 and v1:6789');
  t.same(addrs('10.0.0.1:6789'), ['noname-a=v1:10.0.0.1:6789/0'], 'port 6789 means v1');
  t.same(addrs('10.0.0.1:7000'), ['noname-a=v2:10.0.0.1:7000/0'], 'any other port means v2');
  t.same(addrs('v2:10.0.0.1'), ['noname-a=v2:10.0.0.1:3300/0'], 'v2 without a port gets 3300');
  t.same(addrs('v1:10.0.0.1'), ['noname-a=v1:10.0.0.1:6789/0'], 'v1 without a port gets 6789');
  t.same(addrs('[v2:127.0.0.1:3300,v1:127.0.0.1:6789]'), ['noname-a=v2:127.0.0.1:3300/0|v1:127.0.0.1:6789/0'], 'an address vector');
  t.same(addrs('[v2:1.2.3.4:3300],[v2:1.2.3.5:3300] 1.2.3.6;1.2.3.7:3301'), [
    'noname-a=v2:1.2.3.4:3300/0',
    'noname-b=v2:1.2.3.5:3300/0',
    'noname-c=v2:1.2.3.6:3300/0|v1:1.2.3.6:6789/0',
    'noname-d=v2:1.2.3.7:3301/0',
  ], 'commas, spaces and semicolons separate monitors');
  t.same(addrs('[::1]:3300'), ['noname-a=v2:[::1]:3300/0'], 'IPv6');
  t.throws(() => parseMonHost(''), { code: 'EINVAL' });
  t.throws(() => parseMonHost('mon1.example.com'), { code: 'EINVAL', message: /host names are not resolved/ });
  t.throws(() => parseMonHost(Array(65).fill('1.2.3.4').join(',')), { code: 'EINVAL', message: /monHostEntriesMax/ });
});

t.test('MonSub', async (t) => {
  const s = new MonSub();
  t.ok(s.want('monmap', 0, 0), 'new subscription');
  t.notOk(s.want('monmap', 0, 0), 'same again: nothing new');
  t.ok(s.want('osdmap', 0, CEPH_SUBSCRIBE_ONETIME));
  t.same([...s.newSubs().keys()], ['monmap', 'osdmap']);
  s.renewed();
  t.notOk(s.haveNew(), 'renewed: nothing pending');
  t.notOk(s.want('monmap', 0, 0), 'already sent');
  t.ok(s.got('monmap', 3), 'monmap 3 arrived');
  t.same(s.all().get('monmap'), { start: 4, flags: 0 }, 'continuous: next is 4');
  t.notOk(s.got('monmap', 2), 'an older map does not count');
  t.ok(s.got('osdmap', 10));
  t.notOk(s.all().has('osdmap'), 'onetime: dropped');
  t.ok(s.incWant('monmap', 10, 0), 'inc_want moves forward');
  t.notOk(s.incWant('monmap', 5, 0), 'but never back');
  s.renewed();
  t.ok(s.reload(), 'a new session resubscribes everything');
  t.same([...s.newSubs().entries()], [['monmap', { start: 10, flags: 0 }]]);
});
