import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CEPH_FEATURES_ALL, Reader, UTime, utimeFromMs } from '@ts-ceph/denc';
import { adjustItemWeightf, decodeCrushMap, encodeCrushMap } from '@ts-ceph/crush';
import { JsonFormatter, dumpJson } from '../format/formatter';
import { dumpOsdTree, printOsdTree } from '../osdmap/tree';
import { applyIncremental } from '../osdmap/apply';
import { buildSimple } from '../osdmap/build';
import { decodeOSDMap, encodeOSDMap } from '../osdmap/codec';
import { crushOf, setCrush } from '../osdmap/crush';
import { dumpOSDMap } from '../osdmap/dump';
import { newIncremental } from '../osdmap/incremental-types';
import { printOSDMap } from '../osdmap/print';
import { CEPH_OSD_IN, CEPH_OSD_OUT, OSDMap, OsdState, newOSDMap, setWeight } from '../osdmap/types';
import { PgT, formatPg, parsePg } from '../types/pg';
import { cleanPgUpmaps } from '../osdmap/clean';
import { Incremental } from '../osdmap/incremental-types';
import { ArgError, ArgParser } from './args';
import { MapCommands, testMapObject, testMapPg, testMapPgs } from './map-tests';

/**
 * ts-osdmaptool: Ceph's osdmaptool (src/tools/osdmaptool.cc) for creating, printing and dumping
 * OSDMaps and for testing placement, with the same options, output and exit codes. Computing upmaps
 * (--upmap, --upmap-cleanup), --range-first/last, --health and the like are not implemented and say so.
 */

export interface ToolIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** The clock (created/modified of a new map). */
  now(): UTime;
}

export const processIO: ToolIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  now: () => utimeFromMs(Date.now()),
};

const USAGE = [
  " usage: [--print] <mapfilename>",
  "   --create-from-conf      creates an osd map with default configurations",
  "   --createsimple <numosd> [--clobber] [--pg-bits <bitsperosd>] [--pgp-bits <bits>] creates a relatively generic OSD map with <numosd> devices",
  "   --pgp-bits <bits>       pgp_num map attribute will be shifted by <bits>",
  "   --pg-bits <bits>        pg_num map attribute will be shifted by <bits>",
  "   --clobber               allows osdmaptool to overwrite <mapfilename> if it already exists",
  "   --export-crush <file>   write osdmap's crush map to <file>",
  "   --import-crush <file>   replace osdmap's crush map with <file>",
  "   --health                dump health checks",
  "   --test-map-pgs [--pool <poolid>] [--pg_num <pg_num>] [--range-first <first> --range-last <last>] map all pgs",
  "   --test-map-pgs-dump [--pool <poolid>] [--range-first <first> --range-last <last>] map all pgs",
  "   --test-map-pgs-dump-all [--pool <poolid>] [--range-first <first> --range-last <last>] map all pgs to osds",
  "   --mark-up-in            mark osds up and in (but do not persist)",
  "   --mark-out <osdid>      mark an osd as out (but do not persist)",
  "   --mark-up <osdid>       mark an osd as up (but do not persist)",
  "   --mark-in <osdid>       mark an osd as in (but do not persist)",
  "   --with-default-pool     include default pool when creating map",
  "   --clear-temp            clear pg_temp and primary_temp",
  "   --clean-temps           clean pg_temps",
  "   --test-random           do random placements",
  "   --test-map-pg <pgid>    map a pgid to osds",
  "   --test-map-object <objectname> [--pool <poolid>] map an object to osds",
  "   --upmap-cleanup <file>  clean up pg_upmap[_items] entries, writing",
  "                           commands to <file> [default: - for stdout]",
  "   --upmap <file>          calculate pg upmap entries to balance pg layout",
  "                           writing commands to <file> [default: - for stdout]",
  "   --upmap-max <max-count> set max upmap entries to calculate [default: 10]",
  "   --upmap-deviation <max-deviation>",
  "                           max deviation from target [default: 5]",
  "   --upmap-pool <poolname> restrict upmap balancing to 1 or more pools",
  "   --upmap-active          Act like an active balancer, keep applying changes until balanced",
  "   --dump <format>         displays the map in plain text when <format> is 'plain', 'json' if specified format is not supported",
  "   --tree                  displays a tree of the map",
  "   --test-crush [--range-first <first> --range-last <last>] map pgs to acting osds",
  "   --adjust-crush-weight <osdid:weight>[,<osdid:weight>,<...>] change <osdid> CRUSH <weight> (but do not persist)",
  "   --save                  write modified osdmap with upmap or crush-adjust changes",
].join('\n');

interface Opts {
  print: boolean;
  dumpFormat: string | undefined;
  tree: boolean;
  treeFormat: string | undefined;
  createsimple: boolean;
  createpool: boolean;
  numOsd: number;
  pgBits: number;
  pgpBits: number;
  clobber: boolean;
  exportCrush: string;
  importCrush: string;
  markUpIn: boolean;
  markedOut: number;
  markedUp: number;
  markedIn: number;
  clearTemp: boolean;
  upmapCleanup: string | undefined;
  cmds: MapCommands;
  unsupported: string[];
  rest: string[];
}

function parseArgs(argv: string[]): Opts {
  const o: Opts = {
    print: false,
    dumpFormat: undefined,
    tree: false,
    treeFormat: undefined,
    createsimple: false,
    createpool: false,
    numOsd: 0,
    pgBits: 6,
    pgpBits: 6,
    clobber: false,
    exportCrush: '',
    importCrush: '',
    markUpIn: false,
    markedOut: -1,
    markedUp: -1,
    markedIn: -1,
    clearTemp: false,
    upmapCleanup: undefined,
    cmds: { testMapPg: '', testMapObject: '', testMapPgs: false, testMapPgsDump: false, testMapPgsDumpAll: false, pool: -1, pgNum: -1 },
    unsupported: [],
    rest: [],
  };
  const p = new ArgParser(argv);
  let v: string | number | undefined;
  while (!p.done()) {
    if (p.doubleDash()) break;
    else if (p.flag('-p', '--print')) o.print = true;
    else if ((v = p.withArg('--dump')) !== undefined) {
      o.print = true;
      if (v !== '' && v !== 'plain') o.dumpFormat = v;
    } else if ((v = p.withArg('--tree')) !== undefined) {
      o.tree = true;
      if (v !== '' && v !== 'plain') o.treeFormat = v;
    } else if ((v = p.withInt('--osd-pg-bits', '--pg_bits')) !== undefined) o.pgBits = v;
    else if ((v = p.withInt('--osd-pgp-bits', '--pgp_bits')) !== undefined) o.pgpBits = v;
    else if ((v = p.withInt('--createsimple')) !== undefined) {
      o.createsimple = true;
      o.numOsd = v;
    } else if (p.flag('--with-default-pool')) o.createpool = true;
    else if (p.flag('--mark-up-in')) o.markUpIn = true;
    else if ((v = p.withArg('--mark-out')) !== undefined) o.markedOut = parseInt(v, 10);
    else if ((v = p.withArg('--mark-up')) !== undefined) o.markedUp = Math.trunc(Number(v));
    else if ((v = p.withArg('--mark-in')) !== undefined) o.markedIn = Math.trunc(Number(v));
    else if (p.flag('--clear-temp')) o.clearTemp = true;
    else if ((v = p.withArg('--upmap-cleanup')) !== undefined) o.upmapCleanup = v;
    else if (p.flag('--test-map-pgs')) o.cmds.testMapPgs = true;
    else if (p.flag('--test-map-pgs-dump')) o.cmds.testMapPgsDump = true;
    else if (p.flag('--test-map-pgs-dump-all')) o.cmds.testMapPgsDumpAll = true;
    else if (p.flag('--clobber')) o.clobber = true;
    else if ((v = p.withArg('--export_crush')) !== undefined) o.exportCrush = v;
    else if ((v = p.withArg('--import_crush')) !== undefined) o.importCrush = v;
    else if ((v = p.withArg('--test_map_pg')) !== undefined) o.cmds.testMapPg = v;
    else if ((v = p.withArg('--test_map_object')) !== undefined) o.cmds.testMapObject = v;
    else if ((v = p.withInt('--pg_num')) !== undefined) o.cmds.pgNum = v;
    else if ((v = p.withInt('--pool')) !== undefined) o.cmds.pool = v;
    else if (p.flag('--create-from-conf', '--health', '--clean-temps', '--test-random', '--test_crush', '--upmap-active', '--save')) o.unsupported.push('flag');
    else if (
      (v = p.withArg('--upmap', '--upmap-max', '--upmap-deviation', '--upmap-pool', '--range_first', '--range_last', '--adjust-crush-weight')) !==
      undefined
    )
      o.unsupported.push('option');
    else p.skip();
  }
  o.rest = p.rest;
  return o;
}

export function osdmaptoolMain(argv: string[], io: ToolIO = processIO, me = 'ts-osdmaptool'): number {
  if (argv.length === 0) {
    io.stderr(`${me}: -h or --help for usage\n`);
    return 1;
  }
  if (argv.includes('-h') || argv.includes('--help')) {
    io.stdout(`${USAGE}\n`);
    return 1;
  }
  let o: Opts;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof ArgError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (o.unsupported.length) {
    io.stderr(`${me}: --upmap*, --range-*, --health, --clean-temps, --create-from-conf, --adjust-crush-weight and --test-random are not supported\n`);
    return 1;
  }
  if (o.rest.length === 0) {
    io.stderr(`${me}: must specify osdmap filename\n`);
    io.stdout(`${USAGE}\n`);
    return 1;
  }
  if (o.rest.length > 1) {
    io.stderr(`${me}: too many arguments\n`);
    io.stdout(`${USAGE}\n`);
    return 1;
  }
  const fn = o.rest[0]!;
  io.stderr(`${me}: osdmap file '${fn}'\n`);
  let m: OSDMap | undefined;
  let modified = false;
  if (!o.createsimple && !o.clobber) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(fn);
    } catch (e) {
      io.stderr(`${me}: couldn't open ${fn}: ${(e as Error).message}\n`);
      return 255;
    }
    try {
      const r = new Reader(bytes);
      m = decodeOSDMap(r);
    } catch {
      io.stderr(`${me}: error decoding osdmap '${fn}'\n`);
      return 255;
    }
  } else if (o.createsimple && !o.clobber && existsSync(fn)) {
    io.stderr(`${me}: ${fn} exists, --clobber to overwrite\n`);
    return 255;
  }
  if (o.createsimple) {
    if (o.numOsd < 1) {
      io.stderr(`${me}: osd count must be > 0\n`);
      return 1;
    }
    m = buildSimple({ now: io.now(), numOsd: o.numOsd, defaultPool: o.createpool, pgBits: o.pgBits, pgpBits: o.pgpBits });
    modified = true;
  }
  // --clobber without --createsimple: Ceph starts from an empty OSDMap().
  m ??= newOSDMap();
  markStates(m, o, io);
  if (o.clearTemp) {
    io.stdout('clearing pg/primary temp\n');
    m.pgTemp.clear();
    m.primaryTemp.clear();
  }
  if (o.upmapCleanup !== undefined) m = upmapCleanup(m, o.upmapCleanup, io);
  if (o.importCrush) {
    const r = importCrush(m, o.importCrush, io, me);
    if (typeof r === 'number') return r;
    m = r;
    modified = true;
  }
  if (o.exportCrush) {
    writeFileSync(o.exportCrush, encodeCrushMap(crushOf(m), CEPH_FEATURES_ALL));
    io.stdout(`${me}: exported crush map to ${o.exportCrush}\n`);
  }
  const c = o.cmds;
  if (c.testMapObject) {
    const rc = testMapObject(m, c, io, me);
    if (rc) return rc;
  }
  if (c.testMapPg) {
    const pg = parsePg(c.testMapPg);
    if (!pg) {
      io.stderr(`${me}: failed to parse pg '${c.testMapPg}\n`);
      io.stdout(`${USAGE}\n`);
      return 1;
    }
    io.stdout(` parsed '${c.testMapPg}' -> ${formatPg(pg)}\n`);
    testMapPg(m, pg, io);
  }
  if (c.testMapPgs || c.testMapPgsDump || c.testMapPgsDumpAll) {
    const rc = testMapPgs(m, c, io);
    if (rc) return rc;
  }
  if (!o.print && !o.tree && !modified && o.upmapCleanup === undefined && !o.exportCrush && !o.importCrush && !c.testMapPg && !c.testMapObject && !c.testMapPgs && !c.testMapPgsDump && !c.testMapPgsDumpAll) {
    io.stderr(`${me}: no action specified?\n`);
    io.stdout(`${USAGE}\n`);
    return 1;
  }
  if (modified) m.epoch++;
  if (o.print) {
    if (o.dumpFormat) {
      const fmt = o.dumpFormat;
      // Formatter::create falls back to json for names it does not know.
      if (fmt.startsWith('xml') || fmt === 'table' || fmt.startsWith('table')) {
        io.stderr(`${me}: --dump ${fmt} is not supported; use json or json-pretty\n`);
        return 1;
      }
      io.stdout(dumpJson((f) => dumpOSDMap(f, m!), fmt === 'json-pretty'));
    } else io.stdout(printOSDMap(m));
  }
  if (o.tree) {
    if (o.treeFormat) {
      const pretty = o.treeFormat === 'json-pretty';
      const f = new JsonFormatter(pretty);
      f.openObject('tree');
      dumpOsdTree(f, m);
      f.close();
      io.stdout(`${f.toString()}\n`);
    } else io.stdout(printOsdTree(m));
  }
  if (modified) {
    const bytes = encodeOSDMap(m, CEPH_FEATURES_ALL);
    io.stdout(`${me}: writing epoch ${m.epoch} to ${fn}\n`);
    try {
      writeFileSync(fn, bytes);
    } catch (e) {
      io.stderr(`osdmaptool: error writing to '${fn}': ${(e as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}

function markStates(m: OSDMap, o: Opts, io: ToolIO): void {
  if (o.markUpIn) {
    io.stdout('marking all OSDs up and in\n');
    let cw = crushOf(m);
    let changed = false;
    for (let i = 0; i < m.maxOsd; i++) {
      m.osdState[i] = (m.osdState[i]! | OsdState.UP) >>> 0;
      setWeight(m, i, CEPH_OSD_IN);
      if (cw.getItemWeight(i) === 0) {
        if (!changed) cw = decodeCrushMap(m.crush);
        adjustItemWeightf(cw, i, 1.0);
        changed = true;
      }
    }
    if (changed) setCrush(m, cw);
  }
  if (o.markedOut >= 0 && o.markedOut < m.maxOsd) {
    io.stdout(`marking OSD@${o.markedOut} as out\n`);
    m.osdState[o.markedOut] = (m.osdState[o.markedOut]! | OsdState.UP) >>> 0;
    setWeight(m, o.markedOut, CEPH_OSD_OUT);
  }
  if (o.markedUp >= 0 && o.markedUp < m.maxOsd) {
    io.stdout(`marking OSD@${o.markedUp} as up\n`);
    m.osdState[o.markedUp] = (m.osdState[o.markedUp]! | OsdState.UP) >>> 0;
  }
  if (o.markedIn >= 0 && o.markedIn < m.maxOsd) {
    // osdmaptool marks the --mark-up OSD in here (and says "up"); kept for identical behaviour.
    io.stdout(`marking OSD@${o.markedUp} as up\n`);
    if (o.markedUp >= 0 && o.markedUp < m.maxOsd) setWeight(m, o.markedUp, CEPH_OSD_IN);
  }
}

function importCrush(m: OSDMap, file: string, io: ToolIO, me: string): OSDMap | number {
  let cbl: Buffer;
  try {
    cbl = readFileSync(file);
  } catch (e) {
    io.stderr(`${me}: error reading crush map from ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  let maxDevices: number;
  try {
    maxDevices = decodeCrushMap(cbl).maxDevices;
  } catch (e) {
    io.stderr(`${me}: error decoding crush map from ${file}: ${(e as Error).message}\n`);
    return 1;
  }
  if (maxDevices > m.maxOsd) {
    io.stderr(`${me}: crushmap max_devices ${maxDevices} > osdmap max_osd ${m.maxOsd}\n`);
    return 1;
  }
  const inc = newIncremental(m.epoch + 1);
  inc.fsid = m.fsid;
  inc.crush = Buffer.from(cbl);
  const next = applyIncremental(m, inc);
  io.stdout(`${me}: imported ${cbl.length} byte crush map from ${file}\n`);
  return next;
}

/** Ceph's print_inc_upmaps: the `ceph osd ...` commands that would make the incremental's upmap changes. */
export function incUpmapCommands(inc: Incremental): string {
  let s = '';
  const sorted = (v: PgT[]) => [...v].sort((a, b) => a.pool - b.pool || a.seed - b.seed);
  for (const pg of sorted(inc.oldPgUpmap)) s += `ceph osd rm-pg-upmap ${formatPg(pg)}\n`;
  for (const [pg, osds] of inc.newPgUpmap) s += `ceph osd pg-upmap ${formatPg(pg)}${osds.map((o) => ` ${o}`).join('')}\n`;
  for (const pg of sorted(inc.oldPgUpmapItems)) s += `ceph osd rm-pg-upmap-items ${formatPg(pg)}\n`;
  for (const [pg, items] of inc.newPgUpmapItems) s += `ceph osd pg-upmap-items ${formatPg(pg)}${items.map(([a, b]) => ` ${a} ${b}`).join('')}\n`;
  return s;
}

/** --upmap-cleanup <file|->: clean_pg_upmaps, the commands to the file, and the result applied in memory. */
function upmapCleanup(m: OSDMap, file: string, io: ToolIO): OSDMap {
  if (file !== '-') {
    writeFileSync(file, '');
    io.stdout(`writing upmap command output to: ${file}\n`);
  }
  io.stdout('checking for upmap cleanups\n');
  const inc = newIncremental(m.epoch + 1);
  inc.fsid = m.fsid;
  if (!cleanPgUpmaps(m, inc)) return m;
  const cmds = incUpmapCommands(inc);
  if (file === '-') io.stdout(cmds);
  else writeFileSync(file, cmds);
  return applyIncremental(m, inc);
}
