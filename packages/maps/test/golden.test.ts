/**
 * Golden vectors we did not write: real Ceph 16.2.15 maps (ceph-traces/maps, daemons/maps, and the
 * maps inside the captured msgr2 streams) decode, re-encode byte for byte, and dump exactly as the
 * real tools printed them when the traces were captured.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CEPH_FEATURES_ALL, Reader, encodeWith } from '@ts-ceph/denc';
import {
  decodeMgrMap,
  decodeMonMap,
  decodeOSDMap,
  dumpJson,
  dumpMgrMap,
  dumpMonMap,
  dumpOSDMap,
  encodeMgrMap,
  encodeMonMap,
  encodeOSDMap,
  printMonMap,
  printOSDMap,
  printOsdTree,
} from '../src';
import { MSG_MGR_MAP, MSG_MON_MAP, MSG_OSD_MAP, splitMOSDMap, streamMessages, traces } from './lib/traces';

/** Pretty JSON with the whitespace outside strings removed: what JSONFormatter(false) writes. */
function compact(pretty: string): string {
  let out = '';
  let inStr = false;
  for (let i = 0; i < pretty.length; i++) {
    const c = pretty[i]!;
    if (inStr) {
      out += c;
      if (c === '\\') out += pretty[++i];
      else if (c === '"') inStr = false;
    } else if (c === '"') {
      inStr = true;
      out += c;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

function whole<T>(buf: Buffer, dec: (r: Reader) => T): T {
  const r = new Reader(buf);
  const v = dec(r);
  r.expectEnd();
  return v;
}

t.test('ceph-traces/maps/osdmap.bin: bytes, print and JSON dumps', async (t) => {
  const bin = readFileSync(join(traces, 'maps/osdmap.bin'));
  const m = whole(bin, decodeOSDMap);
  t.equal(m.epoch, 21);
  t.same(encodeOSDMap(m, CEPH_FEATURES_ALL), bin, 're-encodes byte for byte (crc included)');
  // osdmap.txt was captured with osdmaptool's stderr line first.
  const txt = readFileSync(join(traces, 'maps/osdmap.txt'), 'utf8').split('\n').slice(1).join('\n');
  t.equal(printOSDMap(m), txt, 'OSDMap::print');
  // osdmap.json is `ceph osd dump -f json-pretty` (the CLI writes a newline first).
  const json = readFileSync(join(traces, 'maps/osdmap.json'), 'utf8').replace(/^\n/, '');
  t.equal(dumpJson((f) => dumpOSDMap(f, m), true), json, 'OSDMap::dump, json-pretty');
  t.equal(dumpJson((f) => dumpOSDMap(f, m), false), compact(json), 'OSDMap::dump, compact json');
});

t.test('ceph-traces/daemons/maps: five epochs of a cluster losing and regaining OSDs', async (t) => {
  const dir = join(traces, 'daemons/maps');
  const bins = readdirSync(dir).filter((f) => f.endsWith('.bin'));
  t.equal(bins.length, 5);
  for (const f of bins) {
    const bin = readFileSync(join(dir, f));
    const m = whole(bin, decodeOSDMap);
    t.same(encodeOSDMap(m, CEPH_FEATURES_ALL), bin, `${f} re-encodes byte for byte`);
    const stem = f.replace(/\.bin$/, '').replace(/^osdmap\./, '');
    const txt = readFileSync(join(dir, `osdmap.${stem}.txt`), 'utf8');
    // The file holds `osdmaptool --print` followed by a "# osdmaptool --tree=plain" section.
    const [print, tree] = txt.split('\n# osdmaptool --tree=plain\n');
    t.equal(printOSDMap(m), print, `${f} print`);
    t.equal(printOsdTree(m), tree, `${f} tree`);
    const json = readFileSync(join(dir, `osd-dump.${stem}.json`), 'utf8').replace(/^\n/, '');
    t.equal(dumpJson((f2) => dumpOSDMap(f2, m), true), json, `${f} dump`);
  }
});

t.test('ceph-traces/maps/monmap.bin: bytes, print and `ceph mon dump` JSON', async (t) => {
  const bin = readFileSync(join(traces, 'maps/monmap.bin'));
  const m = whole(bin, decodeMonMap);
  t.same(
    encodeWith((w) => encodeMonMap(w, m)),
    bin,
    're-encodes byte for byte',
  );
  const txt = readFileSync(join(traces, 'maps/monmap.txt'), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('monmaptool:') && l !== '')
    .join('\n');
  t.equal(printMonMap(m), txt + '\n', 'MonMap::print');
  // The monitor appends its quorum to MonMap::dump for `ceph mon dump`.
  const json = dumpJson((f) => {
    dumpMonMap(f, m);
    f.openArray('quorum');
    f.dumpInt('mon', 0);
    f.close();
  });
  t.equal(json, readFileSync(join(traces, 'maps/monmap.json'), 'utf8').replace(/^\n/, ''), 'MonMap::dump');
});

t.test('maps inside the captured client streams', async (t) => {
  const msgs = streamMessages(join(traces, 'streams/pcap-a-ceph-status.01.s2c.bin'));
  const mgr = msgs.find((m) => m.type === MSG_MGR_MAP)!;
  t.ok(mgr, 'the mon sent a mgrmap');
  const mm = whole(mgr.front, decodeMgrMap);
  t.equal(mm.epoch, 4);
  t.same(
    encodeWith((w) => encodeMgrMap(w, mm)),
    mgr.front,
    'MgrMap (v12, with client names) re-encodes byte for byte',
  );
  t.equal(dumpJson((f) => dumpMgrMap(f, mm)), readFileSync(join(traces, 'maps/mgrmap.json'), 'utf8').replace(/^\n/, ''), 'MgrMap::dump equals `ceph mgr dump`');
  for (const m of msgs.filter((x) => x.type === MSG_MON_MAP)) {
    // MMonMap: a bufferlist holding the encoded MonMap.
    const bl = m.front.subarray(4, 4 + m.front.readUInt32LE(0));
    t.same(
      encodeWith((w) => encodeMonMap(w, whole(bl, decodeMonMap))),
      bl,
      'mon_map payload re-encodes',
    );
  }
  const osd = msgs.find((m) => m.type === MSG_OSD_MAP)!;
  const { fulls } = splitMOSDMap(osd.front);
  t.equal(fulls.size, 1, 'a full map for a new subscriber');
  for (const [e, bl] of fulls) {
    const m = whole(bl, decodeOSDMap);
    t.equal(m.epoch, e);
    t.same(encodeOSDMap(m, CEPH_FEATURES_ALL), bl, `full map e${e} re-encodes byte for byte`);
  }
});
