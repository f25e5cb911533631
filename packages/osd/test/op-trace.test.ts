/**
 * The write-path debug aids (src/op-trace.ts): without TS_OSD_TRACE_OPS the tracer is off and
 * writes nothing; with it, each mark is one line "µs osd.N pg stage what" whose stamps grow, so
 * the files of several OSDs sort into one timeline. TS_OSD_CPU_PROF writes a V8 profile at exit.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opTraceFor, storeTraceFor } from '../src/op-trace';

t.test('off without the variable, one stamped line per mark with it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-osd-trace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace');
  const off = opTraceFor(3, {});
  t.equal(off.on, false);
  off.mark('dispatch', '1.0', 7);
  t.notOk(existsSync(file), 'the off tracer writes nothing');

  const tr = opTraceFor(3, { TS_OSD_TRACE_OPS: file });
  t.equal(tr.on, true);
  tr.mark('dispatch', '1.1f', 7n);
  tr.mark('send-repop', '1.1f', 12);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' '));
  t.same(lines.map((l) => l.slice(1)), [['osd.3', '1.1f', 'dispatch', '7'], ['osd.3', '1.1f', 'send-repop', '12']]);
  const [a, b] = lines.map((l) => Number(l[0]));
  t.ok(a! > 0 && b! >= a!, `monotonic µs stamps: ${a} then ${b}`);
});

t.test("the store's commit stages go to the same file, as pg 'store'", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-osd-trace-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'trace');
  t.equal(storeTraceFor(2, {}), undefined, 'no hook without the variable');
  const hook = storeTraceFor(2, { TS_OSD_TRACE_OPS: file });
  hook!('record-flushed', 41);
  t.same(readFileSync(file, 'utf8').trim().split(' ').slice(1), ['osd.2', 'store', 'record-flushed', '41']);
});

t.test('TS_OSD_CPU_PROF writes osd.N.cpuprofile when the process exits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-osd-prof-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const mod = join(__dirname, '..', 'src', 'op-trace.js');
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(mod)}).startCpuProfile(5); let x = 0; for (let i = 0; i < 1e6; i++) x += i;`], { env: { ...process.env, TS_OSD_CPU_PROF: dir }, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const p = JSON.parse(readFileSync(join(dir, 'osd.5.cpuprofile'), 'utf8')) as { nodes: unknown[]; samples: unknown[] };
  t.ok(p.nodes.length > 0 && Array.isArray(p.samples), 'a V8 CPU profile');
});
