// Golden vectors for the addon's CRC32C and AES-XTS (vectors we did not write), plus differential
// checks against node:crypto and the openssl CLI for dm-crypt's plain64 IV layout.
import t from 'tap';
import { createCipheriv, randomBytes } from 'node:crypto';
import { crc32c as dencCrc32c } from '@ts-ceph/denc';
import { plain64, xtsRef } from './xts-ref';
import { argon2, crc32c, crc32cBlocks, crc32cHardware, nativeAddon, XtsCipher } from '../src';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

t.test('crc32c: RFC 3720 B.4 vectors, hardware and table paths', async (t) => {
  t.ok(crc32cHardware(), 'this x86-64 machine has SSE4.2');
  // RFC 3720 appendix B.4: standard CRC32C = raw(0xffffffff, data) ^ 0xffffffff.
  const vectors: [Buffer, number][] = [
    [Buffer.alloc(32, 0), 0x8a9136aa],
    [Buffer.alloc(32, 0xff), 0x62a8ab43],
    [Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    [Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
    [Buffer.from('123456789'), 0xe3069283],
  ];
  for (const [data, want] of vectors) {
    for (const table of [false, true]) {
      t.equal((crc32c(0xffffffff, data, table) ^ 0xffffffff) >>> 0, want, `${data.toString('hex').slice(0, 16)} table=${table}`);
    }
  }
  // Ceph's raw form: seed 0, no inversion (src/test/common/test_crc32c.cc: "foo bar baz" -> 4119623852).
  t.equal(crc32c(0, Buffer.from('foo bar baz')), 4119623852);
  t.equal(crc32c(1234, Buffer.from('foo bar baz')), 881700046);
  // Unaligned starts and odd lengths agree between the paths and with denc's implementation,
  // around the hardware path's 4080-byte three-lane chunks too.
  const big = randomBytes(70001);
  for (const [s, e] of [[0, 70001], [1, 70000], [3, 9], [7, 4103], [0, 4079], [0, 4080], [5, 4086], [0, 8160], [1, 8162], [0, 4096]] as const) {
    const part = big.subarray(s, e);
    t.equal(crc32c(0xffffffff, part), crc32c(0xffffffff, part, true), `hw = table for ${s}..${e}`);
    t.equal(crc32c(0xffffffff, part), dencCrc32c(0xffffffff, part), `addon = denc for ${s}..${e}`);
  }
  const blocks = crc32cBlocks(big.subarray(0, 4096 * 4), 4096);
  for (let i = 0; i < 4; i++) t.equal(blocks[i], crc32c(0xffffffff, big.subarray(i * 4096, (i + 1) * 4096)));
  t.throws(() => nativeAddon().crc32c(0, big, 70000, 2, false), /outside the buffer/);
});

t.test('aes-xts: IEEE 1619 vectors', async (t) => {
  const pattern512 = Buffer.alloc(512);
  for (let i = 0; i < 512; i++) pattern512[i] = i & 0xff;
  // IEEE 1619-2007 vector 4: AES-128, data unit 0.
  const k128 = new XtsCipher(hex('27182818284590452353602874713526 31415926535897932384626433832795'), 512);
  const v4 = Buffer.from(pattern512);
  k128.encrypt(v4, 0);
  t.equal(v4.subarray(0, 32).toString('hex'), '27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c');
  t.equal(v4.subarray(480).toString('hex'), 'eb4a427d1923ce3ff262735779a418f20a282df920147beabe421ee5319d0568');
  k128.decrypt(v4, 0);
  t.same(v4, pattern512, 'vector 4 decrypts');
  // IEEE 1619 AES-256 vector with data unit sequence number 0xffffffff (plain64 IV = sector number).
  const key = hex(`2718281828459045235360287471352662497757247093699959574966967627
                   3141592653589793238462643383279502884197169399375105820974944592`);
  const want = hex(`bf53d2dade78e822a4d949a9bc6766b01b06a8ef70d26748c6a7fc36d80ae4c5520f7c4ab0ac8544424fa405162fef5a
    6b7f229498063618d39f0003cb5fb8d1c86b643497da1ff945c8d3bedeca4f479702a7a735f043ddb1d6aaade3c4a0ac7ca7f3fa5279bef56f82cd7a
    2f38672e824814e10700300a055e1630b8f1cb0e919f5e942010a416e2bf48cb46993d3cb6a51c19bacf864785a00bc2ecff15d350875b246ed53e68
    be6f55bd7e05cfc2b2ed6432198a6444b6d8c247fab941f569768b5c429366f1d3f00f0345b96123d56204c01c63b22ce78baf116e525ed90fdea39f
    a469494d3866c31e05f295ff21fea8d4e6e13d67e47ce722e9698a1c1048d68ebcde76b86fcf976eab8aa9790268b7068e017a8b9b749409514f1053
    027fd16c3786ea1bac5f15cb79711ee2abe82f5cf8b13ae73030ef5b9e4457e75d1304f988d62dd6fc4b94ed38ba831da4b7634971b6cd8ec325d9c6
    1c00f1df73627ed3745a5e8489f3a95c69639c32cd6e1d537a85f75cc844726e8a72fc0077ad22000f1d5078f6b866318c668f1ad03d5a5fced5219f
    2eabbd0aa5c0f460d183f04404a0d6f469558e81fab24a167905ab4c7878502ad3e38fdbe62a41556cec37325759533ce8f25f367c87bb5578d667ae
    93f9e2fd99bcbc5f2fbba88cf6516139420fcff3b7361d86322c4bd84c82f335abb152c4a93411373aaa8220`);
  const x = new XtsCipher(key, 512);
  const buf = Buffer.from(pattern512);
  x.encrypt(buf, 0xffffffff * 512);
  t.equal(buf.toString('hex'), want.toString('hex'), 'AES-256 sector 0xffffffff');
  x.decrypt(buf, 0xffffffff * 512);
  t.same(buf, pattern512);
  t.throws(() => new XtsCipher(Buffer.alloc(48), 512), { code: 'EINVAL' });
});

t.test('aes-xts-plain64 with 4096-byte sectors matches node:crypto and an ECB-built XTS', async (t) => {
  const key = randomBytes(64);
  const data = randomBytes(4096 * 3);
  const firstOffset = 4096 * 1000;
  const x = new XtsCipher(key, 4096);
  const ours = Buffer.from(data);
  x.encrypt(ours, firstOffset);
  for (let s = 0; s < 3; s++) {
    // dm-crypt without iv_large_sectors: the IV counts 512-byte units.
    const iv = plain64((firstOffset + s * 4096) / 512);
    const c = createCipheriv('aes-256-xts', key, iv);
    const sector = data.subarray(s * 4096, (s + 1) * 4096);
    t.same(ours.subarray(s * 4096, (s + 1) * 4096), Buffer.concat([c.update(sector), c.final()]), `sector ${s} = node:crypto`);
    t.same(ours.subarray(s * 4096, (s + 1) * 4096), xtsRef(true, key, iv, sector), `sector ${s} = ECB-built XTS`);
  }
  // Out of place: the same ciphertext into another buffer, the source left as it was.
  const dst = Buffer.alloc(4096 * 4, 0xee);
  x.encryptTo(data, 4096, dst, 4096, 4096 * 2, firstOffset + 4096);
  t.same(dst.subarray(4096, 4096 * 3), ours.subarray(4096, 4096 * 3), 'encryptTo = in place');
  t.ok(dst.subarray(0, 4096).every((b) => b === 0xee) && dst.subarray(4096 * 3).every((b) => b === 0xee), 'nothing written outside the range');
  t.same(data, Buffer.from(data), 'source unchanged');
  // On the thread pool: the same bytes, both directions.
  const dst2 = Buffer.alloc(4096 * 4, 0xee);
  await x.encryptToAsync(data, 4096, dst2, 4096, 4096 * 2, firstOffset + 4096);
  t.same(dst2, dst, 'encryptToAsync = encryptTo');
  await x.decryptAsync(dst2, firstOffset + 4096, 4096, 4096 * 2);
  t.same(dst2.subarray(4096, 4096 * 3), data.subarray(4096, 4096 * 3), 'decryptAsync round trip');
  const raw = new (nativeAddon().XtsKey)(key);
  t.throws(() => raw.crypt(true, dst, 0, 4096, 4096, 0, 8, Buffer.alloc(100), 0), /source range outside/, 'C++ checks the source range too');
  raw.destroy();
  t.throws(() => x.encryptTo(data, 4096 * 2, dst, 0, 4096 * 2, 0), /outside a buffer/);
  x.decrypt(ours, firstOffset);
  t.same(ours, data, 'round trip');
  x.destroy();
  t.throws(() => x.encrypt(ours, 0), /destroyed/);
});

t.test('argon2: reference vector (argon2 README) and lanes > 1', async (t) => {
  // From the reference implementation's README: argon2i, t=2, m=2^16 KiB, p=4, 24 bytes.
  const out = await argon2('argon2i', Buffer.from('password'), Buffer.from('somesalt'), 2, 65536, 4, 24);
  t.equal(out.toString('hex'), '45d7ac72e76f242b20b77b9bf9bf9d5915894e669a24e6c6');
  const a = await argon2('argon2id', Buffer.from('pw'), Buffer.alloc(32, 1), 1, 1024, 4, 64);
  const b = await argon2('argon2id', Buffer.from('pw'), Buffer.alloc(32, 1), 1, 1024, 2, 64);
  t.not(a.toString('hex'), b.toString('hex'), 'the lane count changes the output');
  await t.rejects(argon2('argon2id', Buffer.from('pw'), Buffer.alloc(4), 1, 1024, 1, 32), { code: 'EINVAL' });
});
