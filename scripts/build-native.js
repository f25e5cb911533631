// Builds the native addon (binding.gyp at the repository root) with node-gyp. Node's own headers
// (Debian's nodejs-dev / libnode-dev under /usr/include/node) are used when present, so the build
// never tries to download headers; liburing-dev and libargon2-dev come from scripts/setup.sh.
'use strict';
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const root = join(__dirname, '..');
if (!existsSync(join(root, 'binding.gyp'))) process.exit(0);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const configured = existsSync(join(root, 'build', 'config.gypi'));
const args = [gyp, configured ? 'build' : 'rebuild', '-j', '2'];
if (!process.env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
process.exit(r.status ?? 1);
