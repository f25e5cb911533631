/**
 * `ts-ceph enable rgw --dir D --port P` on a cluster made by `ts-ceph bootstrap`: it prints an
 * endpoint and a key pair with which the stock AWS CLI makes a bucket and stores an object; a second
 * enable (after `down`/`start`) gives the same admin key; `down` stops the gateway with the cluster.
 */
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, run, tempDir } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';
import { awsBin } from '../lib/aws-shell';

const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 180_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });

t.test('ts-ceph enable rgw', async (t) => {
  const { path: base, cleanup } = tempDir('ts-ceph-rgw-');
  const dir = join(base, 'cluster');
  t.teardown(async () => {
    if (existsSync(join(dir, 'ceph.conf'))) await tsCeph(['down', '--dir', dir]);
    cleanup();
  });
  let r = await tsCeph(['bootstrap', '--dir', dir]);
  t.equal(r.code, 0, `bootstrap: ${r.stderr}`);
  const port = await freePort();
  r = await tsCeph(['enable', 'rgw', '--dir', dir, '--port', String(port)]);
  t.equal(r.code, 0, `enable rgw: ${r.stderr}`);
  const m = /^endpoint: (\S+)\naccess_key: ([A-Z0-9]{20})\nsecret_key: (\S{40})\n$/.exec(r.stdout);
  t.ok(m, `the endpoint and a key pair: ${r.stdout}`);
  t.equal(m?.[1], `http://127.0.0.1:${port}`);
  const env = { ...process.env, AWS_ACCESS_KEY_ID: m?.[2], AWS_SECRET_ACCESS_KEY: m?.[3], AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required', AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required' };
  const s3 = (args: string[]) => run(awsBin, ['--endpoint-url', `http://127.0.0.1:${port}`, ...args], { env, timeoutMs: 60_000 });
  t.equal((await s3(['s3', 'mb', 's3://first'])).code, 0, 'aws s3 mb with the printed key');
  writeFileSync(join(base, 'f'), 'data');
  t.equal((await s3(['s3', 'cp', join(base, 'f'), 's3://first/f'])).code, 0, 'aws s3 cp');
  r = await tsCeph(['down', '--dir', dir]);
  t.match(r.stderr, /client\.rgw\.ts/, 'down stops the gateway');
  t.not((await s3(['s3', 'ls'])).code, 0, 'nothing answers on the port');
  t.equal((await tsCeph(['start', '--dir', dir])).code, 0, 'start');
  r = await tsCeph(['enable', 'rgw', '--dir', dir, '--port', String(port)]);
  t.match(r.stdout, `access_key: ${m?.[2]}`, 'enabling again prints the same admin key');
  t.equal((await s3(['s3', 'cp', 's3://first/f', '-'])).stdout, 'data', 'the object is still there');
});
