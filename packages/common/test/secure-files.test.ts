/**
 * Secrets at rest: findLoosePermissions walks a tree and reports what group or others can reach,
 * without following links; describeLoosePermissions says how to fix each, bounded in lines.
 */
import t from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLoosePermissions, findLoosePermissions } from '../src';

t.test('a private tree is clean; opened-up files and directories are each reported', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'secure-files-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const store = join(root, 'store.db');
  mkdirSync(store, { mode: 0o700 });
  writeFileSync(join(store, '000005.ldb'), 'secret', { mode: 0o600 });
  writeFileSync(join(root, 'keyring'), '[client.admin]\n', { mode: 0o600 });
  chmodSync(root, 0o700);
  symlinkSync('/etc/passwd', join(root, 'link'));
  t.same(findLoosePermissions([root]), [], 'owner-only everywhere; the link is not followed');
  chmodSync(store, 0o755);
  chmodSync(join(store, '000005.ldb'), 0o644);
  chmodSync(join(root, 'keyring'), 0o640);
  const loose = findLoosePermissions([root, join(root, 'missing')]);
  t.same(loose, [
    { path: join(root, 'keyring'), mode: 0o640, kind: 'file' },
    { path: store, mode: 0o755, kind: 'directory' },
    { path: join(store, '000005.ldb'), mode: 0o644, kind: 'file' },
  ]);
  const lines = describeLoosePermissions('mon.a', loose, 2);
  t.equal(lines.length, 3);
  t.equal(lines[0], `mon.a: file ${join(root, 'keyring')} holding secrets is mode 0640, open to group or others; run chmod 600 on it`);
  t.match(lines[1], /directory .*store\.db holding secrets is mode 0755, .*chmod 700/);
  t.equal(lines[2], 'mon.a: 1 more paths holding secrets are open to group or others');
  t.end();
});
