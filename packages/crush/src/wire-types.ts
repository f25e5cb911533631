/**
 * The crush package's wire types (STYLE §3): CrushWrapper, as the corpus names it. Ceph's encoding is
 * deterministic (maps are iterated sorted), so 16.2.0 samples must re-encode byte-identically.
 */
import { registerType, toJSONSafe } from '@ts-ceph/denc';
import { decodeCrushWrapper, encodeCrushWrapper } from './encoding';
import { buildSimpleCrushMap } from './simple';
import { CrushWrapper } from './wrapper';
import { createChooseArgs } from './choose-args';
import { updateDeviceClass } from './classes';

registerType<CrushWrapper>({
  name: 'CrushWrapper',
  owner: 'crush',
  decode: (r) => decodeCrushWrapper(r),
  encode: encodeCrushWrapper,
  toJSON: (cw) => toJSONSafe({ ...cw, work: undefined }),
  samples: () => {
    const empty = CrushWrapper.create();
    const simple = buildSimpleCrushMap(3);
    const classed = buildSimpleCrushMap(4);
    updateDeviceClass(classed, 0, 'ssd', 'osd.0');
    updateDeviceClass(classed, 1, 'hdd', 'osd.1');
    createChooseArgs(classed, -1, 1);
    createChooseArgs(classed, 7, 2);
    return [empty, simple, classed];
  },
});
