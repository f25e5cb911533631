/**
 * The options of the mgr modules the monitor hosts (MODULE_OPTIONS of
 * src/pybind/mgr/prometheus/module.py and src/pybind/mgr/crash/module.py), so `ceph config set mgr
 * mgr/prometheus/server_port N` is accepted as a 16.2.15 mon accepts it once the mgr has published
 * them (ConfigMonitor falls back to MgrMonitor::find_module_option).
 */
import type { OptionSchema, OptionType } from '../config/options';

function moduleOption(module: string, name: string, type: OptionType, def: string | number | boolean, desc = ''): OptionSchema {
  return {
    name: `mgr/${module}/${name}`,
    type,
    level: 'advanced',
    desc,
    long_desc: '',
    default: def,
    daemon_default: '',
    tags: [],
    services: ['mgr'],
    see_also: [],
    min: '',
    max: '',
    can_update_at_runtime: true,
    flags: [],
  };
}

const MODULE_OPTIONS: OptionSchema[] = [
  moduleOption('prometheus', 'server_addr', 'str', ''),
  moduleOption('prometheus', 'server_port', 'int', ''),
  moduleOption('prometheus', 'scrape_interval', 'float', 15.0),
  moduleOption('prometheus', 'stale_cache_strategy', 'str', 'log'),
  moduleOption('prometheus', 'cache', 'bool', true),
  moduleOption('prometheus', 'rbd_stats_pools', 'str', ''),
  moduleOption('prometheus', 'rbd_stats_pools_refresh_interval', 'int', 300),
  moduleOption('prometheus', 'standby_behaviour', 'str', 'default'),
  moduleOption('prometheus', 'standby_error_status_code', 'int', 500),
  moduleOption('crash', 'warn_recent_interval', 'secs', 60 * 60 * 24 * 14, 'time interval in which to warn about recent crashes'),
  moduleOption('crash', 'retain_interval', 'secs', 60 * 60 * 24 * 365, 'how long to retain crashes before pruning them'),
];

const byName = new Map(MODULE_OPTIONS.map((o) => [o.name, o]));

/** MgrMonitor::find_module_option for the hosted modules. */
export function findModuleOption(name: string): OptionSchema | undefined {
  return byName.get(name);
}
