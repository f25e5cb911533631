// The style check (STYLE.md §1, §14): fails the build on
//  - a tsconfig without strict mode;
//  - `any` in source without a reason: write `// any: <why>` on the same or the previous line;
//  - @ts-nocheck anywhere, @ts-ignore / @ts-expect-error without a reason after it;
//  - an I/O import (fs, net, child_process, http, tls, dgram, worker_threads, level) or a direct
//    clock/timer call (Date.now, setTimeout, setInterval) in protocol-core code: every file under a
//    `core/` directory, and the pure packages (denc, crush, maps) outside their `tool/` and `bin/` folders;
//  - a source file longer than fileLinesMax lines.
'use strict';
const { readFileSync, readdirSync, statSync, existsSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

const root = join(__dirname, '..');
const fileLinesMax = 900;
const purePackages = ['denc', 'crush', 'maps'];
const ioModules = /^(node:)?(fs|fs\/promises|net|child_process|http|https|http2|tls|dgram|worker_threads|cluster|readline)$|^(level|classic-level)$/;
const problems = [];

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8'));
if (base.compilerOptions.strict !== true) problems.push('tsconfig.base.json: compilerOptions.strict must be true');
for (const pkg of readdirSync(join(root, 'packages'))) {
  const tc = join(root, 'packages', pkg, 'tsconfig.json');
  if (!existsSync(tc)) continue;
  const j = JSON.parse(readFileSync(tc, 'utf8'));
  if (j.compilerOptions && j.compilerOptions.strict === false) problems.push(`${relative(root, tc)}: strict turned off`);
  if (!existsSync(join(root, 'packages', pkg, 'README.md'))) problems.push(`packages/${pkg}: no README.md`);
}

function isCore(rel) {
  const parts = rel.split(sep);
  if (parts[0] !== 'packages' || parts[2] !== 'src') return false;
  if (parts.includes('core')) return true;
  return purePackages.includes(parts[1]) && parts[3] !== 'tool' && parts[3] !== 'bin';
}

const files = [...walk(join(root, 'packages')), ...walk(join(root, 'test')), ...walk(join(root, 'bench'))];
for (const f of files) {
  const rel = relative(root, f);
  const lines = readFileSync(f, 'utf8').split('\n');
  if (lines.length > fileLinesMax) problems.push(`${rel}: ${lines.length} lines (limit ${fileLinesMax}); split it`);
  const core = isCore(rel);
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
    const where = `${rel}:${i + 1}`;
    if (/@ts-nocheck/.test(line)) problems.push(`${where}: @ts-nocheck is not allowed`);
    if (/@ts-(ignore|expect-error)\s*$/.test(line)) problems.push(`${where}: @ts-ignore/@ts-expect-error needs a reason after it`);
    if (/(:\s*any\b|\bas any\b|<any>|\bany\[\]|Array<any>|Record<string,\s*any>)/.test(code)) {
      const prev = lines[i - 1] || '';
      if (!/\/\/\s*any:/.test(line) && !/\/\/\s*any:/.test(prev)) problems.push(`${where}: 'any' without a '// any: <reason>' comment`);
    }
    if (core) {
      const m = /(?:from\s+|require\()\s*['"]([^'"]+)['"]/.exec(line);
      const pureNet = /import\s*\{\s*(isIP|isIPv4|isIPv6)(\s*,\s*(isIP|isIPv4|isIPv6))*\s*\}\s*from\s*['"](node:)?net['"]/.test(line);
      if (m && ioModules.test(m[1]) && !pureNet) problems.push(`${where}: protocol-core code imports I/O module '${m[1]}'`);
      if (/\b(Date\.now|setTimeout|setInterval|setImmediate)\s*\(/.test(code)) problems.push(`${where}: protocol-core code reads the clock or sets a timer; take time as an input`);
    }
  });
}

if (problems.length) {
  console.error(`style check: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.error(`style check: ${files.length} files clean`);
