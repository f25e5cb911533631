/**
 * The style check (scripts/style-check.js) run on a small fake repository written to a temporary
 * directory: clean input passes, and each rule the review asked for fails when its promise is broken
 * (a clock read in a core, a core reaching node:net or node:fs through a package root, a new long
 * file or function, a listed one growing).
 */
import t from 'tap';
import type { Test } from 'tap';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';

interface CheckResult {
  problems: string[];
  stale: string[];
  files: number;
}
interface StyleCheck {
  check(root: string, opts?: { updateRatchet?: boolean; allowGrowth?: boolean }): CheckResult;
}
// The checker is plain JavaScript run by node; load it from the repository, not from dist.
const { check } = require(join(repoRoot(), 'scripts', 'style-check.js')) as StyleCheck;

const pkg = (name: string, exports?: Record<string, string>) =>
  JSON.stringify({
    name: `@ts-ceph/${name}`,
    main: 'dist/src/index.js',
    types: 'dist/src/index.d.ts',
    ...(exports ? { exports: Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, { types: `./dist/src/${v}.d.ts`, default: `./dist/src/${v}.js` }])) } : {}),
  });

/**
 * A clean tree: `common` (its root re-exports a file logger that imports node:fs, and a `core`
 * entry without it), `net` (its root re-exports a TCP driver importing node:net, and a `core`
 * entry), and `app`, whose core imports only the narrow entries.
 */
const cleanTree: Record<string, string> = {
  'tsconfig.base.json': JSON.stringify({ compilerOptions: { strict: true } }),
  'packages/common/package.json': pkg('common', { '.': 'index', './core': 'core/index' }),
  'packages/common/README.md': 'common\n',
  'packages/common/src/index.ts': "export * from './errors';\nexport * from './file-log';\n",
  'packages/common/src/errors.ts': "export class CephError extends Error {}\n",
  'packages/common/src/file-log.ts': "import { appendFileSync } from 'node:fs';\nexport const log = (p: string, s: string) => appendFileSync(p, s);\n",
  'packages/common/src/core/index.ts': "export * from '../errors';\n",
  'packages/net/package.json': pkg('net', { '.': 'index', './core': 'core/index' }),
  'packages/net/README.md': 'net\n',
  'packages/net/src/index.ts': "export * from './core/index';\nexport * from './tcp';\n",
  'packages/net/src/tcp.ts': "import { connect } from 'node:net';\nexport const dial = (port: number) => connect(port);\n",
  'packages/net/src/core/index.ts': "export * from './frame';\n",
  'packages/net/src/core/frame.ts': "import { CephError } from '@ts-ceph/common/core';\nexport const frame = (b: Buffer) => { if (!b.length) throw new CephError('empty'); return b; };\n",
  'packages/app/package.json': pkg('app'),
  'packages/app/README.md': 'app\n',
  'packages/app/src/index.ts': "export * from './core/machine';\n",
  'packages/app/src/core/machine.ts': [
    "import { frame } from '@ts-ceph/net/core';",
    "import type { dial } from '@ts-ceph/net';",
    "import { isIPv4 } from 'node:net';",
    'export type Dial = typeof dial;',
    'export function step(now: number, b: Buffer): { at: number; out: Buffer; v4: boolean } {',
    "  return { at: now, out: frame(b), v4: isIPv4('127.0.0.1') };",
    '}',
    '',
  ].join('\n'),
  'scripts/style-ratchet.json': JSON.stringify({ coreReachesIo: [], files: {}, functions: {} }),
};

/** Write `tree` with `changes` applied (a null content deletes a file) to a fresh directory. */
function fakeRepo(t: Test, changes: Record<string, string | null> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'style-check-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries({ ...cleanTree, ...changes })) {
    if (text === null) continue;
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const machine = cleanTree['packages/app/src/core/machine.ts']!;
const lines = (n: number, prefix = '') => Array.from({ length: n }, (_, i) => `${prefix}export const c${i} = ${i};`).join('\n') + '\n';
const longFunction = (body: number) => `export function long(): number {\n  let x = 0;\n${'  x += 1;\n'.repeat(body)}  return x;\n}\n`;

t.test('a clean tree passes (narrow entries, a type-only import of a root, the pure node:net parsers)', async (t) => {
  const r = check(fakeRepo(t));
  t.same(r.problems, []);
  t.equal(r.files, 10, 'every source file was read');
});

t.test('a planted Date.now() in a core file fails', async (t) => {
  const r = check(fakeRepo(t, { 'packages/app/src/core/machine.ts': machine.replace('at: now', 'at: Date.now()') }));
  t.equal(r.problems.length, 1, r.problems.join('\n'));
  t.match(r.problems[0], /^packages\/app\/src\/core\/machine\.ts:6: protocol-core code uses Date\.now/);
});

t.test('randomness and the other clock reads in a core fail; outside a core they pass', async (t) => {
  for (const call of ['randomUUID()', 'randomBytes(8)', 'Math.random()', 'performance.now()', 'new Date()']) {
    const r = check(fakeRepo(t, { 'packages/app/src/core/extra.ts': `export const x = () => ${call};\n`, 'packages/app/src/driver.ts': `export const y = () => ${call};\n` }));
    t.equal(r.problems.length, 1, `${call}: ${r.problems.join('\n')}`);
    t.match(r.problems[0], /^packages\/app\/src\/core\/extra\.ts:1: protocol-core code uses /, call);
  }
  t.same(check(fakeRepo(t, { 'packages/app/src/core/extra.ts': 'export const d = (ms: number) => new Date(ms);\n' })).problems, [], 'new Date(ms) is a conversion, not a clock read');
});

t.test('a core importing a package root that pulls in node:net fails, naming the chain', async (t) => {
  const r = check(fakeRepo(t, { 'packages/app/src/core/machine.ts': machine.replace("from '@ts-ceph/net/core'", "from '@ts-ceph/net'") }));
  t.equal(r.problems.length, 1, r.problems.join('\n'));
  t.equal(
    r.problems[0]!.split(';')[0],
    "packages/app/src/core/machine.ts: protocol core reaches I/O module 'node:net' through packages/app/src/core/machine.ts -> packages/net/src/index.ts -> packages/net/src/tcp.ts",
  );
});

t.test('a core reaching node:fs transitively (its own helper -> another package root) fails', async (t) => {
  const r = check(
    fakeRepo(t, {
      'packages/app/src/core/machine.ts': machine + "export { helper } from './helper';\n",
      'packages/app/src/core/helper.ts': "import { CephError } from '@ts-ceph/common';\nexport const helper = () => new CephError('x');\n",
    }),
  );
  const chains = r.problems.map((p) => p.split(';')[0]);
  t.same(chains.sort(), [
    "packages/app/src/core/helper.ts: protocol core reaches I/O module 'node:fs' through packages/app/src/core/helper.ts -> packages/common/src/index.ts -> packages/common/src/file-log.ts",
    "packages/app/src/core/machine.ts: protocol core reaches I/O module 'node:fs' through packages/app/src/core/machine.ts -> packages/app/src/core/helper.ts -> packages/common/src/index.ts -> packages/common/src/file-log.ts",
  ]);
});

t.test('a core file listed in coreReachesIo is let through, and reported stale once it is fixed', async (t) => {
  const ratchet = JSON.stringify({ coreReachesIo: ['packages/app/src/core/machine.ts'], files: {}, functions: {} });
  const bad = fakeRepo(t, { 'packages/app/src/core/machine.ts': machine.replace("from '@ts-ceph/net/core'", "from '@ts-ceph/net'"), 'scripts/style-ratchet.json': ratchet });
  t.same(check(bad).problems, []);
  const fixed = fakeRepo(t, { 'scripts/style-ratchet.json': ratchet });
  const r = check(fixed, { updateRatchet: true });
  t.same(r.stale, ['packages/app/src/core/machine.ts: no longer reaches I/O']);
  t.same(JSON.parse(readFileSync(join(fixed, 'scripts/style-ratchet.json'), 'utf8')).coreReachesIo, [], '--update-ratchet drops it');
  const gone = fakeRepo(t, { 'scripts/style-ratchet.json': JSON.stringify({ coreReachesIo: ['packages/app/src/core/split.ts'] }) });
  t.same(check(gone).stale, ['packages/app/src/core/split.ts: no longer exists'], 'an entry for a removed file is stale too');
});

t.test('a new file over 500 lines that the ratchet does not list fails', async (t) => {
  const r = check(fakeRepo(t, { 'packages/app/src/table.ts': lines(501) }));
  t.same(r.problems, ['packages/app/src/table.ts: file is 501 lines (limit 500, not in the ratchet); split it']);
  t.same(check(fakeRepo(t, { 'packages/app/src/table.ts': lines(500) })).problems, [], '500 lines is within the limit');
  t.same(check(fakeRepo(t, { 'packages/app/test/data/vectors.ts': lines(600) })).problems, [], 'a test data table is held to the hard cap only');
});

t.test('the ratchet: a listed file may shrink but not grow; --update-ratchet only shrinks', async (t) => {
  const ratchet = JSON.stringify({ coreReachesIo: [], files: { 'packages/app/src/table.ts': 520 }, functions: {} });
  const grown = fakeRepo(t, { 'packages/app/src/table.ts': lines(521), 'scripts/style-ratchet.json': ratchet });
  t.same(check(grown).problems, ['packages/app/src/table.ts: file grew to 521 lines (the ratchet allows 520); split it']);
  t.same(check(grown, { updateRatchet: true }).problems.length, 1, 'updating does not accept growth');
  t.same(JSON.parse(readFileSync(join(grown, 'scripts/style-ratchet.json'), 'utf8')).files, { 'packages/app/src/table.ts': 520 });

  const shrunk = fakeRepo(t, { 'packages/app/src/table.ts': lines(510), 'scripts/style-ratchet.json': ratchet });
  const r = check(shrunk, { updateRatchet: true });
  t.same(r.problems, []);
  t.same(r.stale, ['packages/app/src/table.ts: 520 -> 510']);
  t.same(JSON.parse(readFileSync(join(shrunk, 'scripts/style-ratchet.json'), 'utf8')).files, { 'packages/app/src/table.ts': 510 });

  const allowed = fakeRepo(t, { 'packages/app/src/table.ts': lines(530), 'scripts/style-ratchet.json': ratchet });
  t.same(check(allowed, { updateRatchet: true, allowGrowth: true }).problems, []);
  t.same(JSON.parse(readFileSync(join(allowed, 'scripts/style-ratchet.json'), 'utf8')).files, { 'packages/app/src/table.ts': 530 }, '--allow-growth records it');
});

t.test('a function over 100 lines fails; the hard file cap holds even for a listed file', async (t) => {
  t.same(check(fakeRepo(t, { 'packages/app/src/long.ts': longFunction(96) })).problems, [], 'a 100-line function passes');
  t.same(check(fakeRepo(t, { 'packages/app/src/long.ts': longFunction(97) })).problems, ['packages/app/src/long.ts#long: function is 101 lines (limit 100, not in the ratchet); split it']);
  const ratchet = JSON.stringify({ coreReachesIo: [], files: { 'packages/app/src/huge.ts': 901 }, functions: {} });
  t.same(check(fakeRepo(t, { 'packages/app/src/huge.ts': lines(901), 'scripts/style-ratchet.json': ratchet })).problems, ['packages/app/src/huge.ts: 901 lines (hard limit 900); split it']);
});
