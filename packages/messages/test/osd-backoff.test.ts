/**
 * MOSDBackoff (src/messages/MOSDBackoff.h) against a front built by hand from the header's field
 * list: spg_t, epoch, op, id, two hobject_t; decoded, re-encoded byte for byte, printed, and every
 * truncation refused with a typed error.
 */
import t from 'tap';
import { CEPH_NOSNAP } from '@ts-ceph/maps';
import { CephMessage } from '@ts-ceph/messenger';
import { CEPH_MSG_OSD_BACKOFF, CephOsdBackoffOp, MOSDBackoffCodec } from '../src';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function hobj(oid: string, hash: string): Buffer {
  const name = Buffer.from(oid);
  const body = Buffer.concat([hex('00000000'), Buffer.from([name.length, 0, 0, 0]), name, hex('feffffffffffffff'), hex(hash), hex('00'), hex('00000000'), hex('0300000000000000')]);
  return Buffer.concat([hex('0403'), Buffer.from([body.length, 0, 0, 0]), body]);
}

const front = Buffer.concat([
  hex('0101 12000000 01 0300000000000000 07000000 ffffffff ff'), // spg_t 3.7, no shard
  hex('1d000000'), // map_epoch 29
  hex('01'), // BLOCK
  hex('2a00000000000000'), // id 42
  hobj('a', '34120000'),
  hobj('b', '78560000'),
]);

const msg = (f: Buffer): CephMessage => ({ type: CEPH_MSG_OSD_BACKOFF, version: 1, compatVersion: 1, priority: 196, tid: 0n, dataOff: 0, front: f, middle: Buffer.alloc(0), data: Buffer.alloc(0) });

t.test('osd_backoff: hand-built front', async (t) => {
  const m = MOSDBackoffCodec.decode(msg(front), 0n);
  t.same([m.pgid, m.mapEpoch, m.op, m.id], [{ pgid: { pool: 3, seed: 7 }, shard: -1 }, 29, CephOsdBackoffOp.BLOCK, 42n]);
  t.match(m.begin, { oid: 'a', hash: 0x1234, snap: CEPH_NOSNAP, pool: 3, max: false });
  t.match(m.end, { oid: 'b', hash: 0x5678 });
  t.ok(MOSDBackoffCodec.encode(m, 0n).front.equals(front), 're-encodes byte-identically');
  t.equal(MOSDBackoffCodec.describe!(m), 'osd_backoff(3.7 block id 42 [3:2c480000:::a:head,3:1e6a0000:::b:head) e29)');
  const ack = MOSDBackoffCodec.encode({ ...m, op: CephOsdBackoffOp.ACK_BLOCK }, 0n).front;
  t.equal(ack[28], CephOsdBackoffOp.ACK_BLOCK, 'the ack differs in the op byte only');
  let refused = 0;
  for (let n = 0; n < front.length; n++) {
    try {
      MOSDBackoffCodec.decode(msg(front.subarray(0, n)), 0n);
    } catch (e) {
      if ((e as Error).name === 'DencError' || (e as Error).name === 'CephError') refused++;
    }
  }
  t.equal(refused, front.length, 'every truncation refused with a typed error');
});
