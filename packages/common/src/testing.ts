import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where the reference material lives: `$TS_CEPH_SHARED`, else the first `shared/` directory found
 * beside the repository or one of its parents (the steering layout puts it at ../shared).
 */
export function sharedDir(): string {
  const env = process.env.TS_CEPH_SHARED;
  if (env) return resolve(env);
  let d = resolve(__dirname);
  for (;;) {
    for (const cand of [join(d, 'shared'), join(d, '..', 'shared')]) {
      if (existsSync(join(cand, 'ceph-object-corpus'))) return resolve(cand);
    }
    const up = dirname(d);
    if (up === d) throw new Error('cannot find the shared reference directory (set TS_CEPH_SHARED)');
    d = up;
  }
}

/** The repository root (the directory holding the root package.json with workspaces). */
export function repoRoot(): string {
  let d = resolve(__dirname);
  for (;;) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'packages', 'common'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error('cannot find the repository root');
    d = up;
  }
}
