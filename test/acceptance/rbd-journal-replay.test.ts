/**
 * Journal replay through the stock `rbd` CLI on `ts-ceph bootstrap --osds 1`: a writer killed with
 * entries still in its image journal (the journal object class's data objects), whose entries are
 * inspected, exported, imported into a second image and replayed in both, which must end
 * byte-identical. The counts depend on when the kill lands, so this is not part of the transcript
 * that rbd-journal.test.ts compares with Ceph's.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '@ts-ceph/testkit';
import { startJournalCluster } from './rbd-journal-lib';

t.test('rbd journal replay on ts-ceph', async (t) => {
  const { base, env } = await startJournalCluster(t, 'ts-rbd-journal-replay-');
  const rbd = (args: string[]) => run('rbd', ['--rados-osd-op-timeout', '20', '-p', 'jrnl', ...args], { env, timeoutMs: 60_000 });
  const ok = async (args: string[]): Promise<string> => {
    const r = await rbd(args);
    t.equal(r.code, 0, `rbd ${args.join(' ')}: ${r.stderr.slice(-1500)}`);
    return r.stdout;
  };

  t.test('a killed writer\'s journal: inspect, export, import, replay', async (t) => {
    await ok(['create', '--size', '16M', '--image-feature', 'exclusive-lock,journaling', 'crash']);
    await ok(['create', '--size', '16M', '--image-feature', 'exclusive-lock,journaling', 'copy']);
    // A writer killed mid-run leaves journal entries past its last commit position. Its total is
    // far more than 2 s of writes: 16 MiB (4096 writes) finished before the kill on a fast host.
    const writer = spawn('rbd', ['-p', 'jrnl', 'bench', '--io-type', 'write', '--io-size', '4K', '--io-total', '1G', '--io-threads', '4', '--io-pattern', 'rand', 'crash'], { env, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    await sleep(2000);
    writer.kill('SIGKILL');
    await exited;
    const entries = (out: string): number => Number(/(\d+) entries (?:inspected|processed), 0 errors/.exec(out)?.[1] ?? -1);
    const left = entries(await ok(['journal', 'inspect', '--image', 'crash']));
    t.ok(left > 0, `the killed writer left ${left} entries in its journal, none unreadable`);
    const file = join(base, 'crash.journal');
    t.equal(entries(await ok(['journal', 'export', '--image', 'crash', '--path', file])), left, 'export writes every entry');
    const imported = await run('rbd', ['journal', 'import', '--dest-pool', 'jrnl', '--dest', 'copy', file], { env, timeoutMs: 60_000 });
    t.equal(imported.code, 0, `rbd journal import: ${imported.stderr.slice(-1500)}`);
    // Taking the exclusive lock (a snapshot needs it) replays the journal into the image.
    for (const img of ['crash', 'copy']) await ok(['snap', 'create', '--no-progress', `${img}@after`]);
    t.equal(entries(await ok(['journal', 'inspect', '--image', 'crash'])), 0, 'replayed: nothing left past the commit position');
    const exportOf = async (img: string): Promise<Buffer> => {
      const f = join(base, `${img}.img`);
      await ok(['export', '--no-progress', img, f]);
      return readFileSync(f);
    };
    const [a, b] = [await exportOf('crash'), await exportOf('copy')];
    t.ok(a.some((x) => x !== 0), 'the writes reached the image');
    t.ok(a.equals(b), 'replaying the same journal gives the same image');
  });
});
