/** Peering scenarios as transcripts (testdata/*.txt); TS_CEPH_REGEN=1 rewrites them. */
import t from 'tap';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';
import { runTranscript } from './transcript';

const dir = join(repoRoot(), 'test/sim/testdata');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
  t.test(f, async (t) => {
    const want = readFileSync(join(dir, f), 'utf8');
    const got = await runTranscript(want);
    if (process.env.TS_CEPH_REGEN === '1') writeFileSync(join(dir, f), got);
    else t.equal(got, want);
  });
}
