/**
 * `ceph tell mon.X ...` and python3-rados' mon_command(target=...) (an MCommand on a connection of
 * its own, Monitor::handle_tell_command) against ts-mon and a real 16.2.15 ceph-mon with the same
 * conf, in the monitors' default secure mode: the same commands must get the same answers (output,
 * status text, exit code) from both, but where the Ceph text names a part ts-mon does not have.
 * Also the caps a tell needs (r, w and x on "mon": a `mon 'allow r'` client cannot even fetch the
 * command descriptions), and the audit lines Monitor::do_admin_command writes.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealMon, RunResult, requireBinary, run, startRealMon, waitFor } from '@ts-ceph/testkit';
import { json, normalized, startTsMon } from './mon-lib';

/** What a real mon says after a change no part of it watches; ts-mon applies every change. */
const notObserved = / \(not observed, change may require restart\)/g;

/** Commands run in this order on both monitors (the config changes build on each other). */
const sameTells: string[][] = [
  ['tell', 'mon.a', 'version'],
  ['tell', 'mon.0', 'version'],
  ['tell', 'mon.*', 'version'],
  ['tell', 'mon.a', 'version', '-f', 'json'],
  ['tell', 'mon.a', 'version', '-f', 'json-pretty'],
  ['tell', 'mon.a', 'version', '-f', 'plain'],
  ['tell', 'mon.a', 'git_version'],
  ['tell', 'mon.a', 'mon_status'],
  ['tell', 'mon.a', 'mon_status', '-f', 'json'],
  ['tell', 'mon.a', 'config', 'get', 'debug_mon'],
  ['tell', 'mon.a', 'injectargs', '--debug-mon 10'],
  ['tell', 'mon.a', 'config', 'get', 'debug_mon'],
  ['tell', 'mon.a', 'injectargs', '--mon-osd-down-out-interval=300 --mon_allow_pool_size_one false'],
  ['tell', 'mon.a', 'config', 'get', 'mon_osd_down_out_interval'],
  ['tell', 'mon.a', 'injectargs', '--mon-osd-down-out-interval abc'],
  ['tell', 'mon.a', 'injectargs', '--no-such-option 1'],
  ['tell', 'mon.a', 'config', 'set', 'mon_osd_down_out_interval', '20'],
  ['tell', 'mon.a', 'config', 'unset', 'mon_osd_down_out_interval'],
  ['tell', 'mon.a', 'config', 'get', 'mon_osd_down_out_interval'],
  ['tell', 'mon.a', 'config', 'get', 'no_such_option'],
  ['tell', 'mon.b', 'version'],
];

const script = String.raw`
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1], **({'name': sys.argv[2]} if len(sys.argv) > 2 else {}))
c.connect(timeout=20)
out = {}
def tell(label, cmd, target='a'):
    r, o, s = c.mon_command(cmd, b'', timeout=30, target=target)
    out[label] = [r, o.decode(), s]
v = json.dumps({'prefix': 'version'})
tell('name', v)
tell('rank', v, 0)
tell('json', json.dumps({'prefix': 'version', 'format': 'json'}))
tell('bad_json', '{"prefix": ')
tell('not_object', '[1,2]')
tell('no_prefix', json.dumps({'x': 'y'}))
tell('mixed', '{"prefix": "version", "x": [1, "a"]}')
tell('unknown', json.dumps({'prefix': 'nosuch'}))
tell('mon_command', json.dumps({'prefix': 'osd ls'}))
tell('quorum_status', json.dumps({'prefix': 'quorum_status'}))
tell('obsolete', json.dumps({'prefix': 'scrub'}))
tell('missing_arg', json.dumps({'prefix': 'config get'}))
tell('bad_format', json.dumps({'prefix': 'version', 'format': 1}))
tell('injectargs', json.dumps({'prefix': 'injectargs', 'injected_args': ['--mon-osd-down-out-interval', '88', 'junk']}))
tell('rank_dne', v, 5)
tell('name_dne', v, 'zz')
if len(sys.argv) > 3:
    # ts-mon only: a real 16.2.15 mon aborts on this (cmd_getval throws on a prefix that is no string).
    tell('int_prefix', '{"prefix": 3}')
    tell('after', v)
c.shutdown()
print(json.dumps(out))
`;

type Answers = Record<string, [number, string, string]>;

async function pythonTells(m: RealMon, name = 'client.admin', keyring = m.adminKeyring, oursOnly = false): Promise<Answers> {
  const f = join(m.dir, 'tell.py');
  writeFileSync(f, script);
  const args = [f, m.conf, name, ...(oursOnly ? ['ours'] : [])];
  const r = await run('/usr/bin/python3', args, { env: { ...process.env, CEPH_KEYRING: keyring }, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`tell.py failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Answers;
}

t.test('ceph tell mon.X: ts-mon answers as a real 16.2.15 ceph-mon', async (t) => {
  requireBinary('/usr/bin/python3');
  const [real, ours] = await Promise.all([startRealMon({ mode: 'secure' }), startTsMon()]);
  t.teardown(() => Promise.all([real.stop(), ours.stop()]));
  const fix = (r: RunResult): RunResult => ({ ...r, stdout: r.stdout.replace(notObserved, ''), stderr: r.stderr.replace(notObserved, '') });
  const same = async (args: (m: RealMon) => string[], label: string): Promise<RunResult> => {
    const [a, b] = await Promise.all([real.ceph(args(real)), ours.ceph(args(ours))]);
    t.same(normalized(b, ours), normalized(fix(a), real), label);
    return b;
  };
  for (const args of sameTells) await same(() => args, `ceph ${args.join(' ')}`);
  // A real mon keeps the ops of its first minutes (the log messages of its start) here; ts-mon
  // tracks none. The command is here for its audit line.
  const hist = await Promise.all([real, ours].map((m) => m.ceph(['tell', 'mon.a', 'dump_historic_ops'])));
  t.same(hist.map((r) => [r.code, Object.keys(json(r))]), [[0, ['size', 'duration', 'ops']], [0, ['size', 'duration', 'ops']]], 'dump_historic_ops');

  // The CLI checks the words against the target's command descriptions: ts-mon lists only the
  // commands it serves, so the ten closest matches it prints differ; the answer does not.
  const [a, b] = await Promise.all([real.ceph(['tell', 'mon.a', 'no_such_command']), ours.ceph(['tell', 'mon.a', 'no_such_command'])]);
  t.same([b.code, b.stderr.trimEnd().split('\n').pop()], [a.code, a.stderr.trimEnd().split('\n').pop()], 'an unknown command');
  t.same([b.code, b.stderr.split('\n')[0]], [22, 'no valid command found; 10 closest matches:'], 'the CLI refuses it itself');

  // Audit: the do_admin_command commands (mon_status, dump_historic_ops; tell or socket alike)
  // write "from='admin socket'" lines; version, config and injectargs write none.
  const adminLines = async (m: RealMon, n: number): Promise<string[]> =>
    waitFor(
      async () => {
        const out = await m.ceph(['log', 'last', '100', 'debug', 'audit']);
        const lines = out.stdout.split('\n').filter((l) => l.includes("from='admin socket'"));
        return lines.length >= n ? lines.map((l) => l.replace(/^.* : audit /, '')) : undefined;
      },
      10_000,
      `${n} admin socket audit lines`,
    );
  const [la, lb] = await Promise.all([adminLines(real, 6), adminLines(ours, 6)]);
  t.same(lb, la, 'the same audit lines');
  t.same(lb.slice(0, 2), ["[DBG] from='admin socket' entity='admin socket' cmd='mon_status' args=[]: dispatch", "[DBG] from='admin socket' entity='admin socket' cmd=mon_status args=[]: finished"], 'what the first tell mon_status logged');

  // What ts-mon serves: config show has every option, with what injectargs set.
  await ours.ceph(['tell', 'mon.a', 'injectargs', '--mon-osd-down-out-interval 123']);
  const show = json<Record<string, string>>(await ours.ceph(['tell', 'mon.a', 'config', 'show']));
  t.equal(show.mon_osd_down_out_interval, '123', 'config show');
  t.ok(Object.keys(show).length > 1500, `config show lists the options (${Object.keys(show).length})`);
  const sessions = json<{ entity_name: string }[]>(await ours.ceph(['tell', 'mon.a', 'sessions']));
  t.ok(sessions.some((s) => s.entity_name === 'client.admin'), 'sessions lists the tell session itself');
  const help = await ours.ceph(['tell', 'mon.a', 'help']);
  t.match(help.stdout, /^injectargs <injected_args>\.\.\. +inject configuration arguments into $/m, 'tell help lists injectargs');

  // Caps: a tell needs r, w and x on "mon" for its prefix (MonCap::is_capable(..., true, true, true)).
  const caps: [string, string][] = [
    ['client.ro', 'allow r'],
    ['client.ver', 'allow command version, allow command get_command_descriptions'],
    ['client.rwx', 'allow rwx'],
  ];
  for (const [name, cap] of caps) {
    await same((m) => ['auth', 'get-or-create', name, 'mon', cap, '-o', join(m.dir, `${name}.keyring`)], `auth get-or-create ${name} mon '${cap}'`);
  }
  const as = (name: string, args: string[]) => (m: RealMon) => ['--name', name, '--keyring', join(m.dir, `${name}.keyring`), ...args];
  let r = await same(as('client.ro', ['tell', 'mon.a', 'version']), "mon 'allow r': tell version");
  t.same([r.code, r.stderr], [13, 'Error EACCES: problem getting command descriptions from mon.a\n'], 'refused before the command');
  r = await same(as('client.ver', ['tell', 'mon.a', 'version']), 'allow command version: tell version');
  t.equal(json(r).release, 'pacific', 'a command grant is enough');
  r = await same(as('client.ver', ['tell', 'mon.a', 'injectargs', '--debug-mon 3']), 'allow command version: tell injectargs');
  t.same([r.code, r.stderr], [13, 'Error EACCES: insufficient caps\n'], 'refused by the monitor');
  await same(as('client.rwx', ['tell', 'mon.a', 'injectargs', '--debug-mon 3']), "mon 'allow rwx': tell injectargs");

  // python3-rados: Ceph's test_rados.py TestCommand.test_monmap_dump sends version with target
  // name and rank; the refusals come from the monitor, rank/name dne from the client.
  const [pa, pb] = await Promise.all([pythonTells(real), pythonTells(ours)]);
  const fixed = (x: Answers): Answers => Object.fromEntries(Object.entries(x).map(([k, [r, o, rs]]) => [k, [r, o, rs.replace(notObserved, '')]]));
  t.same(pb, fixed(pa), 'mon_command(target=...) answers');
  t.equal(pb.name![0], 0, 'target=a (the name)');
  t.equal((JSON.parse(pb.rank![1]) as { release: string }).release, 'pacific', 'target=0 (the rank)');
  t.same(pb.bad_json, [-22, '', 'unparseable JSON {"prefix": ']);
  t.same(pb.unknown, [-22, '', 'unknown command prefix nosuch']);
  t.same(pb.quorum_status, [-22, '', 'unknown command prefix quorum_status'], 'quorum_status is a mon command, not a tell one, in 16.2.15');
  t.same(pb.obsolete, [-95, '', 'command is obsolete; please check usage and/or man page']);
  const [ra, rb] = await Promise.all([pythonTells(real, 'client.ro', join(real.dir, 'client.ro.keyring')), pythonTells(ours, 'client.ro', join(ours.dir, 'client.ro.keyring'))]);
  t.same(rb, ra, "mon_command(target=...) as mon 'allow r'");
  t.same(rb.name, [-13, '', 'insufficient caps'], 'refused by the monitor');
  const odd = await pythonTells(ours, 'client.admin', ours.adminKeyring, true);
  t.same(odd.int_prefix, [-22, '', 'no prefix'], 'a prefix that is no string is refused');
  t.equal(odd.after![0], 0, 'and the monitor still answers');

});
