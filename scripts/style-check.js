// The style check (STYLE.md §1, §2, §14; `npm run style`). It fails the build on:
//  - a tsconfig without strict mode, a package without a README.md;
//  - `any` in source without a reason: write `// any: <why>` on the same or the previous line;
//  - @ts-nocheck anywhere, @ts-ignore / @ts-expect-error without a reason after it;
//  - in protocol-core code (every file under a `core/` directory of packages/*/src, and the pure
//    packages denc, crush, maps outside their `tool/` and `bin/` folders):
//    - an I/O import (fs, net, child_process, http(s), tls, dgram, worker_threads, level, ...);
//    - a timer (setTimeout, setInterval, setImmediate);
//    - randomness or a clock read (randomUUID, randomBytes, Math.random, Date.now, performance.now,
//      `new Date()`): time and randomness are inputs, so a simulation can seed them;
//    - an import chain that reaches an I/O module, through relative imports or a package entry
//      (`@ts-ceph/<pkg>` and `@ts-ceph/<pkg>/<sub>`, read from package.json main/exports and mapped
//      back to src); a core imports a narrow entry such as `@ts-ceph/messenger/core` instead of a
//      package root that also exports the socket driver. Type-only imports (`import type`) load
//      nothing and are not followed;
//  - a source file longer than fileLinesMax (900) lines;
//  - a file over 500 lines (test data tables under test/data/ excepted) or a function over 100
//    lines (found by a brace-matching scan, see style/lengths.js) that scripts/style-ratchet.json
//    does not list, or that grew past its entry.
//    `node scripts/style-check.js --update-ratchet` rewrites the ratchet, shrinking and removing
//    entries only; add `--allow-growth` to record new or longer ones (say why in the commit).
'use strict';
const { readFileSync, writeFileSync, readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { sourceFiles, relPath, isCore } = require('./style/files');
const { lineProblems } = require('./style/lines');
const { coreImportProblems } = require('./style/imports');
const { fileLinesMax, lineCount, measure, compareRatchet } = require('./style/lengths');

const ratchetName = 'scripts/style-ratchet.json';

function configProblems(root) {
  const problems = [];
  const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));
  if (base.compilerOptions.strict !== true) problems.push('tsconfig.base.json: compilerOptions.strict must be true');
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const tc = join(root, 'packages', pkg, 'tsconfig.json');
    if (!existsSync(tc)) continue;
    const j = JSON.parse(readFileSync(tc, 'utf8'));
    if (j.compilerOptions && j.compilerOptions.strict === false) problems.push(`packages/${pkg}/tsconfig.json: strict turned off`);
    if (!existsSync(join(root, 'packages', pkg, 'README.md'))) problems.push(`packages/${pkg}: no README.md`);
  }
  return problems;
}

/**
 * Run every rule on the repository at `root`. Returns { problems, stale, files, nextRatchet }; with
 * `updateRatchet` the ratchet file is rewritten to nextRatchet.
 */
function check(root, { updateRatchet = false, allowGrowth = false } = {}) {
  const problems = configProblems(root);
  const files = sourceFiles(root);
  const sources = files.map((f) => ({ rel: relPath(root, f), text: readFileSync(f, 'utf8') }));
  for (const { rel, text } of sources) {
    const n = lineCount(text);
    if (n > fileLinesMax) problems.push(`${rel}: ${n} lines (hard limit ${fileLinesMax}); split it`);
    problems.push(...lineProblems(rel, text, isCore(rel)));
  }
  const ratchetPath = join(root, ratchetName);
  const ratchet = existsSync(ratchetPath) ? JSON.parse(readFileSync(ratchetPath, 'utf8')) : {};
  const allowed = ratchet.coreReachesIo || [];
  const imports = coreImportProblems(root, files, isCore, allowed);
  problems.push(...imports.problems);
  const lengths = compareRatchet(measure(sources), ratchet, { allowGrowth });
  problems.push(...lengths.problems);
  const staleIo = new Set(imports.stale.map((s) => s.split(':')[0]));
  const next = { coreReachesIo: allowed.filter((rel) => !staleIo.has(rel)), ...lengths.next };
  if (updateRatchet) writeFileSync(ratchetPath, JSON.stringify(next, null, 2) + '\n');
  return { problems, stale: [...imports.stale, ...lengths.stale], files: files.length, nextRatchet: next };
}

function main() {
  const args = process.argv.slice(2);
  const updateRatchet = args.includes('--update-ratchet');
  const r = check(join(__dirname, '..'), { updateRatchet, allowGrowth: args.includes('--allow-growth') });
  if (r.stale.length && !updateRatchet) {
    console.error(`style check: ${r.stale.length} ratchet entr${r.stale.length === 1 ? 'y' : 'ies'} can shrink (run with --update-ratchet):`);
    for (const s of r.stale) console.error(`  ${s}`);
  }
  if (updateRatchet) console.error(`style check: wrote ${ratchetName}`);
  if (r.problems.length) {
    console.error(`style check: ${r.problems.length} problem(s)`);
    for (const p of r.problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.error(`style check: ${r.files} files clean`);
}

if (require.main === module) main();

module.exports = { check, ratchetName };
