/**
 * MOSDScrub2 against Ceph's layout (src/messages/MOSDScrub2.h): no capture or corpus file holds
 * one, so the expected bytes are built here by hand from the header, field by field.
 */
import t from 'tap';
import { MessageCodec } from '@ts-ceph/messenger';
import { MOSDScrub2, MOSDScrub2Codec } from '../src';
import { checkTruncations, codecMessage } from './frames';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// uuid fsid (16 raw bytes); le32 epoch 0x2a; le32 count 2; spg_t 1.0 and 2.1f, each
// ENCODE_START(1, 1) (u8 v 1, u8 compat 1, le32 len 18) around pg_t (u8 v 1, le64 pool,
// le32 seed, le32 preferred -1) and s8 shard -1 (NO_SHARD); bool repair 1; bool deep 0.
const front = hex(
  '00112233445566778899aabbccddeeff 2a000000 02000000' +
    '0101 12000000 01 0100000000000000 00000000 ffffffff ff' +
    '0101 12000000 01 0200000000000000 1f000000 ffffffff ff' +
    '01 00',
);

t.test('scrub2: hand-built front decodes, re-encodes byte-identically, prints as Ceph', async (t) => {
  t.equal(MOSDScrub2Codec.type, 121, 'MSG_OSD_SCRUB2');
  const m = MOSDScrub2Codec.decode(codecMessage(MOSDScrub2Codec as MessageCodec<unknown>, front), 0n) as MOSDScrub2;
  t.equal(m.fsid, '00112233-4455-6677-8899-aabbccddeeff');
  t.equal(m.epoch, 42);
  t.same(m.scrubPgs, [{ pgid: { pool: 1, seed: 0 }, shard: -1 }, { pgid: { pool: 2, seed: 31 }, shard: -1 }]);
  t.equal(m.repair, true);
  t.equal(m.deep, false);
  t.ok(MOSDScrub2Codec.encode(m, 0n).front.equals(front));
  t.equal(MOSDScrub2Codec.describe!(m), 'scrub2([1.0,2.1f] repair)');
  t.equal(MOSDScrub2Codec.describe!({ ...m, repair: false, deep: true, scrubPgs: [] }), 'scrub2([] deep)');
});

t.test('scrub2: every truncation is refused with a typed error', async (t) => {
  checkTruncations(t, MOSDScrub2Codec as MessageCodec<unknown>, front, { prefixMayDecode: false });
});

t.test('scrub2: a PG count over osdPgsPerMessageMax is refused before reading them', async (t) => {
  const big = Buffer.concat([front.subarray(0, 20), hex('ffffff7f')]);
  t.throws(() => MOSDScrub2Codec.decode(codecMessage(MOSDScrub2Codec as MessageCodec<unknown>, big), 0n), { name: /DencError|CephError/ });
});
