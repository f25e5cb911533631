import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ts-ceph/testkit';

/** A sparse file of `bytes` in a temporary directory that the test's teardown removes: a device to open. */
export function scratchDevice(t: { teardown(fn: () => void): void }, bytes: number): string {
  const d = tempDir();
  t.teardown(d.cleanup);
  const p = join(d.path, 'block');
  writeFileSync(p, '');
  truncateSync(p, bytes);
  return p;
}
