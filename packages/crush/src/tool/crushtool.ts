/**
 * ts-crushtool: Ceph's crushtool (src/tools/crushtool.cc) over @ts-ceph/crush, so that the two can be
 * diffed. Stages run in crushtool's order: input/build, tunables, modifications, display/test,
 * output. Supported: -i, -o, -d, -c, --build, the --set-* tunables, --add-item, --update-item,
 * --remove-item, --reweight-item, --add-bucket, --move, --create-simple-rule,
 * --create-replicated-rule, --remove-rule, --reweight, --rebuild-class-roots, --set-subtree-class,
 * --show-location, --test with its --show-* outputs, and --compare.
 */
import { atofFloat } from '../cfmt';
import { decodeCrushMap, encodeCrushMap } from '../api';
import { rebuildRootsWithClasses, setSubtreeClass } from '../classes';
import { adjustItemWeightf, insertItem, moveBucket, removeItem, reweight, updateItem, checkItemLoc, createOrMoveItem } from '../edit';
import { addSimpleRule, removeRule } from '../edit-rules';
import { buildLayeredMap, BuildLayer } from '../simple';
import { compareMaps, crushTest, CrushTestOptions, testerDeviceWeight } from '../tester';
import { CrushCompileError, compileCrush } from '../text/compile';
import { decompileCrushDetailed } from '../text/decompile';
import { CEPH_PG_TYPE_REPLICATED, CRUSH_HASH_DEFAULT } from '../types';
import { CrushWrapper } from '../wrapper';
import { ArgList, fmtArgs, normaliseOption, strictInt, strictLong } from './args';
import { Output, readInput, writeOutput } from './io';
import { cppStrerror } from './strerror';


const USAGE = `usage: crushtool ...

Display, modify and test a crush map (ts-crushtool: the @ts-ceph/crush implementation).

   [--infn|-i infile]      read the crush map from infile
   --decompile|-d map      decompile a crush map to source
   [--outfn|-o outfile]    specify output for (de)compilation
   --compile|-c map.txt    compile a map from source
   --build --num_osds N layer1 ...
                           build a new map, where each 'layer' is
                           'name (uniform|straw2|straw|list|tree) size'
   --set-choose-local-tries N, --set-choose-local-fallback-tries N,
   --set-choose-total-tries N, --set-chooseleaf-descend-once <0|1>,
   --set-chooseleaf-vary-r <0|1>, --set-chooseleaf-stable <0|1>,
   --set-straw-calc-version N, --set-allowed-bucket-algs N
   -i mapfn --add-item id weight name [--loc type name ...]
   -i mapfn --update-item id weight name [--loc type name ...]
   -i mapfn --remove-item name
   -i mapfn --reweight-item name weight
   -i mapfn --add-bucket name type [--loc type name ...]
   -i mapfn --move name --loc type name ...
   -i mapfn --reweight
   -i mapfn --rebuild-class-roots
   -i mapfn --create-simple-rule name root type mode
   -i mapfn --create-replicated-rule name root type [--device-class c]
   -i mapfn --remove-rule name
   -i mapfn --show-location id
   -i mapfn --test [--min-x x] [--max-x x] [--x x] [--min-rule r] [--max-rule r]
      [--rule r] [--ruleset rs] [--num-rep n] [--pool-id n] [--batches b]
      [--weight|-w devno weight] --show-mappings | --show-bad-mappings |
      --show-statistics | --show-utilization | --show-utilization-all | --show-choose-tries
   --compare <otherfile>   compare two maps using --test parameters
`;

interface Opts {
  infn: string;
  outfn: string;
  srcfn: string;
  compile: boolean;
  decompile: boolean;
  build: boolean;
  test: boolean;
  display: boolean;
  numOsds: number;
  fullLocation: number;
  reweight: boolean;
  rebuildClassRoots: boolean;
  addItem: number;
  updateItem: boolean;
  addWeight: number;
  addName: string;
  addType: string;
  addBucket: boolean;
  moveName: string;
  loc: Map<string, string>;
  removeName: string;
  reweightName: string;
  reweightWeight: number;
  addRule: boolean;
  delRule: boolean;
  ruleName: string;
  ruleRoot: string;
  ruleType: string;
  ruleMode: string;
  ruleDeviceClass: string;
  subtreeClass: Map<string, string>;
  compare: string;
  tunables: Record<string, number>;
  tester: CrushTestOptions & { deviceWeight: Map<number, number> };
}

function parseArgs(argv: string[], io: Output): { o: Opts; layers: BuildLayer[] } | number {
  const o: Opts = {
    infn: '', outfn: '', srcfn: '', compile: false, decompile: false, build: false, test: false, display: false,
    numOsds: 0, fullLocation: -1, reweight: false, rebuildClassRoots: false, addItem: -1, updateItem: false, addWeight: 0,
    addName: '', addType: '', addBucket: false, moveName: '', loc: new Map(), removeName: '', reweightName: '', reweightWeight: 0,
    addRule: false, delRule: false, ruleName: '', ruleRoot: '', ruleType: '', ruleMode: '', ruleDeviceClass: '',
    subtreeClass: new Map(), compare: '', tunables: {}, tester: { deviceWeight: new Map() },
  };
  const a = new ArgList(argv);
  const t = o.tester;
  let bad = false;
  const int = (v: string | null, name: string): number => {
    const r = v === null ? `Option ${name} requires an argument.` : strictInt(v, name);
    if (typeof r === 'string') {
      io.stderr(`${r}\n`);
      bad = true;
      return 0;
    }
    return r;
  };
  const need = (v: string | undefined, what: string): string => {
    if (v === undefined) {
      io.stderr(`expecting additional argument to ${what}\n`);
      bad = true;
      return '';
    }
    return v;
  };
  const tunableOpts = ['choose_local_tries', 'choose_local_fallback_tries', 'choose_total_tries', 'chooseleaf_descend_once', 'chooseleaf_vary_r', 'chooseleaf_stable', 'straw_calc_version', 'allowed_bucket_algs'];
  while (!a.done() && !bad) {
    if (a.doubleDash()) break;
    const cur = normaliseOption(a.current!);
    let v: string | null | undefined;
    if ((v = a.withArg('-d', '--decompile')) !== undefined) {
      o.infn = v ?? '';
      o.decompile = true;
    } else if ((v = a.withArg('-i', '--infn')) !== undefined) o.infn = v ?? '';
    else if ((v = a.withArg('-o', '--outfn')) !== undefined) o.outfn = v ?? '';
    else if (a.flag('-v', '--verbose')) continue;
    else if ((v = a.withArg('--compare')) !== undefined) o.compare = v ?? '';
    else if ((v = a.withArg('--set-subtree-class')) !== undefined) o.subtreeClass.set(v ?? '', need(a.take(), '--set-subtree-class'));
    else if (a.flag('--show_utilization')) (o.display = true), (t.showUtilization = true);
    else if (a.flag('--show_utilization_all')) (o.display = true), (t.showUtilizationAll = true);
    else if (a.flag('--show_statistics')) (o.display = true), (t.showStatistics = true);
    else if (a.flag('--show_mappings')) (o.display = true), (t.showMappings = true);
    else if (a.flag('--show_bad_mappings')) (o.display = true), (t.showBadMappings = true);
    else if (a.flag('--show_choose_tries')) (o.display = true), (t.showChooseTries = true);
    else if ((v = a.withArg('-c', '--compile')) !== undefined) {
      o.srcfn = v ?? '';
      o.compile = true;
    } else if (a.flag('-t', '--test')) o.test = true;
    else if ((v = a.withArg('--show-location')) !== undefined) o.fullLocation = int(v, '--show-location');
    else if (a.flag('--reweight')) o.reweight = true;
    else if (a.flag('--rebuild-class-roots')) o.rebuildClassRoots = true;
    else if ((v = a.withArg('--add_item', '--update_item')) !== undefined) {
      o.updateItem = cur.startsWith('--update_item');
      const what = o.updateItem ? '--update-item' : '--add-item';
      o.addItem = int(v, what);
      o.addWeight = atofFloat(need(a.take(), what));
      o.addName = need(a.take(), what);
    } else if ((v = a.withArg('--add-bucket')) !== undefined) {
      o.addName = v ?? '';
      o.addType = need(a.take(), '--add-bucket');
      o.addBucket = true;
    } else if ((v = a.withArg('--move')) !== undefined) o.moveName = v ?? '';
    else if ((v = a.withArg('--create-simple-rule', '--create-replicated-rule')) !== undefined) {
      const simple = cur.startsWith('--create_simple_rule');
      const what = simple ? '--create-simple-rule' : '--create-replicated-rule';
      o.ruleName = v ?? '';
      o.ruleRoot = need(a.take(), what);
      o.ruleType = need(a.take(), what);
      o.ruleMode = simple ? need(a.take(), what) : 'firstn';
      o.addRule = true;
      if (!bad) io.stdout(`${what}: name=${o.ruleName} root=${o.ruleRoot} type=${o.ruleType}${simple ? ` mode=${o.ruleMode}` : ''}\n`);
    } else if ((v = a.withArg('--device-class')) !== undefined) o.ruleDeviceClass = v ?? '';
    else if ((v = a.withArg('--remove-rule')) !== undefined) {
      o.ruleName = v ?? '';
      o.delRule = true;
    } else if ((v = a.withArg('--loc')) !== undefined) o.loc.set(v ?? '', need(a.take(), '--loc'));
    else if ((v = a.withArg('--remove_item')) !== undefined) o.removeName = v ?? '';
    else if ((v = a.withArg('--reweight_item')) !== undefined) {
      o.reweightName = v ?? '';
      o.reweightWeight = atofFloat(need(a.take(), '--reweight-item'));
    } else if (a.flag('--build')) o.build = true;
    else if ((v = a.withArg('--num_osds')) !== undefined) o.numOsds = int(v, '--num_osds');
    else if ((v = a.withArg('--num_rep')) !== undefined) t.minRep = t.maxRep = int(v, '--num_rep');
    else if ((v = a.withArg('--max_x')) !== undefined) t.maxX = int(v, '--max_x');
    else if ((v = a.withArg('--min_x')) !== undefined) t.minX = int(v, '--min_x');
    else if ((v = a.withArg('--x')) !== undefined) t.minX = t.maxX = int(v, '--x');
    else if ((v = a.withArg('--pool_id')) !== undefined) {
      const n = v === null ? 'Option --pool-id requires an argument.' : strictLong(v);
      if (typeof n === 'string') return (io.stderr(`${n}\n`), 1);
      t.poolId = n;
    } else if ((v = a.withArg('--max_rule')) !== undefined) t.maxRule = int(v, '--max_rule');
    else if ((v = a.withArg('--min_rule')) !== undefined) t.minRule = int(v, '--min_rule');
    else if ((v = a.withArg('--rule')) !== undefined) t.minRule = t.maxRule = int(v, '--rule');
    else if ((v = a.withArg('--ruleset')) !== undefined) t.ruleset = int(v, '--ruleset');
    else if ((v = a.withArg('--batches')) !== undefined) t.batches = int(v, '--batches');
    else if ((v = a.withArg('--weight', '-w')) !== undefined) {
      const dev = int(v, '--weight');
      t.deviceWeight.set(dev, testerDeviceWeight(atofFloat(need(a.take(), '--weight'))));
    } else {
      const name = tunableOpts.find((n) => cur === `--set_${n}` || cur.startsWith(`--set_${n}=`));
      if (name !== undefined) o.tunables[name] = int(a.withArg(`--set_${name}`)!, `--set-${name}`);
      else a.skip();
    }
  }
  if (bad) return 1;
  if (o.test && !o.display && !o.compare) io.stderr('WARNING: no output selected; use --output-csv or --show-X\n');
  if (+o.decompile + +o.compile + +o.build > 1) return (io.stderr('cannot specify more than one of compile, decompile, and build\n'), 1);
  const anyAction =
    o.compile || o.decompile || o.build || o.test || o.reweight || Object.keys(o.tunables).length > 0 || o.addItem >= 0 || o.addBucket ||
    o.moveName || o.addRule || o.delRule || o.fullLocation >= 0 || o.rebuildClassRoots || o.compare || o.removeName || o.reweightName;
  if (!anyAction) return (io.stderr('no action specified; -h for help\n'), 1);
  if (!o.build && a.args.length) return (io.stderr(`unrecognized arguments: ${fmtArgs(a.args)}\n`), 1);
  if (a.args.length % 3 !== 0) {
    io.stderr(`remaining args: ${fmtArgs(a.args)}\nlayers must be specified with 3-tuples of (name, buckettype, size)\n`);
    return 1;
  }
  const layers: BuildLayer[] = [];
  for (let j = 0; j < a.args.length; j += 3) layers.push({ name: a.args[j], alg: a.args[j + 1], size: parseInt(a.args[j + 2], 10) || 0 });
  return { o, layers };
}

export interface CrushtoolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run ts-crushtool with `argv` (without the program name). Files named by -i/-o/-c/--compare are
 * read and written; what would go to stdout/stderr is returned. `me` is the name used in messages
 * (crushtool prints its argv[0]).
 */
export function runCrushtool(argv: string[], me = 'ts-crushtool'): CrushtoolResult {
  const io = new Output();
  const code = run(argv, me, io);
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

function run(argv: string[], me: string, io: Output): number {
  if (argv.length === 0) return (io.stderr(`${me}: -h or --help for usage\n`), 1);
  if (argv.includes('-h') || argv.includes('--help')) return (io.stdout(USAGE), 0);
  const parsed = parseArgs([...argv], io);
  if (typeof parsed === 'number') return parsed;
  const { o, layers } = parsed;

  let cw = CrushWrapper.create();
  let modified = false;
  if (o.infn) {
    let data: Buffer;
    try {
      data = readInput(o.infn);
    } catch (e) {
      return (io.stderr(`${me}: error reading '${o.infn}': ${(e as Error).message}\n`), 1);
    }
    try {
      cw = decodeCrushMap(data);
    } catch {
      return (io.stderr(`${me}: unable to decode ${o.infn}\n`), 1);
    }
  }
  if (o.compile) {
    let text: string;
    try {
      text = readInput(o.srcfn).toString('utf8');
    } catch {
      return (io.stderr(`input file ${o.srcfn} not found\n`), 254);
    }
    try {
      cw = compileCrush(text, o.srcfn);
    } catch (e) {
      if (!(e instanceof CrushCompileError)) throw e;
      for (const m of e.messages) io.stderr(m + '\n');
      return 1;
    }
    modified = true;
  }
  if (o.build) {
    const warn: string[] = [];
    const r = buildLayeredMap(o.numOsds, layers, warn);
    for (const w of warn) io.stderr(w + '\n');
    if (typeof r === 'number') return 1;
    cw = r;
    modified = true;
  }
  const tn = o.tunables;
  const tt = cw.tunables;
  const setT = (k: string, f: (n: number) => void): void => {
    if (tn[k] !== undefined && tn[k] >= 0) {
      f(tn[k]);
      modified = true;
    }
  };
  setT('choose_local_tries', (n) => (tt.chooseLocalTries = n >>> 0));
  setT('choose_local_fallback_tries', (n) => (tt.chooseLocalFallbackTries = n >>> 0));
  setT('choose_total_tries', (n) => (tt.chooseTotalTries = n >>> 0));
  setT('chooseleaf_descend_once', (n) => (tt.chooseleafDescendOnce = n ? 1 : 0));
  setT('chooseleaf_vary_r', (n) => (tt.chooseleafVaryR = n & 0xff));
  setT('chooseleaf_stable', (n) => (tt.chooseleafStable = n & 0xff));
  setT('straw_calc_version', (n) => (tt.strawCalcVersion = n & 0xff));
  setT('allowed_bucket_algs', (n) => (tt.allowedBucketAlgs = n >>> 0));

  const r = modify(cw, o, me, io);
  if (typeof r === 'number') return r;
  if (r) modified = true;

  if (o.fullLocation >= 0) {
    const loc = [...cw.getFullLocation(o.fullLocation).entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    for (const [k, v] of loc) io.stdout(`${k}\t${v}\n`);
  }
  if (o.decompile) {
    const d = decompileCrushDetailed(cw);
    for (const e of d.errors) io.stderr(e + '\n');
    if (o.outfn) writeOutput(o.outfn, d.text);
    else io.stdout(d.text);
  }
  if (o.test) io.stdout(crushTest(cw, o.tester));
  if (o.compare) {
    let other: CrushWrapper;
    try {
      other = decodeCrushMap(readInput(o.compare));
    } catch {
      return (io.stderr(`${me}: unable to decode ${o.compare}\n`), 1);
    }
    const c = compareMaps(cw, other, o.tester);
    io.stdout(c.stdout);
    io.stderr(c.stderr);
    if (!c.equivalent) return 1;
  }
  if (modified) {
    cw.finalize();
    if (!o.outfn) io.stdout(`${me} successfully built or modified map.  Use '-o <file>' to write it out.\n`);
    else writeOutput(o.outfn, encodeCrushMap(cw));
  }
  return 0;
}

/** The modification stage. Returns true if the map changed, or an exit status on failure. */
function modify(cw: CrushWrapper, o: Opts, me: string, io: Output): boolean | number {
  let modified = false;
  if (o.reweightName) {
    io.stdout(`${me} reweighting item ${o.reweightName} to ${o.reweightWeight}\n`);
    let r: number;
    if (!cw.nameExists(o.reweightName)) {
      io.stderr(` name ${o.reweightName} dne\n`);
      r = -2;
    } else {
      r = adjustItemWeightf(cw, cw.getItemId(o.reweightName), o.reweightWeight);
    }
    if (r < 0) return (io.stderr(`${me} ${cppStrerror(r)}\n`), r & 0xff);
    modified = true;
  }
  if (o.removeName) {
    io.stdout(`${me} removing item ${o.removeName}\n`);
    const r = cw.nameExists(o.removeName) ? removeItem(cw, cw.getItemId(o.removeName), false) : (io.stderr(` name ${o.removeName} dne\n`), -2);
    if (r !== 0) return (io.stderr(`${me} ${cppStrerror(r)}\n`), r & 0xff);
    modified = true;
  }
  if (o.addItem >= 0) {
    const r = o.updateItem ? updateItem(cw, o.addItem, o.addWeight, o.addName, o.loc) : insertItem(cw, o.addItem, o.addWeight, o.addName, o.loc);
    if (r < 0) return (io.stderr(`${me} ${cppStrerror(r)}\n`), r & 0xff);
    modified = true;
  }
  if (o.addBucket) {
    if (cw.nameExists(o.addName)) return (io.stderr(`${me} bucket '${o.addName}' already exists\n`), -17 & 0xff);
    const type = cw.getTypeId(o.addType);
    if (type <= 0) return (io.stderr(`${me} bad bucket type: ${o.addType}\n`), -22 & 0xff);
    const { r: ar, id } = cw.addBucket(0, 0, CRUSH_HASH_DEFAULT, type, [], []);
    if (ar < 0) return (io.stderr(`${me} unable to add bucket: ${cppStrerror(ar)}\n`), ar & 0xff);
    if (cw.setItemName(id, o.addName) < 0) return (io.stderr(`${me} bad bucket name: ${o.addName}\n`), -22 & 0xff);
    if (o.loc.size && checkItemLoc(cw, id, o.loc) === undefined) {
      const r = moveBucket(cw, id, o.loc);
      if (r < 0) return (io.stderr(`${me} error moving bucket '${o.addName}'\n`), r & 0xff);
    }
    modified = true;
  }
  if (o.moveName) {
    if (!cw.nameExists(o.moveName)) return (io.stderr(`${me} item '${o.moveName}' does not exist\n`), -2 & 0xff);
    const id = cw.getItemId(o.moveName);
    if (!o.loc.size) return (io.stderr(`${me} expecting additional --loc argument to --move\n`), -22 & 0xff);
    if (checkItemLoc(cw, id, o.loc) !== undefined) return (io.stderr(`${me} item '${o.moveName}' already at loc\n`), 1);
    const r = id >= 0 ? createOrMoveItem(cw, id, 0, o.moveName, o.loc) : moveBucket(cw, id, o.loc);
    if (r < 0) return r & 0xff;
    modified = true;
  }
  if (o.addRule) {
    if (cw.ruleNameExists(o.ruleName)) return (io.stderr(`rule ${o.ruleName} already exists\n`), 1);
    const err: string[] = [];
    const r = addSimpleRule(cw, o.ruleName, o.ruleRoot, o.ruleType, o.ruleDeviceClass, o.ruleMode, CEPH_PG_TYPE_REPLICATED, err);
    if (r < 0) return (io.stderr(err.join('') + '\n'), 1);
    modified = true;
  }
  if (o.delRule) {
    if (!cw.ruleNameExists(o.ruleName)) return (io.stderr(`rule ${o.ruleName} does not exist\n`), 0);
    if (removeRule(cw, cw.getRuleId(o.ruleName)) < 0) return (io.stderr(`fail to remove rule ${o.ruleName}\n`), 1);
    modified = true;
  }
  if (o.reweight) {
    reweight(cw);
    modified = true;
  }
  if (o.rebuildClassRoots) {
    if (rebuildRootsWithClasses(cw) < 0) return (io.stderr('failed to rebuidl roots with classes\n'), 1);
    modified = true;
  }
  for (const [b, c] of o.subtreeClass) {
    setSubtreeClass(cw, b, c);
    modified = true;
  }
  return modified;
}
