/**
 * ts-rgw multipart uploads on ts-mon + ts-osd, driven by the stock AWS CLI: a 200 MiB `aws s3 cp`
 * (multipart in 8 MiB parts by default) read back byte for byte with the ETag S3 gives
 * (md5 of the parts' md5s, "-25"); then the s3api calls one by one: create-multipart-upload,
 * upload-part, upload-part-copy (a range of another object), list-parts, list-multipart-uploads,
 * complete-multipart-upload refusing a wrong order (InvalidPartOrder), a wrong ETag (InvalidPart)
 * and a small middle part (EntityTooSmall), and abort-multipart-upload dropping the parts' stripes
 * (checked with the stock `rados` CLI).
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, startTsOsdCluster } from './osd-lib';
import { startRgw } from './rgw-lib';

const MiB = 1 << 20;
const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

t.test('multipart uploads with the AWS CLI against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', deviceBytes: 1536 * MiB, debugOsd: 1 });
  t.teardown(() => c.stop());
  await Promise.all(['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data'].map((p) => createPool(c.mon, p, 8, () => c.osdLog(1_000_000))));
  const rados = (args: string[]) => c.rados(args, { extra: ['-k', c.mon.adminKeyring], noPool: true });
  const dataObjects = async () => (await rados(['-p', 'ts-rgw.data', 'ls'])).stdout.split('\n').filter(Boolean).length;
  const { ok, s3 } = await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring });
  await ok(['s3', 'mb', 's3://mpbkt']);

  // 200 MiB through `aws s3 cp`: 25 parts of 8 MiB, uploaded concurrently.
  const big = randomBytes(200 * MiB);
  const bigFile = join(c.mon.dir, 'big.bin');
  writeFileSync(bigFile, big);
  await ok(['s3', 'cp', bigFile, 's3://mpbkt/big.bin']);
  const backFile = join(c.mon.dir, 'big.back');
  await ok(['s3', 'cp', 's3://mpbkt/big.bin', backFile]);
  t.ok(readFileSync(backFile).equals(big), 'the 200 MiB object reads back byte for byte');
  const chunks = Array.from({ length: 25 }, (_, i) => md5(big.subarray(i * 8 * MiB, (i + 1) * 8 * MiB)));
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'mpbkt', '--key', 'big.bin'])) as { ContentLength: number; ETag: string };
  t.same([head.ContentLength, head.ETag], [big.length, `"${md5(Buffer.concat(chunks)).toString('hex')}-25"`], "HEAD: the size and S3's multipart ETag");
  const ranged = join(c.mon.dir, 'range.bin');
  await ok(['s3api', 'get-object', '--bucket', 'mpbkt', '--key', 'big.bin', '--range', `bytes=${8 * MiB - 5}-${8 * MiB + 4}`, ranged]);
  t.ok(readFileSync(ranged).equals(big.subarray(8 * MiB - 5, 8 * MiB + 5)), 'a range across a part boundary');
  t.equal(await dataObjects(), 50, 'the data pool holds 25 parts of two stripes each');

  // The s3api calls one by one.
  const create = async (key: string) => (JSON.parse(await ok(['s3api', 'create-multipart-upload', '--bucket', 'mpbkt', '--key', key, '--content-type', 'text/x-test', '--metadata', 'colour=blue'])) as { UploadId: string }).UploadId;
  const id = await create('parts.bin');
  t.match(id, /^2~[0-9a-f]{32}$/, 'an upload id');
  const p1 = big.subarray(0, 5 * MiB);
  const p1File = join(c.mon.dir, 'p1');
  writeFileSync(p1File, p1);
  const p3File = join(c.mon.dir, 'p3');
  writeFileSync(p3File, 'the last part');
  const part = async (n: number, file: string, key = 'parts.bin', upload = id) => (JSON.parse(await ok(['s3api', 'upload-part', '--bucket', 'mpbkt', '--key', key, '--upload-id', upload, '--part-number', String(n), '--body', file])) as { ETag: string }).ETag;
  const e1 = await part(1, p1File);
  t.equal(e1, `"${md5(p1).toString('hex')}"`, 'upload-part answers the md5 ETag');
  const copied = JSON.parse(await ok(['s3api', 'upload-part-copy', '--bucket', 'mpbkt', '--key', 'parts.bin', '--upload-id', id, '--part-number', '2', '--copy-source', 'mpbkt/big.bin', '--copy-source-range', `bytes=${10 * MiB}-${16 * MiB - 1}`])) as { CopyPartResult: { ETag: string } };
  const e2 = copied.CopyPartResult.ETag;
  t.equal(e2, `"${md5(big.subarray(10 * MiB, 16 * MiB)).toString('hex')}"`, 'upload-part-copy copies a range of another object');
  const e3 = await part(3, p3File);
  const lp = JSON.parse(await ok(['s3api', 'list-parts', '--bucket', 'mpbkt', '--key', 'parts.bin', '--upload-id', id])) as { Parts: { PartNumber: number; Size: number; ETag: string }[] };
  t.same(lp.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, 5 * MiB, e1], [2, 6 * MiB, e2], [3, 13, e3]], 'list-parts');
  const lu = JSON.parse(await ok(['s3api', 'list-multipart-uploads', '--bucket', 'mpbkt'])) as { Uploads: { Key: string; UploadId: string }[] };
  t.same(lu.Uploads.map((u) => [u.Key, u.UploadId]), [['parts.bin', id]], 'list-multipart-uploads');

  const completeWith = (parts: [number, string][], upload = id, key = 'parts.bin') => s3(['s3api', 'complete-multipart-upload', '--bucket', 'mpbkt', '--key', key, '--upload-id', upload, '--multipart-upload', JSON.stringify({ Parts: parts.map(([n, e]) => ({ PartNumber: n, ETag: e })) })]);
  t.match((await completeWith([[2, e2], [1, e1]])).stderr, /InvalidPartOrder/, 'parts out of order: InvalidPartOrder');
  t.match((await completeWith([[1, e1], [2, e1]])).stderr, /InvalidPart\b/, 'a wrong ETag: InvalidPart');
  t.match((await completeWith([[1, e1], [4, e1]])).stderr, /InvalidPart\b/, 'a part never uploaded: InvalidPart');
  t.match((await completeWith([[1, e1], [3, e3], [2, e2]])).stderr, /InvalidPartOrder/, 'a later part before an earlier one: InvalidPartOrder');
  const e4 = await part(4, p3File);
  t.match((await completeWith([[3, e3], [4, e4]])).stderr, /EntityTooSmall/, 'a 13-byte part before the last: EntityTooSmall');
  const done = JSON.parse((await completeWith([[1, e1], [3, e3]])).stdout) as { ETag: string; Key: string };
  t.equal(done.ETag, `"${md5(Buffer.concat([md5(p1), md5(Buffer.from('the last part'))])).toString('hex')}-2"`, 'complete: md5 of the md5s, "-2" (parts 2 and 4 left out)');
  const whole = join(c.mon.dir, 'whole');
  const got = JSON.parse(await ok(['s3api', 'get-object', '--bucket', 'mpbkt', '--key', 'parts.bin', whole])) as { ContentType: string; Metadata: Record<string, string> };
  t.ok(readFileSync(whole).equals(Buffer.concat([p1, Buffer.from('the last part')])), 'the completed object reads back');
  t.same([got.ContentType, got.Metadata], ['text/x-test', { colour: 'blue' }], 'with the content type and metadata given at create');
  t.match((await s3(['s3api', 'list-parts', '--bucket', 'mpbkt', '--key', 'parts.bin', '--upload-id', id])).stderr, /NoSuchUpload/, 'the upload is gone after completion');
  t.equal(await dataObjects(), 50 + 2 + 1, 'the left-out parts were collected: big.bin, then parts 1 (two stripes) and 3');

  // Abort drops the parts' stripes.
  const gone = await create('aborted.bin');
  await part(1, p1File, 'aborted.bin', gone);
  await part(2, p3File, 'aborted.bin', gone);
  t.equal(await dataObjects(), 53 + 3, 'the parts of the upload to abort are stored');
  await ok(['s3api', 'abort-multipart-upload', '--bucket', 'mpbkt', '--key', 'aborted.bin', '--upload-id', gone]);
  t.equal(await dataObjects(), 53, 'abort removed its parts');
  t.match((await s3(['s3api', 'list-parts', '--bucket', 'mpbkt', '--key', 'aborted.bin', '--upload-id', gone])).stderr, /NoSuchUpload/, 'list-parts after abort: NoSuchUpload');
  t.match((await s3(['s3api', 'abort-multipart-upload', '--bucket', 'mpbkt', '--key', 'aborted.bin', '--upload-id', gone])).stderr, /NoSuchUpload/, 'a second abort: NoSuchUpload');
  const none = JSON.parse((await ok(['s3api', 'list-multipart-uploads', '--bucket', 'mpbkt'])) || '{}') as { Uploads?: unknown[] };
  t.same(none.Uploads ?? [], [], 'no uploads left');

  // Overwriting and deleting multipart objects drop every part.
  await ok(['s3', 'cp', p3File, 's3://mpbkt/big.bin']);
  t.equal(await dataObjects(), 4, 'overwriting big.bin dropped its 25 parts');
  await ok(['s3', 'rm', '--recursive', 's3://mpbkt/']);
  t.equal(await dataObjects(), 0, 'deleting the objects dropped every stripe');
});
