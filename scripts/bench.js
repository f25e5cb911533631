// npm run bench -- <name> [args]: run bench/dist/src/<name>/*-bench.js (crush, maps, messenger, store, osd, rbd, rgw).
// Each benchmark measures ts-ceph beside the real tool or reference in the same run and writes its
// section of bench/RESULTS.md (some only with --write; see the bench's usage line).
'use strict';
const { readdirSync, existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const dir = join(__dirname, '..', 'bench', 'dist', 'src');
const [name, ...args] = process.argv.slice(2);
const names = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).filter((d) => readdirSync(join(dir, d)).some((f) => f.endsWith('-bench.js'))) : [];
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- <${names.join('|') || 'name'}> [args]   (run npm run build first)`);
  process.exit(2);
}
const file = readdirSync(join(dir, name)).find((f) => f.endsWith('-bench.js'));
const r = spawnSync(process.execPath, [join(dir, name, file), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
