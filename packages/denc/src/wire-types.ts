import { wireTypeTable } from './registry';
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
const wireType = wireTypeTable('denc');

wireType<UTime>('utime_t', decodeUTime, encodeUTime, () => [
  { sec: 0, nsec: 0 },
  { sec: 1_700_000_000, nsec: 123_456_789 },
  { sec: 0xffffffff, nsec: 999_999_999 },
]);

wireType('uuid_d', decodeUuid, encodeUuid, () => ['00000000-0000-0000-0000-000000000000', 'b6f5a4e2-1c3d-4e5f-8a9b-0c1d2e3f4a5b']);

wireType('entity_name_t', decodeEntityNameT, encodeEntityNameT, () => [
  { type: EntityType.CLIENT, num: -1 },
  { type: EntityType.OSD, num: 3 },
  { type: EntityType.MON, num: 0 },
]);

wireType('EntityName', decodeEntityName, encodeEntityName, () => [
  { type: EntityType.CLIENT, id: 'admin' },
  { type: EntityType.MON, id: '' },
  { type: EntityType.OSD, id: '12' },
]);

const addrSamples = () => [
  makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0),
  makeAddr(AddrType.LEGACY, '10.1.2.3', 6789, 12345),
  makeAddr(AddrType.ANY, '::1', 6800, 7),
  makeAddr(AddrType.MSGR2, 'fe80::1:2', 3300, 1),
];

wireType('entity_addr_t', decodeEntityAddr, encodeEntityAddr, addrSamples, { toJSON: (a) => ({ type: a.type, nonce: a.nonce, addr: formatAddr(a) }) });

wireType('entity_addrvec_t', decodeEntityAddrvec, encodeEntityAddrvec, () => [[], addrSamples(), [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300), makeAddr(AddrType.LEGACY, '127.0.0.1', 6789)]]);

wireType('entity_inst_t', decodeEntityInst, encodeEntityInst, () => [{ name: { type: EntityType.CLIENT, num: 4123 }, addr: makeAddr(AddrType.MSGR2, '127.0.0.1', 0, 99) }]);
