// pgRunEnv (core/op-engine.ts): the env of one run of a client op, as rep-ops.ts dispatch builds it
// for every op. It must carry what the spread it replaced carried, and every env must have one
// hidden class: the spread `{ ...env, epoch, obc, isBlocklisted }` gave each op three new V8 maps
// (bench/osd-profile.md "Map churn per op").
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { makeAddr } from '@ts-ceph/denc';
import { OpEnv, pgRunEnv } from '../src/core/op-engine';
import { ObjectContextCache } from '../src/core/obc-cache';
import { allowAll, testNow } from './lib/harness';

const origin = { name: { type: 8, num: 4100 }, addr: makeAddr(2, '127.0.0.1', 50000, 7) };
const full: Omit<OpEnv, 'epoch'> = {
  now: testNow,
  pool: undefined,
  session: allowAll,
  origin,
  log: () => undefined,
  client: {},
  failsafeFull: false,
  scrubLs: () => ({ result: 0, out: Buffer.alloc(0) }),
};
const bare: Omit<OpEnv, 'epoch'> = { origin, session: allowAll, pool: undefined, now: testNow };

t.test('pgRunEnv carries what { ...env, epoch, obc, isBlocklisted } carried', async (t) => {
  const obc = new ObjectContextCache();
  const bl = (): boolean => false;
  for (const [name, e] of [['every field', full], ['only the required ones, in another order', bare]] as const) {
    const got = pgRunEnv(e, 42, obc, bl);
    const spread: Record<string, unknown> = { ...e, epoch: 42, obc, isBlocklisted: bl };
    for (const k of new Set([...Object.keys(got), ...Object.keys(spread)])) t.equal((got as unknown as Record<string, unknown>)[k], spread[k], `${name}: ${k}`);
  }
  t.equal(pgRunEnv(bare, 7, undefined, undefined).obc, undefined, 'no object contexts stays none');
});

t.test('every env pgRunEnv builds has one hidden class, where a spread gave ops other ones', async (t) => {
  // %HaveSameMap needs --allow-natives-syntax: a child with the flag builds the envs.
  const engine = JSON.stringify(join(__dirname, '..', 'src', 'core', 'op-engine'));
  const script = `
    const { pgRunEnv } = require(${engine});
    // Fresh driver envs of one shape, as runOp makes one per op, and one of another shape.
    const a = () => ({ now: 1, pool: undefined, session: {}, origin: {}, log: () => 0, client: {}, failsafeFull: false });
    const b = { origin: {}, session: {}, pool: undefined, now: 2, scrubLs: () => 0 };
    const spread = (e) => ({ ...e, epoch: 1, obc: undefined, isBlocklisted: undefined });
    const ours = [pgRunEnv(b, 2, {}, () => false)];
    const theirs = [];
    for (let i = 0; i < 20; i++) { ours.push(pgRunEnv(a(), i, undefined, undefined)); theirs.push(spread(a())); }
    process.stdout.write(JSON.stringify({ ours: ours.filter((x) => !%HaveSameMap(x, ours[0])).length, spread: theirs.filter((x) => !%HaveSameMap(x, theirs[0])).length }));`;
  const r = JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script]).toString()) as { ours: number; spread: number };
  t.equal(r.ours, 0, 'pgRunEnv: one map for 21 envs, of two driver shapes');
  t.ok(r.spread > 0, `the spread: ${r.spread} of 20 envs of one driver shape got another map than the first (the check can fail)`);
});
