/** The object-feature suite of rgw-objects (ts-osd) and rgw-ref (the real reference cluster). */
import { Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RgwHandle } from './rgw-lib';

export async function objectSuite(t: Test, r: RgwHandle, dir: string): Promise<void> {
  const { ok, s3 } = r;
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok(args)) as T;
  await ok(['s3', 'mb', 's3://objs']);
  const file = join(dir, 'o.txt');
  writeFileSync(file, 'hello objects');
  const put = await json<{ ETag: string }>([
    's3api', 'put-object', '--bucket', 'objs', '--key', 'a/o.txt', '--body', file, '--content-type', 'text/plain', '--content-disposition', 'attachment; filename="o.txt"',
    '--cache-control', 'max-age=60', '--expires', '2030-01-01T00:00:00Z', '--content-encoding', 'identity', '--metadata', 'colour=blue,size=large', '--tagging', 'team=storage&tier=gold',
  ]);
  const head = await json<Record<string, unknown>>(['s3api', 'head-object', '--bucket', 'objs', '--key', 'a/o.txt']);
  t.match(head, { ContentType: 'text/plain', ContentDisposition: 'attachment; filename="o.txt"', CacheControl: 'max-age=60', ContentEncoding: 'identity', Metadata: { colour: 'blue', size: 'large' }, ETag: put.ETag, ContentLength: 13 }, 'HEAD returns the stored content headers and metadata');
  t.match(String(head.Expires), /2030/, 'and Expires');
  const got = await json<{ TagCount: number }>(['s3api', 'get-object', '--bucket', 'objs', '--key', 'a/o.txt', join(dir, 'o.back')]);
  t.equal(got.TagCount, 2, 'GET says how many tags (x-amz-tagging-count)');

  // Tagging.
  const tags = async () => (await json<{ TagSet: { Key: string; Value: string }[] }>(['s3api', 'get-object-tagging', '--bucket', 'objs', '--key', 'a/o.txt'])).TagSet;
  t.same(await tags(), [{ Key: 'team', Value: 'storage' }, { Key: 'tier', Value: 'gold' }], 'x-amz-tagging on PUT is the tag set');
  await ok(['s3api', 'put-object-tagging', '--bucket', 'objs', '--key', 'a/o.txt', '--tagging', 'TagSet=[{Key=env,Value=prod}]']);
  t.same(await tags(), [{ Key: 'env', Value: 'prod' }], 'put-object-tagging replaces it');
  const dup = await s3(['s3api', 'put-object-tagging', '--bucket', 'objs', '--key', 'a/o.txt', '--tagging', 'TagSet=[{Key=k,Value=1},{Key=k,Value=2}]']);
  t.match(dup.stderr, /InvalidTag/, 'a key twice: InvalidTag');
  await ok(['s3api', 'delete-object-tagging', '--bucket', 'objs', '--key', 'a/o.txt']);
  t.same(await tags(), [], 'delete-object-tagging empties it');
  t.match((await s3(['s3api', 'get-object-tagging', '--bucket', 'objs', '--key', 'nope'])).stderr, /NoSuchKey/, 'tagging of a missing key: NoSuchKey');

  // Conditional GET and HEAD.
  const cond = (extra: string[], cmd = 'get-object') => s3(['s3api', cmd, '--bucket', 'objs', '--key', 'a/o.txt', ...extra, ...(cmd === 'get-object' ? [join(dir, 'c.out')] : [])]);
  t.equal((await cond(['--if-match', put.ETag])).code, 0, 'If-Match with the ETag: 200');
  t.match((await cond(['--if-match', '"0000"'])).stderr, /PreconditionFailed|412/, 'If-Match with another ETag: 412');
  t.match((await cond(['--if-none-match', put.ETag])).stderr, /304|Not Modified/, 'If-None-Match with the ETag: 304');
  t.match((await cond(['--if-none-match', put.ETag], 'head-object')).stderr, /304|Not Modified/, 'HEAD too');
  t.equal((await cond(['--if-none-match', '"0000"'])).code, 0, 'If-None-Match with another ETag: 200');
  t.match((await cond(['--if-modified-since', '2100-01-01T00:00:00Z'])).stderr, /304|Not Modified/, 'If-Modified-Since in the future: 304');
  t.equal((await cond(['--if-modified-since', '2000-01-01T00:00:00Z'])).code, 0, 'If-Modified-Since in the past: 200');
  t.match((await cond(['--if-unmodified-since', '2000-01-01T00:00:00Z'])).stderr, /PreconditionFailed|412/, 'If-Unmodified-Since in the past: 412');
  t.equal((await cond(['--if-match', put.ETag, '--if-unmodified-since', '2000-01-01T00:00:00Z'])).code, 0, 'If-Match true wins over If-Unmodified-Since');

  // CopyObject.
  await ok(['s3api', 'put-object-tagging', '--bucket', 'objs', '--key', 'a/o.txt', '--tagging', 'TagSet=[{Key=env,Value=prod}]']);
  const cp = await json<{ CopyObjectResult: { ETag: string } }>(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'b/copy.txt', '--copy-source', 'objs/a/o.txt']);
  t.equal(cp.CopyObjectResult.ETag, put.ETag, 'copy keeps the ETag');
  t.match(await json(['s3api', 'head-object', '--bucket', 'objs', '--key', 'b/copy.txt']), { ContentType: 'text/plain', CacheControl: 'max-age=60', Metadata: { colour: 'blue', size: 'large' } }, 'COPY: the source metadata and headers');
  t.same((await json<{ TagSet: unknown[] }>(['s3api', 'get-object-tagging', '--bucket', 'objs', '--key', 'b/copy.txt'])).TagSet, [{ Key: 'env', Value: 'prod' }], 'and its tags');
  await ok(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'b/repl.txt', '--copy-source', 'objs/a/o.txt', '--metadata-directive', 'REPLACE', '--metadata', 'colour=red', '--content-type', 'text/x-new']);
  const repl = await json<{ ContentType: string; Metadata: Record<string, string>; CacheControl?: string }>(['s3api', 'head-object', '--bucket', 'objs', '--key', 'b/repl.txt']);
  t.same([repl.ContentType, repl.Metadata, repl.CacheControl], ['text/x-new', { colour: 'red' }, undefined], 'REPLACE: the request metadata only');
  t.ok(readFileSync(join(dir, 'o.back')).equals(Buffer.from('hello objects')), 'the data read back');
  const back = await s3(['s3', 'cp', 's3://objs/b/repl.txt', '-']);
  t.equal(back.stdout, 'hello objects', 'the copy has the data');
  t.match((await s3(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'a/o.txt', '--copy-source', 'objs/a/o.txt'])).stderr, /InvalidRequest/, 'a copy onto itself without REPLACE: InvalidRequest');
  await ok(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'a/o.txt', '--copy-source', 'objs/a/o.txt', '--metadata-directive', 'REPLACE', '--metadata', 'colour=green']);
  t.match(await json(['s3api', 'head-object', '--bucket', 'objs', '--key', 'a/o.txt']), { Metadata: { colour: 'green' } }, 'onto itself with REPLACE changes the metadata');
  t.match((await s3(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'c', '--copy-source', 'objs/a/o.txt', '--copy-source-if-match', '"0000"'])).stderr, /PreconditionFailed/, 'copy-source-if-match false: PreconditionFailed');
  t.match((await s3(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'c', '--copy-source', 'objs/a/o.txt', '--copy-source-if-none-match', put.ETag])).stderr, /PreconditionFailed/, 'copy-source-if-none-match true: PreconditionFailed');
  t.match((await s3(['s3api', 'copy-object', '--bucket', 'objs', '--key', 'c', '--copy-source', 'objs/none'])).stderr, /NoSuchKey/, 'a missing source: NoSuchKey');

  // DeleteObjects.
  const del = await json<{ Deleted: { Key: string }[] }>(['s3api', 'delete-objects', '--bucket', 'objs', '--delete', JSON.stringify({ Objects: [{ Key: 'b/copy.txt' }, { Key: 'never-there' }] })]);
  t.same(del.Deleted.map((d) => d.Key).sort(), ['b/copy.txt', 'never-there'], 'DeleteObjects lists every key (a missing one deletes fine)');
  const quiet = await ok(['s3api', 'delete-objects', '--bucket', 'objs', '--delete', JSON.stringify({ Objects: [{ Key: 'b/repl.txt' }, { Key: 'a/o.txt' }], Quiet: true })]);
  t.notMatch(quiet, /Deleted/, 'Quiet: no Deleted elements');
  t.equal((await ok(['s3', 'ls', '--recursive', 's3://objs'])).trim(), '', 'the bucket is empty');
  await ok(['s3', 'rb', 's3://objs']);
}
