/**
 * entity_addr_t: the msgr2 and legacy wire forms against bytes taken from a real 16.2.15 capture
 * (the HELLO frame of ../shared/ceph-traces/streams/pcap-a-ceph-status.00.s2c.bin carries the mon's
 * view of the client's address) and built by hand; text parse/format as Ceph prints addresses.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import {
  AddrType,
  Reader,
  Writer,
  addrIp,
  addrPort,
  decodeEntityAddr,
  encodeEntityAddr,
  featureBit,
  formatAddr,
  formatAddrvec,
  makeAddr,
  parseAddr,
  parseAddrvec,
  CEPH_FEATURES_ALL,
} from '../src';

t.test('the HELLO from a real mon decodes to the client address it saw', async (t) => {
  const s2c = readFileSync(join(sharedDir(), 'ceph-traces', 'streams', 'pcap-a-ceph-status.00.s2c.bin'));
  const frame = s2c.subarray(26); // after the banner
  t.equal(frame[0], 1, 'HELLO tag');
  const seg0 = frame.subarray(32, 32 + frame.readUInt32LE(2));
  const r = new Reader(seg0);
  t.equal(r.u8(), 1, 'entity type mon');
  const a = decodeEntityAddr(r);
  r.expectEnd();
  t.equal(addrIp(a), '127.0.0.1');
  t.equal(a.type, AddrType.MSGR2);
  t.equal(addrPort(a), 60134, 'the client port from the pcap index (127.0.0.1:60134)');
  const w = new Writer();
  encodeEntityAddr(w, a);
  t.same(w.finish(), seg0.subarray(1), 're-encodes identically');
});

t.test('msgr2 form by hand', async (t) => {
  const w = new Writer();
  encodeEntityAddr(w, makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 5));
  const expect = Buffer.from('01' + '0101' + '1c000000' + '02000000' + '05000000' + '10000000' + '0200' + '0ce4' + '7f000001' + '0000000000000000', 'hex');
  t.same(w.finish(), expect);
});

t.test('legacy form for peers without MSG_ADDR2', async (t) => {
  const w = new Writer(CEPH_FEATURES_ALL & ~featureBit('MSG_ADDR2'));
  encodeEntityAddr(w, makeAddr(AddrType.LEGACY, '10.0.0.1', 6789, 9));
  const b = w.finish();
  t.equal(b.length, 4 + 4 + 128);
  t.same(b.subarray(0, 16), Buffer.from('00000000' + '09000000' + '0002' + '1a85' + '0a000001', 'hex'));
  const a = decodeEntityAddr(new Reader(b));
  t.equal(formatAddr(a), 'v1:10.0.0.1:6789/9');
});

t.test('text forms', async (t) => {
  t.equal(formatAddr(parseAddr('v2:127.0.0.1:3300/0')!), 'v2:127.0.0.1:3300/0');
  t.equal(formatAddr(parseAddr('[::1]:6800', AddrType.MSGR2)!), 'v2:[::1]:6800/0');
  t.equal(formatAddrvec(parseAddrvec('[v2:10.1.2.3:3300/0,v1:10.1.2.3:6789/0]')!), '[v2:10.1.2.3:3300/0,v1:10.1.2.3:6789/0]');
  t.equal(parseAddr('999.1.1.1'), undefined);
  t.equal(parseAddr('v2:1.2.3.4:70000'), undefined);
  t.equal(addrIp(makeAddr(AddrType.ANY, 'fe80::1:2', 1)), 'fe80::1:2');
  t.equal(formatAddr(makeAddr(AddrType.ANY, '10.0.0.1', 6800, 3)), '10.0.0.1:6800/3', 'TYPE_ANY prints no prefix');
  t.equal(formatAddrvec([]), '', 'an empty addrvec prints nothing');
});
