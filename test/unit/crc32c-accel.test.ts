/**
 * The crc32c accelerator (denc installCrc32c): the messenger installs the native addon's interleaved
 * crc32c for long inputs; results must stay Ceph's (src/test/common/test_crc32c.cc values, which we
 * did not write), at every length around the accelerator's threshold and its 4080-byte lane chunks,
 * and an implementation that disagrees is refused.
 */
import t from 'tap';
import { crc32c, crc32cAcceleratedBytesMin, installCrc32c } from '@ts-ceph/denc';
import { installNativeCrc32c } from '@ts-ceph/messenger';

t.test("Ceph's test_crc32c.cc values with the native accelerator installed", async (t) => {
  const unaccelerated = new Map<number, number>();
  const data = Buffer.from(Array.from({ length: 3 * 4096 + 100 }, (_, i) => (i * 31 + 11) & 0xff));
  const lengths = [crc32cAcceleratedBytesMin - 1, crc32cAcceleratedBytesMin, 4080, 4081, 8160 + 3, 3 * 4096, data.length];
  for (const n of lengths) unaccelerated.set(n, crc32c(0xffffffff, data.subarray(1, 1 + Math.min(n, data.length - 1))));
  installNativeCrc32c();
  t.teardown(() => installCrc32c(undefined));
  const big = Buffer.alloc(4096000, 1);
  t.equal(crc32c(0, big), 31583199);
  t.equal(crc32c(1234, big), 1400919119);
  for (const n of lengths) t.equal(crc32c(0xffffffff, data.subarray(1, 1 + Math.min(n, data.length - 1))), unaccelerated.get(n), `${n} bytes at an odd offset`);
});

t.test('an accelerator that disagrees is refused, and the previous one stays', async (t) => {
  const before = crc32c(0, Buffer.alloc(4096000, 1));
  t.throws(() => installCrc32c((seed) => seed ^ 1), { name: 'AssertionError' });
  t.equal(crc32c(0, Buffer.alloc(4096000, 1)), before);
  t.equal(before, 31583199);
});
