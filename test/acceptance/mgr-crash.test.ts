/**
 * Crash reports end to end with the stock 16.2.15 `ceph` CLI: a process dying of an uncaught
 * exception leaves `<crash_dir>/<id>/meta` and `done`; ts-mon (the host's crash agent when
 * ceph.conf names crash_dir) posts it at start and moves it to posted/; `ceph crash ls/ls-new/
 * info/stat/archive/archive-all/rm/post` answer and RECENT_CRASH comes and goes in `ceph health
 * detail` as archive says.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { run } from '@ts-ceph/testkit';
import { json, startTsMon, TsMon } from './mon-lib';

const crashDir = mkdtempSync(join(tmpdir(), 'ts-ceph-crash-'));
let mon: TsMon;

t.before(async () => {
  mon = await startTsMon({ extraConf: `crash_dir = ${crashDir}\n` });
});
t.teardown(async () => {
  await mon?.stop();
  rmSync(crashDir, { recursive: true, force: true });
});

/** A node process that installs the daemons' crash handler as osd.7 and throws from a timer. */
const CRASHER = `
const { installCrashHandler } = require(${JSON.stringify(join(repoRoot(), 'packages', 'mgr', 'dist', 'src', 'index.js'))});
installCrashHandler(process.argv[1], 'osd.7', 'ts-osd');
function handleOp() { throw new RangeError('op out of range'); }
setTimeout(handleOp, 10);
`;

t.test('a crashed daemon is reported, posted at the next start, listed and archived', async (t) => {
  const r0 = await run(process.execPath, ['-e', CRASHER, crashDir]);
  t.not(r0.code, 0, 'the process died of the exception');
  t.match(r0.stderr, /RangeError: op out of range/, 'Node still prints the exception');
  const ids = readdirSync(crashDir).filter((n) => n !== 'posted');
  t.equal(ids.length, 1, 'one report');
  const id = ids[0]!;
  t.ok(existsSync(join(crashDir, id, 'meta')) && existsSync(join(crashDir, id, 'done')), 'meta and done, as ceph-crash expects them');

  await mon.halt();
  await mon.restart();
  t.ok(existsSync(join(crashDir, 'posted', id)), 'moved to posted/ once posted');
  let r = await mon.ceph(['crash', 'ls']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^ID +ENTITY +NEW +\\n${id.replace(/\./g, '\\.')} +osd\\.7 +\\* +`));
  const info = json<Record<string, unknown>>(await mon.ceph(['crash', 'info', id]));
  t.match(info, { crash_id: id, entity_name: 'osd.7', process_name: 'ts-osd', exception_message: 'RangeError: op out of range' });
  t.match(String(info.stack_sig), /^[0-9a-f]{64}$/, 'crash post added the stack signature');
  t.match((info.backtrace as string[])[0], /^\(Timeout\.handleOp\) \[\[eval\]:\d+:\d+\]$/, 'the throwing function first');

  r = await mon.ceph(['health', 'detail']);
  t.match(r.stdout, `[WRN] RECENT_CRASH: 1 daemons have recently crashed\n    osd.7 crashed on host `);
  r = await mon.ceph(['crash', 'stat']);
  t.equal(r.stdout.split('\n')[0], '1 crashes recorded');

  r = await mon.ceph(['crash', 'archive', id]);
  t.equal(r.code, 0, r.stderr);
  t.notMatch((await mon.ceph(['health', 'detail'])).stdout, /RECENT_CRASH/, 'archived: no longer recent');
  t.same(json(await mon.ceph(['crash', 'ls-new', '-f', 'json'])), [], 'nothing new');
  t.match(json<{ archived: string }[]>(await mon.ceph(['crash', 'ls', '-f', 'json']))[0]!.archived, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
  r = await mon.ceph(['crash', 'info', 'nosuch']);
  t.equal(r.code, 22);
  t.match(r.stderr, 'crash info: nosuch not found');
});

t.test('crash post from the CLI, archive-all and rm, kept in config-key', async (t) => {
  const stamp = new Date().toISOString().replace(/Z$/, '000Z');
  const id = `${stamp}_0f6a0d8e-7f4b-4a3e-9c1d-2b5e8f9a1c3d`;
  let r = await mon.ceph(['crash', 'post', '-i', '-'], { input: JSON.stringify({ crash_id: id, timestamp: stamp, entity_name: 'mon.b', utsname_hostname: 'h9' }) });
  t.equal(r.code, 0, r.stderr);
  r = await mon.ceph(['crash', 'post', '-i', '-'], { input: '{"timestamp": "x"}' });
  t.equal(r.code, 22);
  t.match(r.stderr, "malformed crash metadata: missing 'crash_id' field");
  t.match((await mon.ceph(['health', 'detail'])).stdout, `[WRN] RECENT_CRASH: 1 daemons have recently crashed\n    mon.b crashed on host h9 at ${stamp}\n`);
  r = await mon.ceph(['config-key', 'get', `mgr/crash/crash/${id}`]);
  t.match(JSON.parse(r.stdout), { crash_id: id, entity_name: 'mon.b' }, 'stored where a mgr stores it');
  t.equal((await mon.ceph(['crash', 'archive-all'])).code, 0);
  t.notMatch((await mon.ceph(['health'])).stdout, /RECENT_CRASH/);
  t.equal((await mon.ceph(['crash', 'rm', id])).code, 0);
  t.equal(json<unknown[]>(await mon.ceph(['crash', 'ls', '-f', 'json'])).length, 1, 'the first crash is left');
  t.equal((await mon.ceph(['config-key', 'get', `mgr/crash/crash/${id}`])).code, 2, 'removed from config-key');
});
