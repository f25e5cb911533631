/**
 * The commands of the mgr modules the monitor hosts, as a 16.2.15 mgr publishes them (the COMMANDS
 * table of src/pybind/mgr/crash/module.py): [cmddesc, help, module, perm, flags], flags FLAG_MGR.
 * A real mon lists them once its active mgr has sent its command descriptions.
 */
export const moduleCommandTable: readonly (readonly [string, string, string, string, number])[] = [
  ['crash info name=id,type=CephString', 'show crash dump metadata', 'mgr', 'r', 8],
  ['crash ls', 'Show new and archived crash dumps', 'mgr', 'r', 8],
  ['crash ls-new', 'Show new crash dumps', 'mgr', 'r', 8],
  ['crash post', 'Add a crash dump (use -i <jsonfile>)', 'mgr', 'rw', 8],
  ['crash prune name=keep,type=CephString', 'Remove crashes older than <keep> days', 'mgr', 'rw', 8],
  ['crash rm name=id,type=CephString', 'Remove a saved crash <id>', 'mgr', 'rw', 8],
  ['crash stat', 'Summarize recorded crashes', 'mgr', 'r', 8],
  ['crash json_report name=hours,type=CephString', 'Crashes in the last <hours> hours', 'mgr', 'r', 8],
  ['crash archive name=id,type=CephString', 'Acknowledge a crash and silence health warning(s)', 'mgr', 'w', 8],
  ['crash archive-all', 'Acknowledge all new crashes and silence health warning(s)', 'mgr', 'w', 8],
];
