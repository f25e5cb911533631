/**
 * Issue 14, acceptance 3: secrets at rest. In a fresh `ts-ceph bootstrap` cluster every directory
 * is 0700 and every file that holds a key (keyrings, the mon store, the OSD's data directory) is
 * 0600: the test walks the whole data directory. Loosened permissions on the mon store and on a
 * keyring are reported when the daemons start: in the daemon logs and as [WRN] lines in the
 * cluster log (we warn rather than refuse to start; see packages/common/src/secure-files.ts).
 */
import t from 'tap';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { requireBinary, run, tempDir, waitFor } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';

const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 180_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });

/** Every path under `root` with its lstat, depth first. */
function walk(root: string): { path: string; mode: number; dir: boolean; file: boolean }[] {
  const out: { path: string; mode: number; dir: boolean; file: boolean }[] = [];
  const visit = (p: string): void => {
    const st = lstatSync(p);
    out.push({ path: p, mode: st.mode & 0o7777, dir: st.isDirectory(), file: st.isFile() });
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) visit(join(p, n));
  };
  visit(root);
  return out;
}

/** Files that hold a key: keyrings, and everything in the mon store and an OSD's data directory. */
const holdsSecret = (rel: string): boolean => /(^|\/)(keyring|[^/]*\.keyring)$/.test(rel) || /^mon\.[^/]+\//.test(rel) || /^osd\.\d+\//.test(rel);

t.test('a fresh cluster keeps its secrets 0600 in 0700 directories; loosened ones are reported at start', async (t) => {
  for (const b of ['ceph']) requireBinary(b);
  const { path: base, cleanup } = tempDir('ts-ceph-perms-');
  const dir = join(base, 'cluster');
  t.teardown(async () => {
    if (existsSync(join(dir, 'ceph.conf'))) await tsCeph(['down', '--dir', dir]);
    cleanup();
  });
  let r = await tsCeph(['bootstrap', '--dir', dir]);
  t.equal(r.code, 0, `bootstrap: ${r.stderr}`);

  const entries = walk(dir);
  const rel = (p: string) => relative(dir, p) || '.';
  const secrets = entries.filter((e) => e.file && holdsSecret(rel(e.path)));
  t.ok(secrets.some((e) => /^mon\.a\/store\.db\/\d+\.log$/.test(rel(e.path))), 'the walk sees the mon store files');
  t.ok(secrets.some((e) => rel(e.path) === 'osd.0/keyring') && secrets.some((e) => rel(e.path) === 'ceph.client.admin.keyring'), 'and the keyrings');
  t.same(secrets.filter((e) => e.mode !== 0o600).map((e) => `${rel(e.path)} 0${e.mode.toString(8)}`), [], `all ${secrets.length} files holding secrets are 0600`);
  t.same(entries.filter((e) => e.dir && e.mode !== 0o700).map((e) => `${rel(e.path)} 0${e.mode.toString(8)}`), [], 'every directory is 0700');
  t.same(entries.filter((e) => !e.dir && !e.file && (e.mode & 0o077) !== 0).map((e) => `${rel(e.path)} 0${e.mode.toString(8)}`), [], 'sockets and the like are owner-only');

  r = await tsCeph(['down', '--dir', dir]);
  t.equal(r.code, 0, `down: ${r.stderr}`);
  const storeDir = join(dir, 'mon.a', 'store.db');
  chmodSync(storeDir, 0o755);
  chmodSync(join(dir, 'osd.0', 'keyring'), 0o644);
  r = await tsCeph(['start', '--dir', dir]);
  t.equal(r.code, 0, `start: ${r.stderr}`);
  const monLog = () => readFileSync(join(dir, 'log', 'mon.a.log'), 'utf8');
  const osdLog = () => readFileSync(join(dir, 'log', 'osd.0.log'), 'utf8');
  const storeLine = `mon.a: directory ${storeDir} holding secrets is mode 0755, open to group or others; run chmod 700 on it`;
  await waitFor(() => monLog().includes(storeLine), 20_000, 'the mon log to report the store', 250);
  await waitFor(() => osdLog().includes(`osd.0: file ${join(dir, 'osd.0', 'keyring')} holding secrets is mode 0644`), 30_000, 'the osd log to report its keyring', 250);
  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: join(dir, 'ceph.conf') };
  const keyringLine = `osd.0: file ${join(dir, 'osd.0', 'keyring')} holding secrets is mode 0644, open to group or others; run chmod 600 on it`;
  await waitFor(
    async () => {
      const clog = (await run('ceph', ['--connect-timeout', '10', 'log', 'last', '50'], { env, timeoutMs: 30_000 })).stdout;
      return clog.includes(`[WRN] ${storeLine}`) && clog.includes(`[WRN] ${keyringLine}`);
    },
    30_000,
    "the mon's and the OSD's [WRN] lines in the cluster log",
    500,
  );
});
