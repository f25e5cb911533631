/**
 * The crash module against Ceph's own: the installed 16.2.15 src/pybind/mgr/crash/module.py
 * (/usr/share/ceph/mgr/crash) runs under /usr/bin/python3 with a stub MgrModule (its store a dict,
 * its clock frozen), and the same command sequence goes through CrashModule; replies, stored JSON
 * and the RECENT_CRASH check must match (r compared by magnitude: Python modules return errno
 * positive, the CLI prints both the same).
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { run } from '@ts-ceph/testkit';
import { CRASH_KEY_PREFIX, CrashModule, crashTime, pyUtcStr, stackSig } from '../src/modules/crash/crash-module';
import { crashMeta, jsBacktrace } from '../src/modules/crash/crash-report';

const MODULE_DIR = '/usr/share/ceph/mgr';
const NOW = Date.UTC(2024, 2, 1, 12, 0, 0, 123);

/** The Python side: feeds each command to the real module's handler, prints the results as JSON. */
const PY = String.raw`
import sys, types, json, datetime, threading
mm = types.ModuleType('mgr_module')
class MgrModule(object):
    def __init__(self, *a, **k): pass
mm.MgrModule = MgrModule
sys.modules['mgr_module'] = mm
sys.path.insert(0, sys.argv[1])
import crash.module as cm
class FDT(datetime.datetime):
    @classmethod
    def utcnow(cls): return cls(2024, 3, 1, 12, 0, 0, 123000)
cm.datetime = types.SimpleNamespace(datetime=FDT, timedelta=datetime.timedelta)
class Log(object):
    def debug(self, *a): pass
m = cm.Module.__new__(cm.Module)
store = {}
health = {}
m.crashes = None
m.crashes_lock = threading.Lock()
m.log = Log()
m.warn_recent_interval = 14 * 86400
m.get_store_prefix = lambda p: {k: v for k, v in store.items() if k.startswith(p)}
def set_store(k, v):
    if v is None: store.pop(k, None)
    else: store[k] = v
m.set_store = set_store
def set_health(h):
    health.clear(); health.update(h)
m.set_health_checks = set_health
out = []
for c in json.loads(sys.stdin.read()):
    inbuf = c.pop('inbuf', '')
    r = m.handle_command(inbuf, c)
    out.append({'r': r[0], 'out': r[1], 'rs': r[2], 'store': dict(store), 'health': dict(health)})
print(json.dumps(out))
`;

interface PyResult {
  r: number;
  out: string;
  rs: string;
  store: Record<string, string>;
  health: Record<string, { summary: string; count: number; detail: string[] }>;
}

const meta = (id: string, stamp: string, extra: Record<string, unknown> = {}) => JSON.stringify({ crash_id: id, timestamp: stamp, entity_name: `osd.${id.length % 3}`, utsname_hostname: 'h1', ...extra });

const COMMANDS: Record<string, string>[] = [
  { prefix: 'crash ls' },
  { prefix: 'crash post', inbuf: meta('2024-02-29T10:00:00.000001Z_a', '2024-02-29T10:00:00.000001Z', { backtrace: ['(foo+0x10) [0x1]', '(bar()+0x2) [0x2]'], process_name: 'ceph-osd' }) },
  { prefix: 'crash post', inbuf: meta('2024-01-01T00:00:00.5Z_old', '2024-01-01 00:00:00.5Z') },
  { prefix: 'crash post', inbuf: meta('2024-02-27T09:08:07.654321Z_bb', '2024-02-27T09:08:07.654321Z', { entity_name: 'mon.ä' }) },
  { prefix: 'crash post', inbuf: '{"crash_id": "x"}' },
  { prefix: 'crash post', inbuf: 'not json' },
  { prefix: 'crash ls' },
  { prefix: 'crash ls', format: 'json-pretty' },
  { prefix: 'crash info', id: '2024-02-29T10:00:00.000001Z_a' },
  { prefix: 'crash info', id: 'nope' },
  { prefix: 'crash stat' },
  { prefix: 'crash json_report', hours: '12' },
  { prefix: 'crash archive', id: '2024-02-29T10:00:00.000001Z_a' },
  { prefix: 'crash ls-new' },
  { prefix: 'crash ls-new', format: 'json' },
  { prefix: 'crash archive-all' },
  { prefix: 'crash ls' },
  { prefix: 'crash rm', id: '2024-01-01T00:00:00.5Z_old' },
  { prefix: 'crash prune', keep: 'x' },
  { prefix: 'crash prune', keep: '1' },
  { prefix: 'crash ls', format: 'json' },
];

let mod: CrashModule | undefined;

/**
 * Our side of one command, on the stored dict (as the mon keeps config-key). Like the module, the
 * reports are read from the store only while none is loaded, so they list in post order.
 */
function ours(store: Map<string, string>, c: Record<string, string>) {
  if (!mod || !mod.crashes.size) mod = new CrashModule([...store].map(([k, v]) => [`${CRASH_KEY_PREFIX}${k.slice('crash/'.length)}`, v]));
  const m = mod;
  const fmt = c.format ?? '';
  const r = (() => {
    switch (c.prefix) {
      case 'crash ls': return m.ls(false, fmt);
      case 'crash ls-new': return m.ls(true, fmt);
      case 'crash post': return m.post(Buffer.from(c.inbuf ?? ''));
      case 'crash info': return m.info(c.id!);
      case 'crash stat': return m.stat(NOW);
      case 'crash json_report': return m.jsonReport(c.hours!);
      case 'crash archive': return m.archive(c.id!, NOW);
      case 'crash archive-all': return m.archiveAll(NOW);
      case 'crash rm': return m.rm(c.id!);
      case 'crash prune': return m.pruneDays(c.keep!, NOW);
      default: throw new Error(c.prefix);
    }
  })();
  for (const [k, v] of r.edits) {
    const key = `crash/${k.slice(CRASH_KEY_PREFIX.length)}`;
    if (v === null) store.delete(key);
    else store.set(key, v);
  }
  return { r, health: m.health(NOW, 14 * 86400) };
}

t.test('the crash commands answer as the 16.2.15 crash module', async (t) => {
  t.ok(existsSync(`${MODULE_DIR}/crash/module.py`), 'Ceph 16.2.15 mgr modules installed (ceph-mgr-modules-core)');
  const py = await run('/usr/bin/python3', ['-c', PY, MODULE_DIR], { input: JSON.stringify(COMMANDS), timeoutMs: 60_000 });
  t.equal(py.code, 0, py.stderr);
  const want = JSON.parse(py.stdout) as PyResult[];
  const store = new Map<string, string>();
  COMMANDS.forEach((c, i) => {
    const w = want[i]!;
    const { r, health } = ours(store, c);
    const what = `${c.prefix} ${c.id ?? c.format ?? c.keep ?? ''}`;
    t.equal(Math.abs(r.r), Math.abs(w.r), `${what}: r`);
    t.equal(r.out, w.out, `${what}: output`);
    if (w.rs.startsWith('malformed crash metadata')) t.match(r.rs, /^malformed crash metadata: /, `${what}: message`);
    else t.equal(r.rs, w.rs, `${what}: message`);
    // Stored values are compared as JSON (Python's json.dumps spacing differs from ours; mgr reads both).
    t.same(new Map([...store].map(([k, v]) => [k, JSON.parse(v)])), new Map(Object.entries(w.store).map(([k, v]) => [k, JSON.parse(v)])), `${what}: store`);
    const wh = w.health.RECENT_CRASH;
    t.same(health ? { summary: health.summary, count: health.count, detail: health.detail } : undefined, wh ? { summary: wh.summary, count: wh.count, detail: wh.detail } : undefined, `${what}: RECENT_CRASH`);
  });
});

t.test('timestamps and signatures', async (t) => {
  t.equal(crashTime('2018-06-22T20:35:38.058818Z'), Date.UTC(2018, 5, 22, 20, 35, 38, 58));
  t.equal(crashTime('2018-06-22 20:35:38.058818Z'), Date.UTC(2018, 5, 22, 20, 35, 38, 58));
  t.throws(() => crashTime('2018-06-22T20:35:38Z'), /does not match format/);
  t.equal(pyUtcStr(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02 03:04:05.678000');
  t.equal(pyUtcStr(Date.UTC(2024, 0, 2, 3, 4, 5)), '2024-01-02 03:04:05');
  // Only the function names count (the stored stack_sig is compared with Python's above).
  t.equal(stackSig(['(foo+0x10) [0x1]', '(bar()+0x2) [0x2]'], undefined), stackSig(['(foo+0x99) [0x7]', '(bar()+0x0) [0x9]'], undefined));
  t.not(stackSig(['(foo+0x10) [0x1]'], undefined), stackSig(['(fob+0x10) [0x1]'], undefined));
});

t.test('a JavaScript exception as a crash report', async (t) => {
  function inner(): never {
    throw new TypeError('boom');
  }
  let err: unknown;
  try {
    inner();
  } catch (e) {
    err = e;
  }
  const bt = jsBacktrace(err);
  t.match(bt[0], /^\(inner\) \[.*crash\.test\.(js|ts):\d+:\d+\]$/, 'the throwing function first, in Ceph\'s "(func) [where]" shape');
  const m = crashMeta('osd.3', 'ts-osd', err, Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  t.match(m, { timestamp: '2024-01-02T03:04:05.006000Z', entity_name: 'osd.3', process_name: 'ts-osd', exception_message: 'TypeError: boom' });
  t.match(String(m.crash_id), /^2024-01-02T03:04:05\.006000Z_[0-9a-f-]{36}$/);
  const posted = new CrashModule([]).post(Buffer.from(JSON.stringify(m)));
  t.equal(posted.r, 0);
  t.ok(posted.edits.has(`${CRASH_KEY_PREFIX}${String(m.crash_id)}`), 'stored under mgr/crash/crash/<id>');
});
