/**
 * Acceptance 3 and the text format: every text map of Ceph's crushtool tests compiles to the same
 * bytes as `crushtool -c` (or fails with the same message); every binary map (Ceph's test maps, the
 * crush-classes maps, the object corpus, the compiled maps) decompiles to exactly the text of
 * `crushtool -d`; our encoding of a map is accepted by crushtool and decompiles to the original's text.
 */
import t from 'tap';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';
import { tempDir } from '@ts-ceph/testkit';
import { compileCrush, CrushCompileError, decodeCrushMap, decompileCrush, encodeCrushMap } from '../src/index';
import { crushtool, data, dataDir, firstDiff } from './lib/ref';

const textMaps = readdirSync(dataDir)
  .filter((f) => /\.(txt|crush)$|^multitype\.|^simple\.template\.|^tree\.template\.final$/.test(f))
  .sort();
const binaryMaps = [
  ...['five-devices.crushmap', 'simple.template', 'tree.template', 'check-overlapped-rules.crushmap'],
  ...readdirSync(dataDir).filter((f) => f.startsWith('test-map-') && f.endsWith('.crushmap')),
  ...readdirSync(join(dataDir, 'crush-classes')).map((f) => `crush-classes/${f}`),
].map((f) => data(f));
const corpus = join(sharedDir(), 'ceph-object-corpus', '16.2.0', 'objects', 'CrushWrapper');
const corpusMaps = readdirSync(corpus).map((f) => join(corpus, f));

const tmp = tempDir('crush-text-');
t.teardown(tmp.cleanup);
const compiled: string[] = [];

t.test('compile: same bytes as crushtool -c, or the same error', async (t) => {
  t.ok(textMaps.length >= 25, `${textMaps.length} text maps`);
  for (const f of textMaps) {
    const out = join(tmp.path, `${f}.bin`);
    const ref = crushtool(['-c', data(f), '-o', out]);
    const text = readFileSync(data(f), 'utf8');
    if (ref.code !== 0) {
      try {
        compileCrush(text, data(f));
        t.fail(`${f}: crushtool refused it (${ref.stderr.trim()}) but we compiled it`);
      } catch (e) {
        t.type(e, CrushCompileError);
        t.equal((e as CrushCompileError).messages.map((m) => m + '\n').join(''), ref.stderr, `${f}: same error`);
      }
      continue;
    }
    const ours = encodeCrushMap(compileCrush(text, data(f)));
    t.same(ours.toString('hex'), readFileSync(out).toString('hex'), `${f}: ${ours.length} bytes identical to crushtool -c`);
    compiled.push(out);
  }
});

t.test('decompile: same text as crushtool -d', async (t) => {
  for (const f of [...binaryMaps, ...corpusMaps, ...compiled]) {
    const ref = crushtool(['-d', f]);
    t.equal(ref.code, 0);
    const d = firstDiff(ref.stdout, decompileCrush(decodeCrushMap(readFileSync(f))));
    t.notOk(d, `${f.split('/').slice(-2).join('/')}: ${d ?? 'identical'}`);
  }
});

t.test('our encoding decompiles (with crushtool) to the original text; crushtool -c output re-encodes byte-identically', async (t) => {
  for (const f of [...binaryMaps, ...corpusMaps, ...compiled]) {
    const orig = readFileSync(f);
    const ours = encodeCrushMap(decodeCrushMap(orig));
    const mine = join(tmp.path, 'ours.bin');
    writeFileSync(mine, ours);
    const name = f.split('/').slice(-2).join('/');
    t.equal(crushtool(['-d', mine]).stdout, crushtool(['-d', f]).stdout, `${name}: crushtool -d of our encoding`);
    if (compiled.includes(f) || corpusMaps.includes(f)) t.ok(ours.equals(orig), `${name}: re-encodes byte-identically`);
  }
});

t.test('old-format maps re-encode exactly as crushtool re-encodes them', async (t) => {
  // Maps written by older Ceph lack the newer tails; crushtool decodes and re-encodes with all
  // features when it writes a modified map (setting a tunable to its current value changes nothing).
  for (const f of binaryMaps) {
    const tries = /tunable choose_total_tries (\d+)/.exec(crushtool(['-d', f]).stdout)?.[1] ?? '19';
    const out = join(tmp.path, 'reenc.bin');
    t.equal(crushtool(['-i', f, '--set-choose-total-tries', tries, '-o', out]).code, 0);
    t.ok(encodeCrushMap(decodeCrushMap(readFileSync(f))).equals(readFileSync(out)), `${f.split('/').slice(-2).join('/')}`);
  }
});

/** Compile `text` with both tools: same exit status and, on failure, the same stderr. */
function compileBoth(t: { equal(a: unknown, b: unknown, m: string): unknown; ok(v: unknown, m: string): unknown }, name: string, text: string): void {
  const src = join(tmp.path, `${name}.txt`);
  writeFileSync(src, text);
  const out = join(tmp.path, `${name}.bin`);
  const ref = crushtool(['-c', src, '-o', out]);
  let err = '';
  let failed = false;
  let bytes: Buffer | undefined;
  try {
    bytes = encodeCrushMap(compileCrush(text, src));
  } catch (e) {
    if (!(e instanceof CrushCompileError)) throw e;
    failed = true;
    err = e.messages.map((m) => m + '\n').join('');
  }
  t.equal(failed ? 1 : 0, ref.code, `${name}: exit status`);
  if (ref.code !== 0) t.equal(err, ref.stderr, `${name}: message`);
  else t.ok(bytes?.equals(readFileSync(out)), `${name}: identical bytes`);
}

const base = 'device 0 osd.0\ndevice 1 osd.1\ntype 0 osd\ntype 1 host\ntype 2 root\n';
const hostA = 'host a {\n\tid -2\n\talg straw2\n\thash 0\n\titem osd.0 weight 1.0\n\titem osd.1 weight 0.5\n}\n';
const rootR = 'root r {\n\tid -1\n\talg straw2\n\titem a\n}\n';
const rule = 'rule x {\n\tid 0\n\ttype replicated\n\tmin_size 1\n\tmax_size 10\n\tstep take r\n\tstep chooseleaf firstn 0 type host\n\tstep emit\n}\n';

t.test('errors and corner cases compile as crushtool compiles them', async (t) => {
  const cases: Record<string, string> = {
    ok: base + hostA + rootR + rule,
    parseErrorInRule: base + hostA + rootR + rule.replace('type host', 'type host bogus'),
    parseErrorLineAfterBlank: base + '\n\n' + hostA + '\n' + rootR + '\n\nrule {\n\tid 0\n}\n',
    parseErrorInType: 'device 0 osd.0\ntype 0 osd\n  type x root   # comment\n',
    hashBeforeAlg: base + 'host a {\n\thash 0\n\tid -2\n\talg straw2\n}\n',
    undefinedItem: base + 'host a {\n\tid -2\n\talg straw2\n\titem osd.7\n}\n',
    undefinedBucketType: base + 'rack a {\n\tid -2\n\talg straw2\n}\n',
    unknownAlg: base + 'host a {\n\tid -2\n\talg fancy\n}\n',
    duplicateDevice: base + 'device 2 osd.0\n',
    tooHeavyDevice: base + 'host a {\n\tid -2\n\talg straw2\n\titem osd.0 weight 100.5\n}\n',
    uniformMismatch: base + 'host a {\n\tid -2\n\talg uniform\n\titem osd.0 weight 1.0\n\titem osd.1 weight 2.0\n}\n',
    posOccupied: base + 'host a {\n\tid -2\n\talg tree\n\titem osd.0 pos 0\n\titem osd.1 pos 0\n}\n',
    posBeyond: base + 'host a {\n\tid -2\n\talg tree\n\titem osd.0 pos 1\n\titem osd.1 pos 7\n}\n',
    explicitPositions: base + 'host a {\n\tid -2\n\talg uniform\n\titem osd.1 pos 1\n\titem osd.0 pos 0\n}\n' + rootR + rule,
    implicitIds: base + 'host a {\n\talg list\n\titem osd.0\n}\nhost b {\n\tid -1\n\talg straw\n\titem osd.1\n}\nroot r {\n\talg tree\n\titem a\n\titem b weight 3\n}\n',
    usedBeforeDefined: base + rootR + hostA + rule,
    includeEachOther: base + 'host a {\n\tid -2\n\talg straw2\n\titem r\n}\n' + rootR,
    duplicateRuleId: base + hostA + rootR + rule + rule.replace('rule x', 'rule y'),
    duplicateRuleName: base + hostA + rootR + rule + rule.replace('id 0', 'id 1'),
    unknownTakeItem: base + hostA + rootR + rule.replace('take r', 'take nothere'),
    unknownRuleType: base + hostA + rootR + rule.replace('type host', 'type rack'),
    ruleWithoutName: base + hostA + rootR + rule.replace('rule x {', 'rule {'),
    ruleset: base + hostA + rootR + rule.replace('id 0', 'ruleset 3'),
    allSteps:
      base +
      hostA +
      rootR +
      'rule y {\n\tid 2\n\ttype erasure\n\tmin_size 3\n\tmax_size 7\n\tstep set_chooseleaf_tries 5\n\tstep set_choose_tries 100\n\tstep set_choose_local_tries 1\n' +
      '\tstep set_choose_local_fallback_tries 2\n\tstep set_chooseleaf_vary_r 1\n\tstep set_chooseleaf_stable 0\n\tstep take r\n\tstep choose indep 0 type host\n' +
      '\tstep chooseleaf indep 1 type osd\n\tstep choose firstn -1 type osd\n\tstep emit\n}\n',
    tunables:
      'tunable choose_local_tries 0\ntunable choose_local_fallback_tries 0\ntunable choose_total_tries 50\ntunable chooseleaf_descend_once 1\n' +
      'tunable chooseleaf_vary_r 1\ntunable chooseleaf_stable 1\ntunable straw_calc_version 1\ntunable allowed_bucket_algs 54\n' +
      base + hostA.replace('straw2', 'straw') + rootR + rule,
    unknownTunable: 'tunable wibble 3\n' + base,
    deviceClasses:
      'device 0 osd.0 class ssd\ndevice 1 osd.1 class hdd\ntype 0 osd\ntype 1 host\ntype 2 root\n' +
      hostA.replace('\tid -2\n', '\tid -2\n\tid -5 class ssd\n\tid -6 class hdd\n') + rootR + rule.replace('take r', 'take r class ssd'),
    classNoShadow: base + hostA + rootR + rule.replace('take r', 'take r class nvme'),
    chooseArgs:
      base + hostA + rootR + rule +
      'choose_args 18446744073709551615 {\n  {\n    bucket_id -2\n    weight_set [\n      [ 0.5 0.25 ]\n      [ 1.5 0.125 ]\n    ]\n    ids [ 7 8 ]\n  }\n}\n' +
      'choose_args 3 {\n  {\n    bucket_id -1\n    weight_set [\n      [ 2.0 ]\n    ]\n  }\n}\n',
    chooseArgsWrongSize: base + hostA + rootR + rule + 'choose_args 1 {\n  {\n    bucket_id -2\n    weight_set [\n      [ 0.5 ]\n    ]\n  }\n}\n',
    chooseArgsNoBucket: base + hostA + rootR + rule + 'choose_args 1 {\n  {\n    bucket_id -9\n  }\n}\n',
    oddWeights: base + 'host a {\n\tid -2\n\talg straw\n\titem osd.0 weight 0.0625\n\titem osd.1 weight 1e-3\n}\n' + rootR + rule,
    empty: '',
    commentsOnly: '# nothing\n   # here\n',
  };
  for (const [name, text] of Object.entries(cases)) compileBoth(t, name, text);
});

t.test('decompiling tricky values matches crushtool', async (t) => {
  // 0.0625 = 4096/65536 is a tie for %.3f (glibc rounds half to even: 0.062); 1e-3 is not representable.
  const src = join(tmp.path, 'tricky.txt');
  writeFileSync(src, base + 'host a {\n\tid -2\n\talg straw\n\titem osd.0 weight 0.0625\n\titem osd.1 weight 0.1875\n}\n' + rootR + rule);
  const bin = join(tmp.path, 'tricky.bin');
  t.equal(crushtool(['-c', src, '-o', bin]).code, 0);
  const ref = crushtool(['-d', bin]).stdout;
  t.match(ref, /weight 0\.062\n/);
  t.equal(decompileCrush(decodeCrushMap(readFileSync(bin))), ref);
});
