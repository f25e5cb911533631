/**
 * `ceph tell mon.X` at the monitor (core/mon/tell.ts, core/config/injectargs.ts and the admin socket
 * table they run): the gate's refusals with real MonCaps, injectargs, and the audit lines. Every
 * expected text here is what a real 16.2.15 ceph-mon answered to the same MCommand (sent with
 * python3-rados' mon_command(target=...)), or, where noted, what its source says.
 */
import t from 'tap';
import { MonCap } from '@ts-ceph/cephx';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { MonSession } from '../src/core/session';
import { TellRequest, runMonTell, tellGate } from '../src/core/mon/tell';
import { AsokHost } from '../src/core/mon/asok';
import type { ClusterView } from '../src/core/mon/cluster-view';
import { EffectiveConfig } from '../src/core/config/effective';
import { dashesToUnderscores, injectArgs, splitInjectArgs } from '../src/core/config/injectargs';
import { loadOptionTable } from '../src/config-schema';

const options = loadOptionTable();

function session(caps: string): MonSession {
  return new MonSession(1, { type: EntityType.CLIENT, id: 'x' }, { type: EntityType.CLIENT, num: -1 }, [makeAddr(AddrType.MSGR2, '127.0.0.1', 0, 7)], MonCap.parse(caps), 4100n, 0n);
}

function req(cmd: string | string[], caps = 'allow *', more: Partial<TellRequest> = {}): TellRequest {
  const s = session(caps);
  return {
    fsidOk: true,
    cmd: typeof cmd === 'string' ? [cmd] : cmd,
    capable: (prefix, args) => s.isCapable('mon', true, true, true, prefix, args),
    deprecatedAsObsolete: false,
    ...more,
  };
}

/** The gate's answer as [r, rs], or 'pass'. */
function gate(cmd: string | string[], caps?: string, more?: Partial<TellRequest>): [number, string] | 'pass' {
  const r = tellGate(req(cmd, caps, more));
  return r ? [r.r, r.rs] : 'pass';
}

function host(audits: string[] = []): AsokHost {
  return {
    view: new Proxy({}, {
      get() {
        throw new Error('these commands do not read the cluster view');
      },
    }) as ClusterView,
    conf: new EffectiveConfig(options, new Map([['mon_allow_pool_delete', 'true']])),
    options,
    sessions: () => [],
    perf: () => {
      throw new Error('not read here');
    },
    overrides: new Map(),
    now: () => 0,
    expand: (v) => v,
    audit: (level, text) => audits.push(`${level} ${text}`),
  };
}

const v = JSON.stringify({ prefix: 'version' });

t.test('the gate: fsid, JSON, prefix and obsolete commands, in Monitor::handle_tell_command order', async (t) => {
  t.same(gate('{"prefix": ', 'allow *', { fsidOk: false }), [-13, 'wrong fsid'], 'the fsid is checked first');
  t.same(gate('{"prefix": '), [-22, 'unparseable JSON {"prefix": ']);
  t.same(gate('[1,2]'), [-22, 'not JSON object [1,2]']);
  t.same(gate(''), [-22, 'unparseable JSON ']);
  t.same(gate('{"prefix": null}'), [-22, 'JSON array/object not allowed {"prefix": null}']);
  t.same(gate('{"prefix": "version", "x": [1, "a"]}'), [-22, 'value type is 2 not 4']);
  t.same(gate('{"prefix": "version", "x": ["a", 1]}'), [-22, "Can't handle arrays of multiple types"]);
  t.same(gate('{"prefix": "version", "x": [true]}'), [-22, "Can't handle arrays of types other than int, string, or double"]);
  t.same(gate('{"prefix": "version", "x": [1, 2.5]}'), [-22, 'value type is 5 not 4']);
  t.equal(gate('{"prefix": "version", "x": [1.5, 2]}'), 'pass', 'a double array takes ints');
  t.same(gate(JSON.stringify({ x: 'y' })), [-22, 'no prefix']);
  // The real mon aborts here (cmd_getval throws bad_cmd_get); ts-mon refuses it.
  t.same(gate('{"prefix": 3}'), [-22, 'no prefix']);
  t.equal(gate(['{"prefix": ', '"version"}']), 'pass', 'the cmd strings are joined');
  const obsolete: [number, string] = [-95, 'command is obsolete; please check usage and/or man page'];
  t.same(gate('{"prefix": "scrub"}', 'allow r'), obsolete, 'an obsolete mon command, before the caps');
  t.same(gate('{"prefix": "mds dump"}'), obsolete);
  t.equal(gate('{"prefix": "m"}'), 'pass', 'the first command starting with "m" is not obsolete');
  t.equal(gate('{"prefix": "auth list"}'), 'pass', 'deprecated is not obsolete');
  t.same(gate('{"prefix": "auth list"}', 'allow *', { deprecatedAsObsolete: true }), obsolete, 'unless mon_debug_deprecated_as_obsolete');
});

t.test('the gate: the session must have r, w and x on "mon" for the prefix', async (t) => {
  const denied: [number, string] = [-13, 'insufficient caps'];
  t.same(gate(v, 'allow r'), denied, "mon 'allow r' may not even tell version");
  t.same(gate(v, 'allow rw'), denied);
  t.same(gate(JSON.stringify({ prefix: 'get_command_descriptions' }), 'allow r'), denied, 'nor get the descriptions (the CLI stops there)');
  t.equal(gate(v, 'allow rwx'), 'pass');
  t.equal(gate(v, 'allow *'), 'pass');
  t.equal(gate(v, 'allow service mon rwx'), 'pass');
  t.same(gate(v, 'allow service osd rwx'), denied);
  const only = 'allow command version, allow command get_command_descriptions';
  t.equal(gate(v, only), 'pass', 'a command grant allows that prefix');
  t.same(gate(JSON.stringify({ prefix: 'mon_status' }), only), denied, 'and no other');
  t.equal(gate(JSON.stringify({ prefix: 'config get', var: 'debug_mon' }), 'allow command "config get" with var=debug_mon'), 'pass', 'argument constraints');
  t.same(gate(JSON.stringify({ prefix: 'config get', var: 'mon_host' }), 'allow command "config get" with var=debug_mon'), denied);
});

t.test('runMonTell: what passes the gate runs from the admin socket table', async (t) => {
  const h = host();
  const r = runMonTell(req(v), h);
  t.same([r.r, r.rs, r.outbl.toString()], [0, '', '{\n    "version": "16.2.15",\n    "release": "pacific",\n    "release_type": "stable"\n}\n']);
  const compact = runMonTell(req(JSON.stringify({ prefix: 'version', format: 'json' })), h);
  t.equal(compact.outbl.toString(), '{"version":"16.2.15","release":"pacific","release_type":"stable"}');
  const answer = (cmd: object): [number, string, string] => {
    const x = runMonTell(req(JSON.stringify(cmd)), h);
    return [x.r, x.rs, x.outbl.toString()];
  };
  t.same(answer({ prefix: 'nosuch' }), [-22, 'unknown command prefix nosuch', '']);
  t.same(answer({ prefix: 'osd ls' }), [-22, 'unknown command prefix osd ls', ''], 'a mon command is not a tell command');
  t.same(answer({ prefix: 'config get' }), [-22, 'invalid command json', '']);
  t.same(answer({ prefix: 'version', format: 1 }), [-22, 'invalid json, missing format and/or prefix', '']);
  t.same(answer({ prefix: 'injectargs', injected_args: '--debug-mon 4' }), [-22, 'invalid command json', ''], 'injected_args is a list');
  t.same(answer({ prefix: 'config get', var: 'nosuch' }), [-2, "error getting 'nosuch': (2) No such file or directory", '']);
  t.same(answer({ prefix: 'injectargs', injected_args: [] }), [0, '', '{}\n']);
  t.same(
    answer({ prefix: 'injectargs', injected_args: ['--debug_mon=4', '--mon-osd-down-out-interval', '77', '--mon_allow_pool_delete', '--no-mon-allow-pool-size-one'] }),
    // The real mon adds "(not observed, change may require restart)" after the options it does
    // not watch; ts-mon applies every change (see changeText in asok.ts).
    [0, "mon_allow_pool_delete = 'true' mon_allow_pool_size_one = 'false' mon_osd_down_out_interval = '77' ", '{}\n'],
    'changes sorted by name; a first override counts even when ceph.conf said the same; debug levels unreported',
  );
  t.equal(h.conf.text('debug_mon'), '4/4');
  t.same(answer({ prefix: 'injectargs', injected_args: ['--mon-osd-down-out-interval', '88', 'junk', '--bogus'] }), [
    -22,
    " failed to parse arguments: junk,--bogus\nmon_osd_down_out_interval = '88' ",
    '',
  ]);
  t.equal(h.conf.text('mon_osd_down_out_interval'), '88', 'what parsed before the error stays set');
  t.same(answer({ prefix: 'config set', var: 'mon_osd_down_out_interval', val: ['88'] }), [0, '', '{\n    "success": ""\n}\n'], 'the same value again is no change');
  t.same(answer({ prefix: 'config unset', var: 'mon_osd_down_out_interval' }), [0, "mon_osd_down_out_interval = '600' ", '{}\n'], 'unset reports the value it goes back to');
  t.same(answer({ prefix: 'config unset', var: 'mon_osd_down_out_interval' }), [0, '', '{}\n']);
});

t.test('injectargs: words, values and errors as md_config_t::injectargs reads them', async (t) => {
  t.same(splitInjectArgs('--debug-mon 10'), ['--debug-mon', '10']);
  t.same(splitInjectArgs('  --debug-mon   3 '), ['', '--debug-mon', '3'], 'a leading space makes an empty word; runs of spaces after a word are one');
  t.equal(dashesToUnderscores('--mon-osd-down-out-interval=a-b'), '--mon_osd_down_out_interval=a-b');
  t.equal(dashesToUnderscores('-x-y'), '-x_y');
  const run = (args: string[]): [boolean, string, [string, string][]] => {
    const sets: [string, string][] = [];
    const r = injectArgs(args, {
      find: (n) => options.find(n),
      set: (o, raw) => {
        sets.push([o.name, raw]);
        return raw === 'abc' ? 'strict_si_cast: unit prefix not recognized' : undefined;
      },
    });
    return [r.ok, r.errors, sets];
  };
  t.same(run(['--debug-mon 10']), [true, '', [['debug_mon', '10']]], 'one string with the words (the CLI sends it so)');
  t.same(run(['--mon-allow-pool-delete', 'false', '--mon_allow_pool_size_one=1']), [true, '', [['mon_allow_pool_delete', 'false'], ['mon_allow_pool_size_one', 'true']]]);
  t.same(run(['--mon-allow-pool-delete', 'maybe']), [false, ' failed to parse arguments: maybe\n', [['mon_allow_pool_delete', 'true']]], 'a bare flag takes only a boolean word');
  t.same(run(['--mon_allow_pool_delete=maybe']), [false, "Parse error parsing binary flag  --mon_allow_pool_delete. Expected true or false, but got 'maybe'\nParse error setting mon_allow_pool_delete to '' using injectargs.\n", []]);
  t.same(run(['--mon-osd-down-out-interval']), [false, "Parse error setting mon_osd_down_out_interval to '' using injectargs (Option --mon-osd-down-out-interval requires an argument.\n).\n", []]);
  t.same(run(['--mon-osd-down-out-interval', 'abc']), [false, "Parse error setting mon_osd_down_out_interval to 'abc' using injectargs (strict_si_cast: unit prefix not recognized).\n", [['mon_osd_down_out_interval', 'abc']]]);
  t.same(run(['  --debug-mon   3 ']), [false, ' failed to parse arguments: \n', [['debug_mon', '3']]]);
  t.same(run(['--default-mon-osd-down-out-interval', '99']), [false, ' failed to parse arguments: --default-mon-osd-down-out-interval,99\n', []], 'ours: no default level to set');
  t.same(run(['--no-mon-osd-down-out-interval']), [false, ' failed to parse arguments: --no-mon-osd-down-out-interval\n', []], '--no- only for booleans');
});

t.test('audit: Monitor::do_admin_command commands log dispatch and finished; the others nothing', async (t) => {
  const audits: string[] = [];
  const h = host(audits);
  const tell = (cmd: object) => runMonTell(req(JSON.stringify(cmd)), h);
  tell({ prefix: 'version' });
  tell({ prefix: 'injectargs', injected_args: ['--debug-mon', '3'] });
  t.same(audits, [], 'AdminSocket and CephContextHook commands are not audited');
  // The real mon's lines for this very command: args are the values but the prefix, in key
  // order, bools as 1, lists as [a,b].
  tell({ prefix: 'ops', format: 'json', zz: [1, 2], b: true, d: 1.5, a: ['x', 'y'], i: 7, e: [] });
  tell({ prefix: 'dump_historic_ops' });
  const from = "from='admin socket' entity='admin socket'";
  t.same(audits, [
    `debug ${from} cmd='ops' args=[[x,y], 1, 1.5, [], json, 7, [1,2]]: dispatch`,
    `debug ${from} cmd=ops args=[[x,y], 1, 1.5, [], json, 7, [1,2]]: finished`,
    `info ${from} cmd='dump_historic_ops' args=[]: dispatch`,
    `info ${from} cmd=dump_historic_ops args=[]: finished`,
  ]);
  audits.length = 0;
  tell({ prefix: 'ops' });
  runMonTell(req(JSON.stringify({ prefix: 'ops' }), 'allow r'), h);
  t.equal(audits.length, 2, 'a refused tell is not audited');
});
