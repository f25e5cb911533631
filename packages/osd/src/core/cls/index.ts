import { helloMethods } from './hello';
import { lockMethods } from './lock';
import { rbdMethods } from './rbd';
import { ClsMethod, ClsRegistry, OSD_CLASS_DEFAULT_LIST } from './registry';
import { versionMethods } from './version';
import { numopsMethods } from './numops';
import { refcountMethods } from './refcount';
import { logMethods } from './log';
import { timeindexMethods } from './timeindex';
import { userMethods } from './user';
import { otpMethods } from './otp';
import { journalMethods } from './journal';

/**
 * The object classes ts-osd serves: one file per class, one line here each (a `<name>Methods` table
 * in `cls/<name>.ts`, its types beside it); the rgw bucket index will slot in the same way.
 */
export const builtinClasses: ReadonlyArray<readonly [string, Readonly<Record<string, ClsMethod>>]> = [
  ['hello', helloMethods],
  ['lock', lockMethods],
  ['rbd', rbdMethods],
  ['version', versionMethods],
  ['numops', numopsMethods],
  ['refcount', refcountMethods],
  ['log', logMethods],
  ['timeindex', timeindexMethods],
  ['user', userMethods],
  ['otp', otpMethods],
  ['journal', journalMethods],
];

/** A registry with every built-in class; `defaultList` is osd_class_default_list. */
export function builtinClsRegistry(defaultList: string = OSD_CLASS_DEFAULT_LIST): ClsRegistry {
  const r = new ClsRegistry(defaultList);
  for (const [name, methods] of builtinClasses) r.registerClass(name, methods);
  return r;
}

export * from './context';
export * from './registry';
export * from './call';
export * from './hello';
export * from './lock-types';
export * from './lock';
export { rbdMethods } from './rbd';
export * from './version';
export * from './numops';
export * from './refcount';
export * from './log-types';
export * from './log';
export * from './timeindex';
export * from './user-types';
export * from './user';
export * from './otp-types';
export * from './otp';
export * from './journal-types';
export { journalMethods } from './journal';
