/**
 * Our command table against the one a real 16.2.15 mon returned (ceph-traces/maps/
 * get_command_descriptions.json): every descriptor we can serve must come out of
 * get_command_descriptions exactly as the real mon's, since the `ceph` CLI validates argv against it.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { allMonCommands, formatCommandDescriptions, servedCommands, CmdFlag } from '../src/core/commands/table';

type Entry = { sig: unknown[]; help: string; module: string; perm: string; flags: number };
const real = JSON.parse(readFileSync(join(sharedDir(), 'ceph-traces', 'maps', 'get_command_descriptions.json'), 'utf8')) as Record<string, Entry>;
const realBySig = new Map<string, Entry>();
for (const e of Object.values(real)) realBySig.set(JSON.stringify(e.sig), e);

t.test('every table entry renders as the real mon renders it', async (t) => {
  const ours = JSON.parse(formatCommandDescriptions(allMonCommands)) as Record<string, Entry>;
  t.equal(Object.keys(ours).length, allMonCommands.length);
  let matched = 0;
  for (const e of Object.values(ours)) {
    const r = realBySig.get(JSON.stringify(e.sig));
    if (!r) {
      t.fail(`no real command with signature ${JSON.stringify(e.sig)}`);
      continue;
    }
    t.same(e, r, `${(e.sig.filter((x) => typeof x === 'string') as string[]).join(' ')}`);
    matched++;
  }
  t.ok(matched > 300, `${matched} descriptors matched`);
});

t.test('served commands: mgr commands we answer lose FLAG_MGR; numbering is cmdNNN', async (t) => {
  const served = servedCommands((p) => p === 'pg stat' || p === 'status');
  t.same(
    served.map((c) => [c.cmdstring, c.flags]),
    [
      ['pg stat', 0],
      ['status', 0],
    ],
  );
  t.equal(allMonCommands.find((c) => c.cmdstring === 'pg stat')!.flags & CmdFlag.MGR, CmdFlag.MGR);
  const text = formatCommandDescriptions(served);
  t.equal(
    text,
    '{"cmd000":{"sig":["pg","stat"],"help":"show placement group status.","module":"pg","perm":"r","flags":0},' +
      '"cmd001":{"sig":["status"],"help":"show cluster status","module":"mon","perm":"r","flags":0}}',
  );
});
