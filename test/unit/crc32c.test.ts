/**
 * CRC32C with Ceph's semantics against vectors we did not write: RFC 3720 appendix B.4 (the standard,
 * inverted form), Ceph's own src/test/common/test_crc32c.cc values (the raw form with explicit seeds),
 * and every preamble and segment CRC in the frames captured from a real 16.2.15 cluster
 * (../shared/ceph-traces/streams: preamble crc = ceph_crc32c(0, preamble[0..28]); segment crcs use
 * seed 0xffffffff).
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { crc32c, crc32cStandard } from '@ts-ceph/denc';

t.test('RFC 3720 B.4 vectors (standard CRC32C)', async (t) => {
  const inc = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  const dec = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));
  // iSCSI SCSI Read (10) command PDU from RFC 3720 B.4 (48 bytes, as LevelDB's crc32c_test.cc lists it).
  const pdu = Buffer.from(
    '01c00000000000000000000000000000' + '14000000000004000000001400000018' + '28000000000000000200000000000000',
    'hex',
  );
  t.equal(crc32cStandard(Buffer.alloc(32, 0)), 0x8a9136aa, '32 bytes of zeroes');
  t.equal(crc32cStandard(Buffer.alloc(32, 0xff)), 0x62a8ab43, '32 bytes of ones');
  t.equal(crc32cStandard(inc), 0x46dd794e, '32 incrementing bytes');
  t.equal(crc32cStandard(dec), 0x113fdb5c, '32 decrementing bytes');
  t.equal(crc32cStandard(pdu), 0xd9963a56, 'iSCSI read PDU');
  t.equal(crc32cStandard(Buffer.from('123456789')), 0xe3069283, 'the check value of "123456789"');
});

t.test("Ceph's test_crc32c.cc values (raw form, explicit seeds)", async (t) => {
  t.equal(crc32c(0, Buffer.from('foo bar baz')), 4119623852);
  t.equal(crc32c(1234, Buffer.from('foo bar baz')), 881700046);
  t.equal(crc32c(0, Buffer.from('whiz bang boom')), 2360230088);
  t.equal(crc32c(5678, Buffer.from('whiz bang boom')), 3743019208);
  t.equal(crc32c(0, Buffer.alloc(5, 1)), 2715569182);
  t.equal(crc32c(0, Buffer.alloc(35, 1)), 440531800);
  const big = Buffer.alloc(4096000, 1);
  t.equal(crc32c(0, big), 31583199);
  t.equal(crc32c(1234, big), 1400919119);
  t.equal(crc32c(0, Buffer.alloc(0)), 0, 'empty input leaves the seed');
  t.equal(crc32c(0xdeadbeef, Buffer.alloc(0)), 0xdeadbeef, 'empty input leaves any seed');
});

t.test('chaining: crc of a split buffer equals crc of the whole', async (t) => {
  const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
  for (const cut of [0, 1, 3, 500, 999, 1000]) {
    t.equal(crc32c(crc32c(0xffffffff, data.subarray(0, cut)), data.subarray(cut)), crc32c(0xffffffff, data), `cut at ${cut}`);
  }
});

t.test('every CRC in the captured msgr2 streams', async (t) => {
  const dir = join(sharedDir(), 'ceph-traces', 'streams');
  let preambles = 0;
  let segments = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.bin')).sort()) {
    const b = readFileSync(join(dir, f));
    t.equal(b.subarray(0, 8).toString('latin1'), 'ceph v2\n', `${f}: banner`);
    let off = 10 + b.readUInt16LE(8);
    while (off + 32 <= b.length) {
      const pre = b.subarray(off, off + 32);
      if (crc32c(0, pre.subarray(0, 28)) !== pre.readUInt32LE(28)) {
        t.fail(`${f}@${off}: preamble crc mismatch`);
        break;
      }
      preambles++;
      const nseg = pre[1]!;
      const lens = [0, 1, 2, 3].map((i) => pre.readUInt32LE(2 + i * 6));
      let p = off + 32;
      // rev1 crc mode: segment 0 is followed by its crc; with more segments, the rest follow and an
      // epilogue {u8 late_flags, le32 crc x3} carries theirs.
      const seg0 = b.subarray(p, p + lens[0]!);
      p += lens[0]!;
      if (crc32c(0xffffffff, seg0) !== b.readUInt32LE(p)) t.fail(`${f}@${off}: segment 0 crc mismatch`);
      else segments++;
      p += 4;
      if (nseg > 1) {
        const segs = [1, 2, 3].map((i) => {
          const s = b.subarray(p, p + lens[i]!);
          p += lens[i]!;
          return s;
        });
        p += 1; // late_flags
        // Only the segments counted in num_segments carry a crc; the epilogue's other slots are zero.
        for (let i = 0; i < nseg - 1; i++) {
          if (crc32c(0xffffffff, segs[i]!) !== b.readUInt32LE(p + i * 4)) t.fail(`${f}@${off}: segment ${i + 1} crc mismatch`);
          else segments++;
        }
        p += 12;
      }
      off = p;
    }
    t.equal(off, b.length, `${f}: frames cover the stream exactly`);
  }
  t.ok(preambles > 100, `${preambles} preamble CRCs (seed 0) and ${segments} segment CRCs (seed 0xffffffff) verified`);
  t.comment(`verified ${preambles} preamble and ${segments} segment CRCs`);
});
