/**
 * MonClient against monitors that send what it cannot use: an undecodable monmap is ignored (the
 * session and the map we had stay), and a monmap that lists only v1 addresses does not leave the
 * client with nobody to hunt: it falls back to mon_host and reconnects. Neither may throw out of a
 * dispatcher or a timer.
 */
import t from 'tap';
import { configureLog, stderrSink } from '@ts-ceph/common';
import { AddrType, EntityType, makeAddr, Writer } from '@ts-ceph/denc';
import { encodeMonMap, newMonInfo, newMonMap } from '@ts-ceph/maps';
import { AuthNoneClient, MemoryNetwork } from '@ts-ceph/messenger';
import { waitFor } from '@ts-ceph/testkit';
import { MonClient } from '../src';
import { FakeMon, FSID, monmapFor } from './lib/fake-mon';

const name = { type: EntityType.CLIENT, id: 'admin' };
const hold = setInterval(() => {}, 1000);
t.teardown(() => clearInterval(hold));
const lines: string[] = [];
configureLog({ sink: { write: (l) => void lines.push(l) }, levels: { monc: 1 } });
t.teardown(() => configureLog({ sink: stderrSink, levels: { monc: 0 } }));

function client(net: MemoryNetwork): MonClient {
  return new MonClient({
    name,
    initialMons: [{ name: 'noname-a', addrs: [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0)] }],
    auth: () => new AuthNoneClient(name),
    transports: net,
    huntParallel: 1,
    huntIntervalMs: 100,
    pingIntervalMs: 50,
    pingTimeoutMs: 300,
    connectTimeoutMs: 500,
  });
}

t.test('an undecodable monmap is ignored: the session and the map we had stay', async (t) => {
  const net = new MemoryNetwork();
  let served = 0;
  const good = monmapFor([{ name: 'a', port: 3300 }]);
  const mon = new FakeMon(net, 'a', 3300, () => (served++ === 0 ? good : Buffer.from('not a monmap')));
  await mon.start();
  const mc = client(net);
  await mc.authenticate(5000);
  const con = mc.activeConnection;
  mc.subscribe('monmap', 2); // answered with garbage
  await waitFor(() => lines.some((l) => /ignoring an undecodable monmap/.test(l)), 5000, 'the bad monmap to arrive');
  await new Promise((r) => setTimeout(r, 200));
  t.equal(mc.activeConnection, con, 'same session');
  t.ok(mc.isConnected);
  t.equal(mc.monmap?.epoch, 1, 'the good monmap is kept');
  await mc.shutdown();
  await mon.stop();
});

t.test('a monmap with only v1 addresses: after losing the mon, hunting falls back to mon_host', async (t) => {
  const net = new MemoryNetwork();
  const v1only = () => {
    const m = newMonMap();
    m.fsid = FSID;
    m.epoch = 1;
    m.monInfo.set('a', newMonInfo('a', [makeAddr(AddrType.LEGACY, '127.0.0.1', 6789, 0)]));
    m.ranks = ['a'];
    const w = new Writer();
    encodeMonMap(w, m);
    return w.finish();
  };
  let mon = new FakeMon(net, 'a', 3300, v1only);
  await mon.start();
  const mc = client(net);
  await mc.authenticate(5000);
  t.equal(mc.monmap?.monInfo.size, 1);
  const first = mc.activeConnection;
  await mon.stop();
  mon = new FakeMon(net, 'a', 3300, v1only);
  await mon.start();
  await waitFor(() => mc.isConnected && mc.activeConnection !== first, 5000, 'a new session over mon_host');
  t.ok(lines.some((l) => /monmap e1 has no msgr2 address; hunting over mon_host/.test(l)), 'and says why');
  await mc.shutdown();
  await mon.stop();
});
