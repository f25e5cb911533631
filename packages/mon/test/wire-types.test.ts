/**
 * The mon's registered wire types against the Ceph object corpus (the repository-wide corpus test
 * does the same for every package; this keeps the mon's own check fast and local).
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { wireTypes, decodeType, encodeType } from '@ts-ceph/denc';
import '../src/index';

for (const wt of wireTypes.all().filter((w) => w.owner === 'mon')) {
  t.test(wt.name, async (t) => {
    const dir = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', wt.name);
    t.ok(existsSync(dir), 'corpus has samples');
    for (const f of readdirSync(dir)) {
      const b = readFileSync(join(dir, f));
      t.ok(encodeType(wt, decodeType(wt, b)).equals(b), `16.2.0/${f}`);
    }
    const d19 = join(sharedDir(), 'ceph-object-corpus', '19.2.0', 'objects', wt.name);
    if (existsSync(d19)) for (const f of readdirSync(d19)) t.doesNotThrow(() => decodeType(wt, readFileSync(join(d19, f))), `19.2.0/${f}`);
    for (const s of wt.samples()) {
      const b = encodeType(wt, s);
      t.ok(encodeType(wt, decodeType(wt, b)).equals(b), 'hand sample');
    }
  });
}
