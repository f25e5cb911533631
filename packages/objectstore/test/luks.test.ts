// Acceptance 4 and 5: our LUKS2 header against cryptsetup (the oracle), sectors encrypted exactly as
// dm-crypt would (checked with the volume key cryptsetup dumps and an ECB-built XTS), a device made
// by cryptsetup luksFormat opening in ours, and ts-objectstore-tool end to end on an encrypted file.
import t from 'tap';
import { chmodSync, openSync, readSync, writeSync, closeSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { collPG, ghobject, luksOpen, NativeStore, Transaction, cephStrHashRjenkins } from '../src';
import { plain64, xtsRef } from './xts-ref';

const cryptsetup = requireBinary('cryptsetup');
const tool = join(__dirname, '..', 'src', 'bin', 'ts-objectstore-tool.js');
const lightKdf = { kdf: 'argon2id' as const, time: 2, memoryKiB: 16384, lanes: 2 };

function readAt(path: string, offset: number, n: number): Buffer {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(n);
  readSync(fd, b, 0, n, offset);
  closeSync(fd);
  return b;
}

async function dumpVolumeKey(dev: string, keyFile: string): Promise<Buffer> {
  const r = await run(cryptsetup, ['luksDump', '--dump-volume-key', '--batch-mode', '--key-file', keyFile, dev]);
  t.equal(r.code, 0, r.stderr);
  const m = /MK dump:\s*((?:[0-9a-f]{2}\s*)+)/.exec(r.stdout);
  return Buffer.from((m?.[1] ?? '').replace(/\s+/g, ''), 'hex');
}

t.test('our header: luksDump, open --test-passphrase, dm-crypt sector layout', async (t) => {
  const dir = tempDir('ts-luks-');
  t.teardown(dir.cleanup);
  const keyFile = join(dir.path, 'key');
  writeFileSync(keyFile, 'correct horse battery staple', { mode: 0o600 });
  const path = join(dir.path, 'osd');
  const store = new NativeStore({ path, deviceBytes: 64 * 1024 * 1024, encrypt: true, passphrase: Buffer.from('correct horse battery staple'), luks: lightKdf });
  await store.mkfs();
  const dev = join(path, 'block');
  const dump = await run(cryptsetup, ['luksDump', dev]);
  t.equal(dump.code, 0, dump.stderr);
  t.match(dump.stdout, /Version:\s+2/);
  t.match(dump.stdout, /cipher: aes-xts-plain64/);
  t.match(dump.stdout, /PBKDF:\s+argon2id/);
  t.match(dump.stdout, /Key:\s+512 bits/);
  const ok = await run(cryptsetup, ['open', '--test-passphrase', '--key-file', keyFile, dev]);
  t.equal(ok.code, 0, `cryptsetup accepts the passphrase: ${ok.stderr}`);
  writeFileSync(join(dir.path, 'wrong'), 'wrong');
  const bad = await run(cryptsetup, ['open', '--test-passphrase', '--key-file', join(dir.path, 'wrong'), dev]);
  t.not(bad.code, 0, 'and refuses a wrong one');
  const vk = await dumpVolumeKey(dev, keyFile);
  t.equal(vk.length, 64);
  t.same((await luksOpen(dev, Buffer.from('correct horse battery staple'))).volumeKey, vk, 'our keyslot yields the same volume key');
  // Data written through the store decrypts with cryptsetup's volume key as dm-crypt would:
  // 4096-byte sectors, IV = offset in the segment / 512.
  await store.mount();
  const C = collPG(1, 0);
  const data = randomBytes(8192);
  await store.queueTransaction(new Transaction().createCollection(C).write(C, ghobject({ name: 'x' }), 0, data));
  const off = await store.deviceOffsetOf(C, ghobject({ name: 'x' }), 4096);
  await store.umount();
  const segOffset = 16 * 1024 * 1024;
  const plain = xtsRef(false, vk, plain64((off - segOffset) / 512), readAt(dev, off, 4096));
  t.same(plain, data.subarray(4096), 'sector decrypts with the dumped key (independent XTS)');
  const sb = xtsRef(false, vk, plain64(0), readAt(dev, segOffset, 4096));
  t.equal(sb.subarray(0, 19).toString(), 'ts-ceph objectstore', 'the superblock is the first encrypted sector');
  await t.rejects(new NativeStore({ path, passphrase: Buffer.from('nope') }).mount(), { code: 'EPERM' });
  await t.rejects(new NativeStore({ path }).mount(), { code: 'EACCES' });
});

t.test('a device formatted by cryptsetup luksFormat opens in ours', async (t) => {
  const dir = tempDir('ts-luks-');
  t.teardown(dir.cleanup);
  const keyFile = join(dir.path, 'key');
  writeFileSync(keyFile, 'k3y', { mode: 0o600 });
  for (const kdf of [['--pbkdf', 'argon2id', '--pbkdf-memory', '16384', '--pbkdf-force-iterations', '4', '--pbkdf-parallel', '4'], ['--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000']]) {
    const dev = join(dir.path, `dev-${kdf[1]}`);
    writeFileSync(dev, '');
    truncateSync(dev, 40 * 1024 * 1024);
    const f = await run(cryptsetup, ['luksFormat', '--type', 'luks2', '--batch-mode', '--key-file', keyFile, '--cipher', 'aes-xts-plain64', '--key-size', '512', ...kdf, dev]);
    t.equal(f.code, 0, f.stderr);
    const vk = await dumpVolumeKey(dev, keyFile);
    const v = await luksOpen(dev, Buffer.from('k3y'));
    t.same(v.volumeKey, vk, `${kdf[1]} keyslot opens`);
    t.equal(v.segmentOffset, 16 * 1024 * 1024);
    await t.rejects(luksOpen(dev, Buffer.from('k3Y')), { code: 'EPERM' });
  }
});

t.test('ts-objectstore-tool: encrypted mkfs, set/get-bytes, fsck, corruption is EIO', async (t) => {
  const dir = tempDir('ts-tool-');
  t.teardown(dir.cleanup);
  const keyFile = join(dir.path, 'osd.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const path = join(dir.path, 'osd');
  const T = (...args: string[]) => run(process.execPath, [tool, '--data-path', path, ...args], { timeoutMs: 60000 });
  const mk = await T('--op', 'mkfs', '--encrypt', '--key-file', keyFile, '--size', '64M');
  t.equal(mk.code, 0, mk.stderr);
  const dump = await run(cryptsetup, ['luksDump', join(path, 'block')]);
  t.match(dump.stdout, /Version:\s+2/);
  t.match(dump.stdout, /aes-xts-plain64/);
  const payload = randomBytes(20000);
  const inFile = join(dir.path, 'in');
  writeFileSync(inFile, payload);
  const set = await T('--op', 'set-bytes', '--key-file', keyFile, '--pgid', '1.0', '--oid', 'obj1', '--file', inFile);
  t.equal(set.code, 0, set.stderr);
  const get = await T('--op', 'get-bytes', '--key-file', keyFile, '--pgid', '1.0', '--oid', 'obj1');
  t.equal(get.code, 0, get.stderr);
  t.same(get.stdoutBuf, payload, 'get-bytes returns what set-bytes stored');
  const list = await T('--op', 'list', '--key-file', keyFile);
  t.equal(list.stdout.trim(), JSON.stringify(['1.0', { oid: 'obj1', key: '', snapid: -2, hash: cephStrHashRjenkins('obj1'), max: 0, pool: 1, namespace: '' }]));
  const fsck = await T('--op', 'fsck', '--deep', '--key-file', keyFile);
  t.equal(fsck.code, 0, fsck.stderr);
  t.match(fsck.stdout, /1 objects, 0 errors/);
  const noKey = await T('--op', 'fsck');
  t.equal(noKey.code, 1);
  t.match(noKey.stderr, /Error EACCES/);
  chmodSync(keyFile, 0o644);
  const worldReadable = await T('--op', 'fsck', '--key-file', keyFile);
  t.equal(worldReadable.code, 1, 'a world-readable key file is refused');
  chmodSync(keyFile, 0o600);
  // Overwrite one byte of the object's data on the raw file.
  const store = new NativeStore({ path, passphrase: (await import('node:fs')).readFileSync(keyFile) });
  await store.mount();
  const at = await store.deviceOffsetOf(collPG(1, 0), ghobject({ pool: 1, name: 'obj1', hash: cephStrHashRjenkins('obj1') }), 9000);
  await store.umount();
  const fd = openSync(join(path, 'block'), 'r+');
  writeSync(fd, Buffer.from([readAt(join(path, 'block'), at, 1)[0]! ^ 0xff]), 0, 1, at);
  closeSync(fd);
  const bad = await T('--op', 'get-bytes', '--key-file', keyFile, '--pgid', '1.0', '--oid', 'obj1');
  t.equal(bad.code, 1);
  t.match(bad.stderr, /Error EIO: .*checksum mismatch/);
  t.equal(bad.stdoutBuf.length, 0, 'no data on stdout');
  const fsck2 = await T('--op', 'fsck', '--deep', '--key-file', keyFile);
  t.equal(fsck2.code, 1);
  t.match(fsck2.stderr, /fsck error: .*obj1.*checksum mismatch/);
  const usage = await T('--op', 'get-bytes', '--key-file', keyFile);
  t.equal(usage.code, 2, 'usage errors exit 2');
});

t.test('ceph_str_hash_rjenkins agrees with osdmaptool placement', async (t) => {
  requireBinary('osdmaptool');
  const dir = tempDir('ts-hash-');
  t.teardown(dir.cleanup);
  const om = join(dir.path, 'om');
  const c = await run('osdmaptool', ['--createsimple', '3', '--pg-bits', '8', '--with-default-pool', '--clobber', om]);
  t.equal(c.code, 0, c.stderr);
  for (const name of ['foo', 'rbd_data.1234.0000000000000001', 'a', 'exactly12byt', 'thirteen_byte']) {
    const r = await run('osdmaptool', [om, '--test-map-object', name, '--pool', '1']);
    const m = /object '.*' -> 1\.([0-9a-f]+) ->/.exec(r.stdout);
    t.ok(m, r.stdout + r.stderr);
    // 768 PGs (3 osds << 8 bits): ceph_stable_mod(hash, 768, 1023).
    const h = cephStrHashRjenkins(name);
    const stable = (h & 1023) < 768 ? h & 1023 : h & 511;
    t.equal(parseInt(m![1]!, 16), stable, `placement of ${name}`);
  }
});
