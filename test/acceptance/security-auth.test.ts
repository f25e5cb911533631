/**
 * Issue 14, acceptance 2: 100 attempts with a wrong key (python3-rados as client.admin, as a
 * guessing attacker or a client with a stale keyring would) raise the AUTH_FAILURES health warning
 * naming the entity and the source address, write one [SEC] line to the cluster log, and leave the
 * daemon log with counts (the messenger's "ms summary" line), not a line per attempt. ts-osd counts
 * the credentials it refuses (here: the captured 16.2.15 client streams replayed, whose authorizers
 * are for another cluster) and reports them to the mon in one [SEC] cluster-log entry per interval,
 * which the mon counts into the same warning.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { sharedDir } from '@ts-ceph/common';
import { requireBinary, run, waitFor } from '@ts-ceph/testkit';
import { json, startTsMon } from './mon-lib';
import { OsdDump, startTsOsdCluster } from './osd-lib';

const attempts = 100;

const script = `
import sys, rados
conf, keyring, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
refused = 0
for i in range(n):
    r = rados.Rados(conffile=conf, conf={'keyring': keyring})
    try:
        r.connect(timeout=10)
    except rados.PermissionDeniedError:
        refused += 1
    except rados.Error as e:
        print('unexpected', type(e).__name__, e)
    finally:
        r.shutdown()
print('refused', refused)
`;

t.test('100 wrong-key attempts: AUTH_FAILURES names the entity and address, logs carry counts', async (t) => {
  requireBinary('ceph-authtool');
  const mon = await startTsMon();
  t.teardown(() => mon.stop());
  const wrong = (await run('ceph-authtool', ['--gen-print-key'])).stdout.trim();
  const badKeyring = join(mon.dir, 'wrong.keyring');
  writeFileSync(badKeyring, `[client.admin]\n\tkey = ${wrong}\n`, { mode: 0o600 });
  const py = join(mon.dir, 'wrong-key.py');
  writeFileSync(py, script);
  const logBefore = mon.output().length;
  const r = await run('/usr/bin/python3', [py, mon.conf, badKeyring, String(attempts)], { timeoutMs: 300_000 });
  t.equal(r.stdout.trim(), `refused ${attempts}`, `every attempt refused with EACCES: ${r.stdout}${r.stderr}`);

  const detail = await mon.ceph(['health', 'detail']);
  t.match(detail.stdout, /^HEALTH_WARN (.*; )?1 entity with repeated authentication failures(;|$)/m, `health detail: ${detail.stdout}`);
  const m = /^\[WRN\] AUTH_FAILURES: 1 entity with repeated authentication failures\n {4}client\.admin from 127\.0\.0\.1: (\d+) failed authentication attempts in the last 600 s$/m.exec(detail.stdout);
  t.ok(m && Number(m[1]) >= attempts, `the warning names client.admin from 127.0.0.1 with at least ${attempts} failures`);

  await waitFor(async () => /\[SEC\] 10 failed authentication attempts for client\.admin from 127\.0\.0\.1/.test((await mon.ceph(['log', 'last', '50'])).stdout), 10_000, 'the [SEC] cluster log line', 500);
  const clog = (await mon.ceph(['log', 'last', '200'])).stdout;
  t.equal(clog.split('\n').filter((l) => /failed authentication attempts/.test(l)).length, 1, 'one cluster log line per burst, not per attempt');

  // The summary line is written once per 10 s interval; the attempts took at least that long or it
  // comes at the end of the interval.
  await waitFor(() => /ms summary .*auth failures \d+ \(client\.admin from 127\.0\.0\.1 x\d+\)/.test(mon.output().slice(logBefore)), 15_000, 'the ms summary line', 250);
  const lines = mon.output().slice(logBefore).split('\n');
  const about = lines.filter((l) => /auth|authentic/i.test(l));
  t.ok(about.length < 10, `${about.length} log lines about auth for ${attempts} attempts:\n${about.slice(0, 12).join('\n')}`);
  const ok = await mon.ceph(['-s']);
  t.equal(ok.code, 0, 'the right key still works');
});

/** Replay a captured client stream from `localAddress` and wait for the daemon to close it. */
function replay(port: number, bytes: Buffer, localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress });
    const timer = setTimeout(() => s.destroy(), 3000);
    s.on('connect', () => s.write(bytes));
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => (clearTimeout(timer), resolve()));
  });
}

t.test('credentials refused by ts-osd reach the cluster log and AUTH_FAILURES through the mon', async (t) => {
  const c = await startTsOsdCluster({ debugOsd: 1 });
  t.teardown(() => c.stop());
  const osd0 = json<OsdDump>(await c.mon.ceph(['osd', 'dump', '-f', 'json'])).osds.find((x) => x.osd === 0)!;
  const port = Number(osd0.public_addrs.addrvec[0]!.addr.split(':').pop());
  const dir = join(sharedDir(), 'ceph-traces', 'streams');
  const streams = readdirSync(dir).filter((f) => f.endsWith('.c2s.bin')).sort().map((f) => readFileSync(join(dir, f)));
  for (let i = 0; i < 15; i++) await replay(port, streams[i % streams.length]!, '127.0.0.3');
  await waitFor(async () => /AUTH_FAILURES/.test((await c.mon.ceph(['health', 'detail'])).stdout), 30_000, 'AUTH_FAILURES from the OSD report', 1000);
  const detail = (await c.mon.ceph(['health', 'detail'])).stdout;
  t.match(detail, /^ {4}unknown entity from 127\.0\.0\.3: \d+ failed authentication attempts in the last 600 s$/m, `the warning names the source address: ${detail}`);
  const clog = (await c.mon.ceph(['log', 'last', '50'])).stdout;
  t.match(clog, /osd\.0 .*\[SEC\] auth failures seen by osd\.0 \(last \d+ s\): refused credentials \d+ \(unknown entity from 127\.0\.0\.3 x\d+\)/, `the OSD's [SEC] entry: ${clog}`);
  const osdLog = c.osdLog(400).split('\n').filter((l) => /auth|authoriz/i.test(l));
  t.ok(osdLog.length < 5, `the osd log carries counts: ${osdLog.join('\n')}`);
});
