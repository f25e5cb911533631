/**
 * Differential (OSDMonitor side): the same `ceph` CLI commands, in the same order, against a real
 * 16.2.15 ceph-mon and against ts-mon, both fresh and in crc mode. Exit code, stdout and stderr
 * must be equal once fsid, port, keys and stamps are normalized. Then the binary maps each side
 * hands out (`osd getmap`, `mon getmap`, `osd getcrushmap`) are printed with Debian's osdmaptool,
 * monmaptool and crushtool and compared the same way (acceptance 2).
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, run } from '@ts-ceph/testkit';
import { normalized, realAndOurs } from './mon-lib';

const commands: string[][] = [
  ['osd', 'tree'],
  ['osd', 'ls'],
  ['osd', 'stat'],
  ['osd', 'dump'],
  // Before any pool: a monitor without a mgr has no pool stats, so later `df`s differ by design.
  ['df'],
  ['osd', 'pool', 'create', 'p', '32'],
  ['osd', 'pool', 'create', 'p', '32'],
  ['osd', 'pool', 'ls'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'pool', 'get', 'p', 'all'],
  ['osd', 'pool', 'set', 'p', 'size', '2'],
  ['osd', 'pool', 'get', 'p', 'size', '-f', 'json'],
  ['osd', 'pool', 'get', 'p', 'min_size'],
  ['osd', 'pool', 'set', 'p', 'size', '0'],
  ['osd', 'pool', 'set', 'p', 'nosuchvar', '1'],
  ['osd', 'pool', 'set', 'p', 'pg_num', '16'],
  ['osd', 'pool', 'application', 'enable', 'p', 'rbd'],
  ['osd', 'pool', 'application', 'get', 'p'],
  ['osd', 'pool', 'rename', 'p', 'p2'],
  ['osd', 'pool', 'get', 'p', 'size'],
  ['osd', 'pool', 'rename', 'p2', 'p'],
  ['osd', 'pool', 'ls', 'detail', '-f', 'json'],
  ['osd', 'crush', 'rule', 'ls'],
  ['osd', 'crush', 'rule', 'dump'],
  ['osd', 'crush', 'rule', 'create-replicated', 'r1', 'default', 'host'],
  ['osd', 'crush', 'class', 'ls'],
  ['osd', 'crush', 'add-bucket', 'h1', 'host'],
  ['osd', 'crush', 'move', 'h1', 'root=default'],
  ['osd', 'tree'],
  ['osd', 'set', 'noout'],
  ['osd', 'unset', 'noout'],
  ['osd', 'set', 'nosuchflag'],
  ['osd', 'dump'],
  ['osd', 'pool', 'delete', 'p'],
  ['osd', 'pool', 'delete', 'p', 'p'],
  ['osd', 'pool', 'create', 'q', '8'],
];

t.test('ceph osd/pool/crush commands: real ceph-mon and ts-mon answer alike; maps print alike', async (t) => {
  for (const b of ['osdmaptool', 'monmaptool', 'crushtool']) requireBinary(b);
  const { real, ours, same } = await realAndOurs(t);
  for (const args of commands) await same(args);

  // Both sides have had the same history, so the printed maps are equal once normalized.
  const tools: [string[], (f: string) => [string, string[]]][] = [
    [['osd', 'getmap'], (f) => ['osdmaptool', ['--print', f]]],
    [['mon', 'getmap'], (f) => ['monmaptool', ['--print', f]]],
    [['osd', 'getcrushmap'], (f) => ['crushtool', ['-d', f]]],
  ];
  for (const [cmd, tool] of tools) {
    const out: ReturnType<typeof normalized>[] = [];
    for (const m of [real, ours]) {
      const side = m === real ? 'real' : 'ours';
      const f = join(m.dir, `${cmd.join('-')}.bin`);
      const g = await m.ceph([...cmd, '-o', f]);
      t.equal(g.code, 0, `ceph ${cmd.join(' ')} -o f (${side}): ${g.stderr.trim()}`);
      const [bin, args] = tool(f);
      const p = await run(bin, args);
      t.equal(p.code, 0, `${bin} ${args[0]} (${side})`);
      out.push(normalized({ ...p, stdout: p.stdout.split(f).join('FILE'), stderr: p.stderr.split(f).join('FILE') }, m));
    }
    t.same(out[1], out[0], `${tool('f')[0]} prints the same map`);
  }
  const osdmapPrint = (await run('osdmaptool', ['--print', join(ours.dir, 'osd-getmap.bin')])).stdout;
  t.match(osdmapPrint, /pool 2 'q' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 8 pgp_num 8/, 'osdmaptool shows the pool ts-mon holds');
  t.match(osdmapPrint, new RegExp(`fsid ${ours.fsid}`), 'osdmaptool shows ts-mon\'s fsid');
  t.same(readFileSync(join(ours.dir, 'osd-getcrushmap.bin')), readFileSync(join(real.dir, 'osd-getcrushmap.bin')), 'the crush maps are byte-identical');
});
