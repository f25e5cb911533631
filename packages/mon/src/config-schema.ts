/**
 * Loads the option schema shipped in data/config-options.jsonl (generated from a real 16.2.15 mon by
 * tool/dump-config-options.py). Read once per process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OptionSchema, OptionTable } from './core/config/options';

let cached: OptionTable | undefined;

export function loadOptionTable(): OptionTable {
  if (cached) return cached;
  const file = join(__dirname, '..', '..', 'data', 'config-options.jsonl');
  const opts = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as OptionSchema);
  cached = new OptionTable(opts);
  return cached;
}
