/**
 * Feature bits against what real 16.2.15 daemons and clients advertise: the supported-features word of
 * every SERVER_IDENT (mon, mgr, OSDs) and CLIENT_IDENT (ceph CLI, rados) frame captured in
 * ../shared/ceph-traces/streams.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { CEPH_FEATURES_ALL, Reader, decodeEntityAddr, decodeEntityAddrvec, hasFeature, featureNames } from '../src';

/** The segment-0 payloads of every frame with `tag` in a crc-mode stream. */
function framesWithTag(b: Buffer, tag: number): Buffer[] {
  const out: Buffer[] = [];
  let off = 10 + b.readUInt16LE(8);
  while (off + 32 <= b.length) {
    const n = b[off + 1]!;
    const lens = [0, 1, 2, 3].map((i) => b.readUInt32LE(off + 2 + i * 6));
    if (b[off] === tag) out.push(b.subarray(off + 32, off + 32 + lens[0]!));
    off += 32 + lens[0]! + 4 + (n > 1 ? lens[1]! + lens[2]! + lens[3]! + 13 : 0);
  }
  return out;
}

t.test('every 16.2.15 peer in the captures advertises exactly CEPH_FEATURES_ALL', async (t) => {
  const dir = join(sharedDir(), 'ceph-traces', 'streams');
  let seen = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.bin')).sort()) {
    const b = readFileSync(join(dir, f));
    // CLIENT_IDENT (8): addrvec, target addr, gid, global_seq, supported, required, flags, cookie.
    for (const p of framesWithTag(b, 8)) {
      const r = new Reader(p);
      decodeEntityAddrvec(r);
      decodeEntityAddr(r);
      r.i64('gid');
      r.u64('global_seq');
      t.equal(r.u64('supported').toString(16), CEPH_FEATURES_ALL.toString(16), `${f}: CLIENT_IDENT supported features`);
      seen++;
    }
    // SERVER_IDENT (9): addrvec, gid, global_seq, supported, required, flags, cookie.
    for (const p of framesWithTag(b, 9)) {
      const r = new Reader(p);
      decodeEntityAddrvec(r);
      r.i64('gid');
      r.u64('global_seq');
      t.equal(r.u64('supported').toString(16), CEPH_FEATURES_ALL.toString(16), `${f}: SERVER_IDENT supported features`);
      seen++;
    }
  }
  t.ok(seen >= 10, `${seen} ident frames checked`);
  t.equal(CEPH_FEATURES_ALL, 0x3f01cfbdfffdffffn);
  t.ok(hasFeature(CEPH_FEATURES_ALL, 'SERVER_PACIFIC') && hasFeature(CEPH_FEATURES_ALL, 'RANGE_BLOCKLIST'));
  t.notOk(featureNames(CEPH_FEATURES_ALL).includes('OS_PERF_STAT_NS'), 'OS_PERF_STAT_NS is never advertised');
});
