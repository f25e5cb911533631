/**
 * The monitor's own option values with Ceph's precedence (md_config_t levels): command line and
 * ceph.conf beat the config database (CONF_MON), which beats the compiled-in default. Values are
 * normalised with Option::parse_value, so "1M" for a size reads back as 1048576.
 */
import { assert } from '@ts-ceph/common/core';
import { OptionTable, defaultText, parseOptionValue } from './options';

export class EffectiveConfig {
  constructor(
    readonly table: OptionTable,
    /** Values from the command line and ceph.conf, by option name. */
    readonly fileValues: Map<string, string>,
    /** Values the config database holds for this daemon (re-read at every lookup). */
    private readonly dbValues: () => Map<string, string> = () => new Map(),
    private readonly isClient = false,
  ) {}

  /** The normalised text of `name`. Unknown names are our bug (every option we read is in the table). */
  text(name: string): string {
    const o = this.table.find(name);
    assert(o, `unknown option ${name}`);
    const raw = this.fileValues.get(name);
    if (raw !== undefined) {
      try {
        return parseOptionValue(o, raw);
      } catch {
        // A bad ceph.conf value falls back to the database/default, as Ceph logs and ignores it.
      }
    }
    const db = this.dbValues().get(name);
    if (db !== undefined) return db;
    return defaultText(o, this.isClient);
  }

  str(name: string): string {
    return this.text(name);
  }
  int(name: string): number {
    return Number(this.text(name));
  }
  float(name: string): number {
    return Number(this.text(name));
  }
  bool(name: string): boolean {
    return this.text(name) === 'true';
  }

  /** Set a value as if it came from the command line (tests, injectargs). */
  set(name: string, value: string): void {
    this.fileValues.set(name, value);
  }
}
