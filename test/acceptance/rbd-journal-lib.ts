/**
 * The rbd journaling and mirroring scenario that rbd-journal.test.ts runs on ts-ceph against a
 * transcript recorded from Ceph 16.2.15, and rbd-journal-ref.test.ts on Ceph against the same: the
 * stock `rbd` CLI (librbd 16.2.15) through an image journal (create with journaling, writes,
 * `journal info/status/export/reset`, feature disable/enable), pool and image mirroring in
 * journal and snapshot mode (demote/promote, which create journal tags), and mirror peers (with a
 * remote mon and key kept in config-key, and a bootstrap token; no second cluster is needed).
 *
 * Each step prints `### rbd ARGS`, `rc=N`, the stdout lines, then the stderr lines sorted (librbd
 * logs from several threads, in no fixed order) without their time and thread prefix. Values that
 * differ between any two runs are masked in the order they first appear: uuids ({uuid1} ...),
 * image ids ({id1} ...), the pool id in journal object names, timestamps, bench rates and the
 * peer bootstrap token (base64 JSON with the fsid, a new key and the mon address).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { Test } from 'tap';
import { requireBinary, run, tempDir } from '@ts-ceph/testkit';
import { tsCephBin } from './mon-lib';

/** A step: the rbd arguments, with `{name}` replaced by what an earlier step captured. */
interface Step {
  args: string[];
  /** Keep this step's first stdout line under this name. */
  capture?: string;
}

const s = (line: string, capture?: string): Step => ({ args: line.split(' '), capture });

export const journalScenario: Step[] = [
  s('create --size 64M --image-feature exclusive-lock,journaling j1'),
  s('journal info --image j1'),
  s('bench --io-type write --io-size 4K --io-total 256K --io-threads 1 --io-pattern seq j1'),
  s('journal status --image j1'),
  s('journal export --image j1 --path {dir}/j1.journal'),
  s('journal reset --image j1'),
  s('journal status --image j1'),
  s('feature disable j1 journaling'),
  s('feature enable j1 journaling'),
  s('create --size 16M --image-feature layering,exclusive-lock j2'),
  s('mirror pool enable image'),
  s('mirror image enable j1 journal'),
  s('mirror pool status --verbose'),
  s('mirror image enable j2 snapshot'),
  s('mirror image status j2'),
  s('mirror image enable j1 snapshot'),
  s('mirror image demote j1'),
  s('bench --io-type write --io-size 4K --io-total 16K --io-threads 1 j1'),
  s('mirror image promote j1'),
  s('bench --io-type write --io-size 4K --io-total 64K --io-threads 1 --io-pattern seq j1'),
  s('journal status --image j1'),
  s('journal client disconnect --image j1 --client-id nosuch'),
  s('mirror pool peer add client.remote@site-a', 'peer'),
  s('mirror pool peer set {peer} client client.other'),
  s('mirror pool peer set {peer} site-name site-b'),
  s('mirror pool peer set {peer} direction rx-only'),
  s('mirror pool peer set 00000000-0000-0000-0000-000000000000 client client.x'),
  s('mirror pool info --format json'),
  s('mirror pool disable'),
  s('mirror pool peer remove {peer}'),
  s('mirror pool peer add client.remote@site-x --remote-mon-host 127.0.0.1:9999 --remote-key-file {dir}/peer.key', 'peer2'),
  s('mirror pool info --all'),
  s('mirror pool peer remove {peer2}'),
  s('mirror pool peer bootstrap create --site-name site-local'),
  s('mirror pool info'),
  s('mirror image disable j1'),
  s('rm --no-progress j1'),
  s('mirror pool disable'),
];

/** A log line's "2026-12-07T00:11:46.123+0000 7f18... -1 " prefix. */
const logPrefix = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d{4} [0-9a-f]+ -?\d+ /;

/**
 * stderr's lines. Ceph's log thread writes a log line (with its newline) in one write(), while
 * `rbd` writes its own message to the unbuffered cerr piece by piece, so log lines can land inside
 * one of rbd's lines ("rbd: failed to flush: " + one or more log lines + "(1) Operation not
 * permitted"): the run of log lines is taken out, each as a line of its own, and rbd's line joined
 * again.
 */
export function stderrLines(stderr: string): string[] {
  const embedded: string[] = [];
  const rest = stderr.replace(new RegExp(`(?<=[^\n])(?:${logPrefix.source}[^\n]*\n)+`, 'g'), (run) => {
    embedded.push(...run.slice(0, -1).split('\n'));
    return '';
  });
  return [...rest.split('\n'), ...embedded].filter((l) => l.length > 0).map(stderrLine);
}

/** A log line without its prefix, object addresses masked. */
function stderrLine(l: string): string {
  return l.replace(new RegExp(`^${logPrefix.source}`), '').replace(/0x[0-9a-f]+/g, '0xADDR');
}

/** Run the scenario with `rbd -p pool` against the cluster of `env`; the transcript, unmasked. */
export async function runJournalScenario(env: NodeJS.ProcessEnv, pool: string, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  // A peer's cephx key, kept by librbd in the mon's config-key store (rbd/mirror/peer/...).
  writeFileSync(join(dir, 'peer.key'), 'AQBdv8FfAAAAABAAhHUSSuTHG5zC3lJ9UZ/5Ww==');
  const vars = new Map<string, string>([['dir', dir]]);
  const out: string[] = [];
  for (const step of journalScenario) {
    const args = step.args.map((a) => a.replace(/\{(\w+)\}/g, (m, k: string) => vars.get(k) ?? m));
    const r = await run('rbd', ['--rados-osd-op-timeout', '20', '-p', pool, ...args], { env, timeoutMs: 60_000 });
    out.push(`### rbd ${step.args.join(' ')}`, `rc=${r.code}`);
    out.push(...r.stdout.split('\n').filter((l) => l.length > 0));
    out.push(...stderrLines(r.stderr).sort());
    if (step.capture) vars.set(step.capture, r.stdout.split('\n')[0].trim());
  }
  const rados = await run('rados', ['-p', pool, 'ls'], { env, timeoutMs: 60_000 });
  out.push('### rados ls | journal objects', `rc=${rados.code}`, String(rados.stdout.split('\n').filter((l) => l.startsWith('journal')).length));
  return out;
}

/** Mask what differs between runs (see the file comment), numbering values by first appearance. */
export function maskTranscript(lines: string[]): string[] {
  const tokens = new Map<string, string>();
  const counts = { uuid: 0, id: 0 };
  const token = (kind: 'uuid' | 'id', v: string): string => {
    let t = tokens.get(v);
    if (t === undefined) {
      t = `{${kind}${++counts[kind]}}`;
      tokens.set(v, t);
    }
    return t;
  };
  return lines
    .filter((l) => !/^\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+ \S+\/s$/.test(l))
    .map((l) =>
      l
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => token('uuid', u))
        // librbd's image id is the client's instance id then a random 32-bit number, both in hex
        // without padding (librbd util::generate_image_id): not always 12 digits (11 seen), so it
        // is found by where it stands (the journal's name and objects), not by its length.
        .replace(/(?<=journal '|journal\.|journal_data\.\d+\.)[0-9a-f]+\b/g, (id) => token('id', id))
        .replace(/journal_data\.\d+\./g, 'journal_data.{pool}.')
        .replace(/^eyJ[A-Za-z0-9+/=]+$/, '{bootstrap token}')
        .replace(/\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}/g, '{time}')
        .replace(/^elapsed: \d+ +ops: (\d+) +ops\/sec: \S+ +bytes\/sec: .*$/, 'elapsed: {s}   ops: $1   ops/sec: {rate}'),
    );
}

/** The transcript recorded from Ceph 16.2.15 (rbd-journal-ref.test.ts rewrites it with RBD_JOURNAL_RECORD=1). */
export const recordedTranscript = join(repoRoot(), 'test', 'acceptance', 'rbd-journal.ceph-16.2.15.txt');

/** The lines of `ours` and `theirs` that differ, as "- theirs" / "+ ours" pairs. */
export function differing(theirs: string[], ours: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(theirs.length, ours.length); i++) {
    if (theirs[i] === ours[i]) continue;
    out.push(`line ${i + 1}:`, `- ${theirs[i] ?? '(missing)'}`, `+ ${ours[i] ?? '(missing)'}`);
  }
  return out;
}

/** What a test needs of its cluster: its working folder (scratch files go there) and the clients' environment. */
export interface JournalCluster {
  base: string;
  env: NodeJS.ProcessEnv;
}

/**
 * `ts-ceph bootstrap --osds 1` in a fresh folder with the pool `jrnl` made and initialised for rbd,
 * stopped and removed when `t` ends.
 */
export async function startJournalCluster(t: Test, prefix: string): Promise<JournalCluster> {
  for (const b of ['ceph', 'rbd', 'rados']) requireBinary(b);
  const { path: base, cleanup } = tempDir(prefix);
  const dir = join(base, 'cluster');
  const tsCeph = (args: string[]) => run(process.execPath, [tsCephBin, ...args], { timeoutMs: 120_000, env: { ...process.env, TS_CEPH_MON_PORT: '0' } });
  const boot = await tsCeph(['bootstrap', '--dir', dir, '--osds', '1']);
  t.teardown(async () => {
    if (existsSync(join(dir, 'ceph.conf'))) await tsCeph(['down', '--dir', dir]);
    cleanup();
  });
  t.equal(boot.code, 0, `ts-ceph bootstrap: ${boot.stderr.slice(-2000)}`);
  const env: NodeJS.ProcessEnv = { ...process.env, CEPH_CONF: join(dir, 'ceph.conf'), CEPH_KEYRING: join(dir, 'ceph.client.admin.keyring') };
  t.equal((await run('ceph', ['osd', 'pool', 'create', 'jrnl', '8'], { env })).code, 0, 'pool jrnl created');
  t.equal((await run('rbd', ['pool', 'init', 'jrnl'], { env })).code, 0, 'rbd pool init jrnl');
  return { base, env };
}
