/**
 * Differential (erasure-code profiles and erasure pools): the same `ceph` CLI commands against a
 * fresh real 16.2.15 ceph-mon and a fresh ts-mon; exit code, stdout and stderr equal once fsid,
 * port, keys and stamps are normalized. Covers the plugins' defaults and complaints, --force,
 * stripe_unit, the rule an erasure pool gets, size/min_size/stripe_width, allow_ec_overwrites, and
 * the map both print. Then python3-rados sees the same alignment() (stripe_width) on both, and
 * ts-mon keeps profiles and pools over a restart.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RealMon, requireBinary, run } from '@ts-ceph/testkit';
import { normalized, realAndOurs } from './mon-lib';

const profiles: string[][] = [
  ['osd', 'erasure-code-profile', 'ls'],
  ['osd', 'erasure-code-profile', 'get', 'default'],
  ['osd', 'erasure-code-profile', 'set', 'p1'],
  ['osd', 'erasure-code-profile', 'get', 'p1'],
  ['osd', 'erasure-code-profile', 'set', 'p2', 'k=4', 'm=2'],
  ['osd', 'erasure-code-profile', 'set', 'p2', 'k=4', 'm=2'],
  ['osd', 'erasure-code-profile', 'set', 'p2', 'k=3', 'm=2'],
  ['osd', 'erasure-code-profile', 'set', 'p2', 'k=3', 'm=2', '--force'],
  ['osd', 'erasure-code-profile', 'get', 'p2', '-f', 'json'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'k=1', 'm=1'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'k=x'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'plugin=nosuch'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'technique=nosuch'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'technique=reed_sol_van', 'w=7'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'technique=liberation', 'k=9'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'plugin=isa', 'technique=nosuch'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'plugin=isa', 'k=40', 'm=2'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'plugin=shec', 'k=4', 'm=3'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'ruleset-failure-domain=osd'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'crush-failure-domain=nosuchtype'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'stripe_unit=1000'],
  ['osd', 'erasure-code-profile', 'set', 'bad', 'stripe_unit=bad'],
  ['osd', 'erasure-code-profile', 'set', 'cg', 'technique=cauchy_good', 'crush-failure-domain=osd'],
  ['osd', 'erasure-code-profile', 'set', 'isa', 'plugin=isa', 'k=2', 'm=1'],
  ['osd', 'erasure-code-profile', 'set', 'sh', 'plugin=shec', 'k=4', 'm=3', 'c=2'],
  ['osd', 'erasure-code-profile', 'set', 'cl', 'plugin=clay', 'k=4', 'm=2'],
  ['osd', 'erasure-code-profile', 'set', 'lr', 'plugin=lrc', 'k=4', 'm=2', 'l=3'],
  ['osd', 'erasure-code-profile', 'set', 'su', 'k=4', 'm=2', 'stripe_unit=8K'],
  ['osd', 'erasure-code-profile', 'set', 'pc', 'k=3', 'jerasure-per-chunk-alignment=true'],
  ['osd', 'erasure-code-profile', 'set', 'bare', 'foo'],
  ['osd', 'erasure-code-profile', 'ls', '-f', 'json'],
  ['osd', 'erasure-code-profile', 'rm', 'p1'],
  ['osd', 'erasure-code-profile', 'rm', 'p1'],
  ['osd', 'erasure-code-profile', 'get', 'p1'],
  ['osd', 'dump', '-f', 'json'],
];

const pools: string[][] = [
  ['osd', 'erasure-code-profile', 'set', 'myprof', 'k=3', 'm=2', 'crush-failure-domain=osd'],
  ['osd', 'pool', 'create', 'ecp', '8', '8', 'erasure', 'myprof'],
  ['osd', 'pool', 'create', 'ecp', '8', '8', 'erasure', 'myprof'],
  ['osd', 'pool', 'create', 'ecp', '8', '8', 'replicated'],
  ['osd', 'pool', 'create', 'ecd', '4', '4', 'erasure'],
  ['osd', 'pool', 'create', 'ecx', '4', '4', 'erasure', 'nosuchprof'],
  ['osd', 'pool', 'create', 'ecs', '4', '4', 'erasure', 'su'],
  ['osd', 'pool', 'create', 'ecc', '4', '4', 'erasure', 'cg'],
  ['osd', 'pool', 'create', 'eci', '4', '4', 'erasure', 'isa'],
  ['osd', 'pool', 'create', 'ecpc', '4', '4', 'erasure', 'pc'],
  ['osd', 'crush', 'rule', 'create-erasure', 'r2', 'myprof'],
  ['osd', 'crush', 'rule', 'create-erasure', 'r2', 'myprof'],
  ['osd', 'crush', 'rule', 'create-erasure', 'r3'],
  ['osd', 'crush', 'rule', 'create-erasure', 'r4', 'nosuch'],
  ['osd', 'pool', 'create', 'ecr', '4', '4', 'erasure', 'myprof', 'r2'],
  ['osd', 'pool', 'create', 'ecn', '4', '4', 'erasure', 'myprof', 'nosuchrule'],
  ['osd', 'pool', 'create', 'ecw', '4', '4', 'erasure', 'myprof', 'replicated_rule'],
  ['osd', 'crush', 'rule', 'dump'],
  ['osd', 'pool', 'get', 'ecp', 'all'],
  ['osd', 'pool', 'get', 'ecp', 'all', '-f', 'json'],
  ['osd', 'pool', 'create', 'rep', '4'],
  ['osd', 'pool', 'set', 'rep', 'allow_ec_overwrites', 'true'],
  ['osd', 'pool', 'set', 'ecp', 'allow_ec_overwrites', 'true'],
  ['osd', 'pool', 'set', 'ecp', 'allow_ec_overwrites', 'false'],
  ['osd', 'pool', 'set', 'ecp', 'size', '4'],
  ['osd', 'pool', 'set', 'ecp', 'min_size', '2'],
  ['osd', 'pool', 'set', 'ecp', 'min_size', '5'],
  ['osd', 'pool', 'set', 'ecp', 'fast_read', '1'],
  ['osd', 'pool', 'get', 'ecp', 'fast_read'],
  ['osd', 'erasure-code-profile', 'rm', 'myprof'],
  ['osd', 'pool', 'ls', 'detail'],
  ['osd', 'pool', 'ls', 'detail', '-f', 'json'],
  ['osd', 'dump'],
  ['osd', 'dump', '-f', 'json'],
];

const alignmentScript = String.raw`
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1])
c.connect(timeout=20)
out = {}
for name in ['ecp', 'ecd', 'ecs', 'eci', 'rep']:
    io = c.open_ioctx(name)
    out[name] = [io.alignment()]
    io.close()
c.shutdown()
print(json.dumps(out))
`;

async function alignments(m: RealMon): Promise<unknown> {
  const f = join(m.dir, 'align.py');
  writeFileSync(f, alignmentScript);
  const r = await run('/usr/bin/python3', [f, m.conf], { env: { ...process.env, CEPH_KEYRING: m.adminKeyring }, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`align.py failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

t.test('erasure-code profiles and erasure pools: real ceph-mon and ts-mon answer alike', async (t) => {
  requireBinary('/usr/bin/python3');
  const { real, ours, same } = await realAndOurs(t, 'mon_warn_on_too_few_osds = false');
  for (const args of [...profiles, ...pools]) await same(args);

  const [a, b] = await Promise.all([alignments(real), alignments(ours)]);
  t.same(b, a, 'python3-rados ioctx.alignment() agrees');
  t.same(b, { ecp: [null], ecd: [8192], ecs: [32768], eci: [8192], rep: [null] }, 'alignment is stripe_width; none for a replicated pool or one with ec overwrites');

  const before = normalized(await ours.ceph(['osd', 'dump']), ours);
  await ours.halt();
  await ours.restart();
  t.same(normalized(await ours.ceph(['osd', 'dump']), ours), before, 'erasure pools survive a restart');
  t.same(normalized(await ours.ceph(['osd', 'erasure-code-profile', 'get', 'cg']), ours), normalized(await real.ceph(['osd', 'erasure-code-profile', 'get', 'cg']), real), 'and so do profiles');
});
