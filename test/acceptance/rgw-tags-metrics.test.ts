/**
 * Object tagging by version id, the bucket quota re-checked at CompleteMultipartUpload, and the
 * gateway's Prometheus metrics, against ts-rgw on ts-osd with the AWS CLI, ts-rgw-admin and curl:
 * tags put, read and deleted on one version leave the others alone; two parts that each fit the
 * quota make an object that does not (QuotaExceeded at completion, the upload still there);
 * ceph_rgw_* counters (radosgw's perf counter names) move by exactly the requests and bytes sent,
 * on the configured port and path, beside the process metrics. The gateway runs 2 worker
 * processes (ts_rgw_workers), so the requests are spread over both and the counters are the
 * primary's sum of theirs.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireBinary, run } from '@ts-ceph/testkit';
import { createPool, startTsOsdCluster } from './osd-lib';
import { rgwAdminBin, startRgw } from './rgw-lib';

/** Prometheus text → value by "name{labels}" and by bare name (the first series). */
function parseProm(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^([a-z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!r) continue;
    m.set(`${r[1]}${r[2] ?? ''}`, Number(r[3]));
    if (!m.has(r[1]!)) m.set(r[1]!, Number(r[3]));
  }
  return m;
}

t.test('versioned tagging, quota at completion and metrics against ts-rgw on ts-osd', async (t) => {
  const c = await startTsOsdCluster({ pool: 'p', debugOsd: 1 });
  t.teardown(() => c.stop());
  for (const p of ['ts-rgw.meta', 'ts-rgw.index', 'ts-rgw.data']) await createPool(c.mon, p, 8, () => c.osdLog(1_000_000));
  const mport = await freePort();
  const { ok, s3, common } = await startRgw(t, { conf: c.mon.conf, keyring: c.mon.adminKeyring }, { args: ['--ts-rgw-metrics-port', String(mport), '--ts-rgw-metrics-path', '/prom', '--ts-rgw-workers', '2'] });
  const dir = c.mon.dir;
  const curl = requireBinary('curl');
  const scrape = async () => {
    const r = await run(curl, ['-s', '-f', `http://127.0.0.1:${mport}/prom`]);
    t.equal(r.code, 0, 'curl scrapes /prom');
    return { text: r.stdout, m: parseProm(r.stdout) };
  };

  // Tags on one version of a versioned object.
  await ok(['s3', 'mb', 's3://tags']);
  await ok(['s3api', 'put-bucket-versioning', '--bucket', 'tags', '--versioning-configuration', 'Status=Enabled']);
  const file = join(dir, 'v.txt');
  writeFileSync(file, 'version one');
  const v1 = (JSON.parse(await ok(['s3api', 'put-object', '--bucket', 'tags', '--key', 'k', '--body', file])) as { VersionId: string }).VersionId;
  writeFileSync(file, 'version two, longer');
  const v2 = (JSON.parse(await ok(['s3api', 'put-object', '--bucket', 'tags', '--key', 'k', '--body', file])) as { VersionId: string }).VersionId;
  t.not(v1, v2, 'two versions');
  await ok(['s3api', 'put-object-tagging', '--bucket', 'tags', '--key', 'k', '--version-id', v1, '--tagging', 'TagSet=[{Key=old,Value=yes}]']);
  const tagsOf = async (vid?: string) => JSON.parse(await ok(['s3api', 'get-object-tagging', '--bucket', 'tags', '--key', 'k', ...(vid ? ['--version-id', vid] : [])])) as { VersionId?: string; TagSet: { Key: string; Value: string }[] };
  t.same(await tagsOf(v1), { VersionId: v1, TagSet: [{ Key: 'old', Value: 'yes' }] }, 'the tags of version 1, with its version id');
  t.same((await tagsOf()).TagSet, [], 'the current version (2) has none');
  await ok(['s3api', 'put-object-tagging', '--bucket', 'tags', '--key', 'k', '--version-id', v2, '--tagging', 'TagSet=[{Key=new,Value=1}]']);
  t.same((await tagsOf()).TagSet, [{ Key: 'new', Value: '1' }], 'tagging the current version by id changes the current object');
  const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'tags', '--key', 'k', '--version-id', v1])) as { ContentLength: number };
  t.equal(head.ContentLength, 11, 'version 1 is still itself');
  await ok(['s3api', 'delete-object-tagging', '--bucket', 'tags', '--key', 'k', '--version-id', v1]);
  t.same([(await tagsOf(v1)).TagSet, (await tagsOf(v2)).TagSet], [[], [{ Key: 'new', Value: '1' }]], 'delete by version id leaves the other version');
  t.match((await s3(['s3api', 'get-object-tagging', '--bucket', 'tags', '--key', 'k', '--version-id', 'nosuchversion'])).stderr, /NoSuchVersion/, 'an unknown version: NoSuchVersion');

  // Quota: two 5 MiB parts each fit an 8 MiB bucket quota; the 10 MiB object does not.
  const admin = async (args: string[]) => {
    const r = await run(process.execPath, [rgwAdminBin, ...common, ...args], { timeoutMs: 60_000 });
    t.equal(r.code, 0, `ts-rgw-admin ${args.join(' ')}: ${r.stderr}`);
  };
  await ok(['s3', 'mb', 's3://mpq']);
  await admin(['quota', 'set', '--quota-scope', 'bucket', '--bucket', 'mpq', '--max-size', String(8 << 20)]);
  await admin(['quota', 'enable', '--quota-scope', 'bucket', '--bucket', 'mpq']);
  const part = join(dir, 'part');
  writeFileSync(part, Buffer.alloc(5 << 20, 'p'));
  const up = (JSON.parse(await ok(['s3api', 'create-multipart-upload', '--bucket', 'mpq', '--key', 'big'])) as { UploadId: string }).UploadId;
  const etags: string[] = [];
  for (const n of [1, 2]) etags.push((JSON.parse(await ok(['s3api', 'upload-part', '--bucket', 'mpq', '--key', 'big', '--upload-id', up, '--part-number', String(n), '--body', part])) as { ETag: string }).ETag);
  const parts = JSON.stringify({ Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) });
  const before = (await scrape()).m;
  const done = await s3(['s3api', 'complete-multipart-upload', '--bucket', 'mpq', '--key', 'big', '--upload-id', up, '--multipart-upload', parts]);
  t.match(done.stderr, /QuotaExceeded/, 'CompleteMultipartUpload over the bucket quota: QuotaExceeded');
  t.match(await ok(['s3api', 'list-multipart-uploads', '--bucket', 'mpq']), new RegExp(up), 'the upload is still there to abort');
  t.match(await s3(['s3api', 'head-object', '--bucket', 'mpq', '--key', 'big']), { code: 254, stderr: /404|Not Found/ }, 'and no object was made');
  await ok(['s3api', 'abort-multipart-upload', '--bucket', 'mpq', '--key', 'big', '--upload-id', up]);

  // Metrics: one GET of 19 bytes and one PUT of 7 move the counters by exactly that.
  const mid = (await scrape()).m;
  t.ok(mid.get('ceph_rgw_failed_req')! >= before.get('ceph_rgw_failed_req')! + 2, 'failed_req counts the QuotaExceeded completion and the 404 HEAD');
  await ok(['s3api', 'get-object', '--bucket', 'tags', '--key', 'k', join(dir, 'got')]);
  writeFileSync(file, 'seven!!');
  await ok(['s3api', 'put-object', '--bucket', 'tags', '--key', 'p', '--body', file]);
  const { text, m } = await scrape();
  t.equal(m.get('ceph_rgw_get')! - mid.get('ceph_rgw_get')!, 1, 'ceph_rgw_get +1');
  t.equal(m.get('ceph_rgw_get_b')! - mid.get('ceph_rgw_get_b')!, 19, 'ceph_rgw_get_b +19 bytes');
  t.equal(m.get('ceph_rgw_put')! - mid.get('ceph_rgw_put')!, 1, 'ceph_rgw_put +1');
  t.equal(m.get('ceph_rgw_put_b')! - mid.get('ceph_rgw_put_b')!, 7, 'ceph_rgw_put_b +7 bytes');
  t.equal(m.get('ceph_rgw_req')! - mid.get('ceph_rgw_req')!, 2, 'ceph_rgw_req +2 (a scrape is not a request)');
  t.ok(m.get('ceph_rgw_put_initial_lat_count')! >= 5 && m.get('ceph_rgw_put_initial_lat_sum')! > 0, 'put latency as _sum and _count');
  t.match(text, /# TYPE ceph_rgw_req counter\nceph_rgw_req\{ceph_daemon="admin"\} \d+/, 'counters carry the ceph_daemon label');
  t.ok(m.get('process_resident_memory_bytes')! > 1 << 20, 'process metrics beside them');
  t.equal((await run(curl, ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${mport}/metrics`])).stdout, '404', 'only the configured path');
});
