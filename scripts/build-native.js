// Builds the native addon (binding.gyp) when there is one; the TypeScript build does not need it.
'use strict';
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const root = join(__dirname, '..');
if (!existsSync(join(root, 'binding.gyp'))) process.exit(0);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const configured = existsSync(join(root, 'build', 'config.gypi'));
const r = spawnSync(process.execPath, [gyp, configured ? 'build' : 'rebuild', '-j', '2'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(r.status ?? 1);
