import { helloMethods } from './hello';
import { lockMethods } from './lock';
import { rbdMethods } from './rbd';
import { ClsMethod, ClsRegistry, OSD_CLASS_DEFAULT_LIST } from './registry';
import { versionMethods } from './version';
import { numopsMethods } from './numops';

/**
 * The object classes ts-osd serves: one file per class, one line here each. rbd, version, refcount
 * and the rgw bucket index slot in the same way (a `<name>Methods` table in `cls/<name>.ts`).
 */
export const builtinClasses: ReadonlyArray<readonly [string, Readonly<Record<string, ClsMethod>>]> = [
  ['hello', helloMethods],
  ['lock', lockMethods],
  ['rbd', rbdMethods],
  ['version', versionMethods],
  ['numops', numopsMethods],
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
