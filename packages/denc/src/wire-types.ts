import { registerType } from './registry';
import { decodeUTime, encodeUTime, UTime } from './types/time';
import { decodeUuid, encodeUuid } from './types/uuid';
import { decodeEntityName, decodeEntityNameT, encodeEntityName, encodeEntityNameT, EntityType } from './types/names';
import {
  AddrType,
  decodeEntityAddr,
  decodeEntityAddrvec,
  decodeEntityInst,
  encodeEntityAddr,
  encodeEntityAddrvec,
  encodeEntityInst,
  formatAddr,
  makeAddr,
} from './types/addr';

/** The core value types every protocol uses, registered under their corpus names. */
const owner = 'denc';

registerType<UTime>({
  name: 'utime_t',
  owner,
  decode: (r) => decodeUTime(r),
  encode: encodeUTime,
  samples: () => [
    { sec: 0, nsec: 0 },
    { sec: 1_700_000_000, nsec: 123_456_789 },
    { sec: 0xffffffff, nsec: 999_999_999 },
  ],
});

registerType({
  name: 'uuid_d',
  owner,
  decode: (r) => decodeUuid(r),
  encode: encodeUuid,
  samples: () => ['00000000-0000-0000-0000-000000000000', 'b6f5a4e2-1c3d-4e5f-8a9b-0c1d2e3f4a5b'],
});

registerType({
  name: 'entity_name_t',
  owner,
  decode: (r) => decodeEntityNameT(r),
  encode: encodeEntityNameT,
  samples: () => [
    { type: EntityType.CLIENT, num: -1 },
    { type: EntityType.OSD, num: 3 },
    { type: EntityType.MON, num: 0 },
  ],
});

registerType({
  name: 'EntityName',
  owner,
  decode: (r) => decodeEntityName(r),
  encode: encodeEntityName,
  samples: () => [
    { type: EntityType.CLIENT, id: 'admin' },
    { type: EntityType.MON, id: '' },
    { type: EntityType.OSD, id: '12' },
  ],
});

const addrSamples = () => [
  makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0),
  makeAddr(AddrType.LEGACY, '10.1.2.3', 6789, 12345),
  makeAddr(AddrType.ANY, '::1', 6800, 7),
  makeAddr(AddrType.MSGR2, 'fe80::1:2', 3300, 1),
];

registerType({
  name: 'entity_addr_t',
  owner,
  decode: (r) => decodeEntityAddr(r),
  encode: encodeEntityAddr,
  toJSON: (a) => ({ type: a.type, nonce: a.nonce, addr: formatAddr(a) }),
  samples: addrSamples,
});

registerType({
  name: 'entity_addrvec_t',
  owner,
  decode: (r) => decodeEntityAddrvec(r),
  encode: encodeEntityAddrvec,
  samples: () => [[], addrSamples(), [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300), makeAddr(AddrType.LEGACY, '127.0.0.1', 6789)]],
});

registerType({
  name: 'entity_inst_t',
  owner,
  decode: (r) => decodeEntityInst(r),
  encode: encodeEntityInst,
  samples: () => [{ name: { type: EntityType.CLIENT, num: 4123 }, addr: makeAddr(AddrType.MSGR2, '127.0.0.1', 0, 99) }],
});
