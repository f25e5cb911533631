/**
 * CryptoKey and the cephx envelope: Ceph's own AES vectors (src/test/crypto.cc), the base64 text form
 * against keys written by ceph-authtool, and the failure modes (wrong key, short or misaligned input).
 */
import t from 'tap';
import { Reader, Writer } from '@ts-ceph/denc';
import {
  CryptoKey,
  CEPH_CRYPTO_AES,
  CEPH_CRYPTO_NONE,
  decodeCryptoKey,
  encodeEncrypt,
  encodeEncryptBl,
  decodeDecrypt,
  decodeDecryptBl,
  secretEquals,
  u64Equals,
  CEPHX_CRYPT_ERR,
  AUTH_ENC_MAGIC,
} from '../src/index';
import { pcapKeys } from './lib/msgr2-walk';

const t0 = { sec: 0, nsec: 0 };
function errnoOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { errno?: number }).errno;
  }
  return undefined;
}
const cephTestKey = new CryptoKey(CEPH_CRYPTO_AES, t0, Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
const cephPlain = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
// TEST(AES, Encrypt) / TEST(AES, Decrypt): 16 bytes grow to 32 (a whole block of PKCS#7 padding)
const cephCipher = Buffer.from('b38f5bc9354cf8c61315666f37d7793a11907be9d83c3570587b979b03d2a501', 'hex');

t.test('AES-128-CBC with the cephx IV: Ceph test vectors', async (t) => {
  t.equal(cephTestKey.encrypt(cephPlain).toString('hex'), cephCipher.toString('hex'), 'encrypt');
  t.equal(cephTestKey.decrypt(cephCipher).toString('hex'), cephPlain.toString('hex'), 'decrypt');
  for (let n = 0; n < 40; n++) {
    const p = Buffer.alloc(n, n);
    const c = cephTestKey.encrypt(p);
    t.equal(c.length, 16 + Math.floor(n / 16) * 16, `${n} bytes -> ${c.length}`);
    t.same(cephTestKey.decrypt(c), p);
  }
  t.throws(() => cephTestKey.decrypt(Buffer.alloc(15)), { code: 'EINVAL' }, 'shorter than a block');
  t.throws(() => cephTestKey.decrypt(Buffer.alloc(33)), { code: 'EINVAL' }, 'not whole blocks');
});

t.test('CryptoAES::validate_secret: at least 16 bytes (TEST(AES, ValidateSecret))', async (t) => {
  for (let l = 1; l < 16; l++) t.throws(() => new CryptoKey(CEPH_CRYPTO_AES, t0, Buffer.alloc(l)), { code: 'EINVAL' }, `${l} bytes`);
  for (let l = 16; l < 50; l++) t.doesNotThrow(() => new CryptoKey(CEPH_CRYPTO_AES, t0, Buffer.alloc(l)), `${l} bytes`);
  t.throws(() => new CryptoKey(7, t0, Buffer.alloc(16)), { code: 'EOPNOTSUPP' }, 'unknown type');
  const none = new CryptoKey(CEPH_CRYPTO_NONE, t0, Buffer.from('x'));
  t.same(none.encrypt(Buffer.from('abc')), Buffer.from('abc'), 'CEPH_CRYPTO_NONE passes data through');
  // a malformed secret inside an encoding is a DencError naming the field
  const bad = Buffer.from('0100000000000000000004000102030405', 'hex').subarray(0, 16);
  t.throws(() => decodeCryptoKey(new Reader(bad)), { code: 'DENC_MALFORMED' });
});

t.test('base64 text form: keys written by ceph-authtool', async (t) => {
  const keys = pcapKeys();
  t.ok(keys.size >= 10, 'pcap-keys.txt has the cluster keys');
  for (const [name, b64] of keys) {
    const k = CryptoKey.fromBase64(b64);
    t.equal(k.type, CEPH_CRYPTO_AES, `${name} is AES`);
    t.equal(k.secret.length, 16);
    t.equal(k.toBase64(), b64, `${name} round-trips`);
  }
  const admin = CryptoKey.fromBase64(keys.get('client.admin')!);
  // AQDxxwJr...: le16 type 1, utime created 0x6b02c7f1 s, le16 len 16
  t.equal(admin.created.sec, 0x6b02c7f1);
  for (const bad of ['', 'not base64!', 'AAAA', 'AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q', 'AQDxxwJr3QWGEBAATmf/vGOsmYyz3atJ0T854Q==AAAA']) {
    t.throws(() => CryptoKey.fromBase64(bad), { code: 'EINVAL' }, `refuses '${bad}'`);
  }
  const g = CryptoKey.generate({ bytes: (n) => Buffer.alloc(n, 0xab) }, 1_700_000_000_500);
  t.same(g.created, { sec: 1_700_000_000, nsec: 500_000_000 });
  t.equal(CryptoKey.fromBase64(g.toBase64()).secret.toString('hex'), 'ab'.repeat(16));
});

t.test('encode_encrypt / decode_decrypt envelope', async (t) => {
  const k = cephTestKey;
  const enc = encodeEncryptBl(k, 0x1122334455667788n, (w, v) => w.u64(v));
  // plaintext = u8 1, le64 AUTH_ENC_MAGIC, le64 value = 17 bytes -> 32 bytes
  t.equal(enc.length, 32);
  const plain = k.decrypt(enc);
  t.equal(plain[0], 1);
  t.equal(plain.readBigUInt64LE(1), AUTH_ENC_MAGIC);
  t.equal(decodeDecryptBl(k, enc, (r) => r.u64()), 0x1122334455667788n);
  const w = new Writer();
  encodeEncrypt(w, k, 'hello', (w, s) => w.string(s));
  const buf = w.finish();
  t.equal(buf.readUInt32LE(0), buf.length - 4, 'length-prefixed');
  t.equal(decodeDecrypt(new Reader(buf), k, (r) => r.string()), 'hello');
  const other = new CryptoKey(CEPH_CRYPTO_AES, t0, Buffer.alloc(16, 1));
  t.throws(() => decodeDecryptBl(other, enc, (r) => r.u64()), { code: CEPHX_CRYPT_ERR, name: 'CephError' }, 'wrong key: bad magic');
  t.equal(errnoOf(() => decodeDecryptBl(other, enc, (r) => r.u64())), 13, 'EACCES');
  t.throws(() => decodeDecryptBl(k, enc.subarray(0, 16), (r) => r.u64()), { code: CEPHX_CRYPT_ERR }, 'truncated');
  t.throws(() => decodeDecrypt(new Reader(Buffer.from([4, 0, 0])), k, (r) => r.u64()), { code: 'DENC_SHORT' }, 'short length prefix');
  t.throws(() => encodeEncryptBl(CryptoKey.empty(), 1, (w, v) => w.u8(v)), { code: CEPHX_CRYPT_ERR }, 'empty key');
});

t.test('constant-time compares and HMAC', async (t) => {
  t.ok(secretEquals(Buffer.from('abc'), Buffer.from('abc')));
  t.notOk(secretEquals(Buffer.from('abc'), Buffer.from('abd')));
  t.notOk(secretEquals(Buffer.from('abc'), Buffer.from('ab')));
  t.ok(u64Equals(0xffff_ffff_ffff_ffffn, -1n));
  t.notOk(u64Equals(1n, 2n));
  // RFC 4231 test case 2: HMAC-SHA256 with key "Jefe"
  const jefe = new CryptoKey(CEPH_CRYPTO_NONE, t0, Buffer.from('Jefe'));
  t.equal(jefe.hmacSha256(Buffer.from('what do ya want for nothing?')).toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  t.ok(cephTestKey.equals(new CryptoKey(CEPH_CRYPTO_AES, { sec: 5, nsec: 0 }, cephTestKey.secret)));
});
