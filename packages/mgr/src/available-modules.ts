import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleInfo } from '@ts-ceph/maps';
import { ModuleInfoJSON, moduleInfoFromJSON } from './core/active-mgr';

let cached: ModuleInfoJSON[] | undefined;

/**
 * The modules a 16.2.15 ceph-mgr (Debian bookworm) reports as available, with their options:
 * data/available-modules.json is its `ceph mgr dump` available_modules (../shared/ceph-traces/maps).
 * We list them all so `ceph mgr module ls` and `mgr dump` read as Ceph's; which of them ts-ceph
 * actually runs is the modules' business (src/modules/).
 */
export function availableModules(): ModuleInfo[] {
  cached ??= JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'available-modules.json'), 'utf8')) as ModuleInfoJSON[];
  return cached.map(moduleInfoFromJSON);
}
