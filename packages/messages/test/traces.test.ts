/**
 * Golden vectors we did not write: every message in the captured msgr2 streams of real Ceph 16.2.15
 * clients and daemons (../shared/ceph-traces) whose type has a codec here decodes, re-encodes to the
 * same front/middle/data bytes, and carries the header version our codec would send. Spot checks
 * of field values against what the traces' README and debug logs say.
 */
import t from 'tap';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { messageTypes } from '@ts-ceph/messenger';
import { MMonCommand, MMonCommandAck, MMonSubscribe, MOSDMap, MSG_MON_COMMAND, MSG_MON_COMMAND_ACK, CEPH_MSG_MON_SUBSCRIBE, CEPH_MSG_OSD_MAP } from '../src';
import { messagesOfStream, streamFiles, tracesDir } from './stream-messages';

const root = tracesDir;
const files = streamFiles();
const all = files.flatMap((f) => messagesOfStream(f).map((m) => ({ f, m })));
const counts = new Map<string, number>();

t.test('every registered message type in the traces round-trips', async (t) => {
  let checked = 0;
  for (const { f, m } of all) {
    const codec = messageTypes.get(m.type);
    if (!codec) continue;
    const what = `${f.split('/').pop()} seq ${m.seq} ${codec.name}`;
    const payload = codec.decode(m, 0n);
    // Re-encoded as the capturing 16.2.15 peer did, with every feature (LogEntry in MLog has a
    // pre-Nautilus encoding that features 0 would select).
    const body = codec.encode(payload, CEPH_FEATURES_ALL);
    const same = body.front.equals(m.front) && (body.middle ?? Buffer.alloc(0)).equals(m.middle) && (body.data ?? Buffer.alloc(0)).equals(m.data);
    if (!same) t.fail(`${what}: re-encoded payload differs`);
    if ((body.version ?? codec.version) !== m.version || (body.compatVersion ?? codec.compatVersion) !== m.compatVersion) {
      t.fail(`${what}: header v${m.version}/${m.compatVersion}, codec says v${body.version ?? codec.version}/${body.compatVersion ?? codec.compatVersion}`);
    }
    if ((codec.priority ?? 127) !== m.priority) t.fail(`${what}: priority ${m.priority}, codec default ${codec.priority ?? 127}`);
    counts.set(codec.name, (counts.get(codec.name) ?? 0) + 1);
    checked++;
  }
  t.ok(checked >= 90, `${checked} messages of ${counts.size} types decoded and re-encoded identically`);
  for (const name of ['mon_getmap', 'mon_map', 'mon_subscribe', 'config', 'mgrmap', 'osd_map', 'mon_command', 'mon_command_ack', 'auth', 'auth_reply', 'mon_get_version', 'mon_get_version_reply']) {
    t.ok((counts.get(name) ?? 0) > 0, `${name} seen in the traces (${counts.get(name) ?? 0})`);
  }
  t.comment([...counts.entries()].map(([k, v]) => `${k}=${v}`).join(' '));
});

t.test('field values match what the real client logged', async (t) => {
  const status = messagesOfStream(join(root, 'streams', 'pcap-a-ceph-status.01.c2s.bin'));
  const subs = status.filter((m) => m.type === CEPH_MSG_MON_SUBSCRIBE).map((m) => messageTypes.decode(m) as MMonSubscribe);
  t.same(
    subs.map((s) => [...s.what.entries()].map(([k, v]) => `${k}=${v.start}${v.flags ? '' : '+'}`).join(',')),
    ['config=0+,monmap=0+', 'mgrmap=0+', 'osdmap=0'],
    'subscriptions as a-ceph-status.md lists them',
  );
  const cmds = status.filter((m) => m.type === MSG_MON_COMMAND).map((m) => messageTypes.decode(m) as MMonCommand);
  t.same(cmds.map((c) => JSON.parse(c.cmd[0]!).prefix), ['get_command_descriptions', 'status']);
  t.equal(cmds[0]!.fsid, 'a6c7bebf-40b0-47a7-a6ea-2967e3d757b1', 'fsid of the capture cluster (pcap-keys.txt)');
  const acks = messagesOfStream(join(root, 'streams', 'pcap-a-ceph-status.01.s2c.bin'))
    .filter((m) => m.type === MSG_MON_COMMAND_ACK)
    .map((m) => messageTypes.decode(m) as MMonCommandAck);
  t.equal(acks.length, 2);
  t.same(JSON.parse(cmds[1]!.cmd[0]!), { prefix: 'status' }, '`ceph -s` asks for plain status');
  t.equal(acks[1]!.r, 0);
  t.match(acks[1]!.data.toString('utf8'), /id:\s+a6c7bebf-40b0-47a7-a6ea-2967e3d757b1/, 'status text in the ack data segment');
  t.ok(JSON.parse(acks[0]!.data.toString('utf8')).cmd000, 'get_command_descriptions JSON in the data segment');
  const osdmap = messagesOfStream(join(root, 'streams', 'pcap-a-ceph-status.01.s2c.bin')).find((m) => m.type === CEPH_MSG_OSD_MAP)!;
  const om = messageTypes.decode(osdmap) as MOSDMap;
  t.equal(om.maps.size, 1, 'a full map for osdmap=0');
  t.ok(om.newestMap > 0 && om.maps.has(om.newestMap), `full map epoch ${om.newestMap}`);
});

t.test('truncated or corrupted payloads fail with DencError/CephError, never anything else', async (t) => {
  let n = 0;
  for (const { m } of all.slice(0, 400)) {
    const codec = messageTypes.get(m.type);
    if (!codec || m.front.length === 0) continue;
    for (const cut of [0, 1, m.front.length >> 1, m.front.length - 1]) {
      try {
        codec.decode({ ...m, front: m.front.subarray(0, cut) }, 0n);
      } catch (e) {
        if ((e as Error).name !== 'DencError' && (e as Error).name !== 'CephError') t.fail(`${codec.name} cut at ${cut}: ${(e as Error).name}: ${(e as Error).message}`);
      }
      n++;
    }
  }
  t.ok(n > 100, `${n} truncations refused cleanly`);
});
