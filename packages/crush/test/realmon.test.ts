/**
 * The editing operations as the monitor uses them, against a real ceph-mon: each step sends an
 * "osd crush ..." command to the mon and applies the same CrushWrapper operation (as OSDMonitor.cc
 * calls it) to our copy of the map; the mon's new map (`osd getcrushmap`) must equal ours byte for
 * byte. Covers tunables profiles, buckets, items, device classes and their shadow trees, the
 * replicated rule with a class, weight sets, renames and removals.
 */
import t from 'tap';
import { run, startRealMon } from '@ts-ceph/testkit';
import {
  addSimpleRule,
  adjustItemWeightf,
  adjustSubtreeWeightf,
  checkItemLoc,
  chooseArgsAdjustItemWeightf,
  createChooseArgs,
  createOrMoveItem,
  CrushWrapper,
  decodeCrushMap,
  encodeCrushMap,
  insertItem,
  linkBucket,
  moveBucket,
  parseLocMap,
  removeDeviceClass,
  removeItem,
  removeItemUnder,
  renameBucket,
  reweight,
  TunablesProfile,
  updateDeviceClass,
  updateItem,
} from '../src/index';

// One python process drives the mon through librados: [command, ...] -> [[rc, outs, crushmap hex], ...].
const PY = String.raw`
import json, sys, rados
conf, keyring = sys.argv[1], sys.argv[2]
c = rados.Rados(conffile=conf, conf={'keyring': keyring})
c.connect(timeout=30)
out = []
for cmd in json.load(sys.stdin):
    rc, outb, outs = c.mon_command(json.dumps(cmd), b'', timeout=30)
    rc2, crush, outs2 = c.mon_command(json.dumps({'prefix': 'osd getcrushmap'}), b'', timeout=30)
    out.append([rc, outs, crush.hex()])
c.shutdown()
print(json.dumps(out))
`;

type Step = [Record<string, unknown>, (cw: CrushWrapper) => unknown];

const loc = (...kv: string[]): Map<string, string> => parseLocMap(kv) as Map<string, string>;
const tun = (p: TunablesProfile): Step => [{ prefix: 'osd crush tunables', profile: p }, (cw) => cw.setTunables(p)];

/** "osd crush add-bucket" (OSDMonitor: add_bucket, set_item_name, move_bucket unless already there). */
function addBucket(name: string, type: string, ...args: string[]): Step {
  return [
    { prefix: 'osd crush add-bucket', name, type, ...(args.length ? { args } : {}) },
    (cw) => {
      const { id } = cw.addBucket(0, 0, 0, cw.getTypeId(type), [], []);
      cw.setItemName(id, name);
      if (args.length && checkItemLoc(cw, id, loc(...args)) === undefined) moveBucket(cw, id, loc(...args));
    },
  ];
}

/** "osd crush add" (update_item if already at the location, else insert_item). */
function crushAdd(osd: number, weight: number, ...args: string[]): Step {
  return [
    { prefix: 'osd crush add', id: osd, weight, args },
    (cw) => (checkItemLoc(cw, osd, loc(...args)) !== undefined ? updateItem(cw, osd, weight, `osd.${osd}`, loc(...args)) : insertItem(cw, osd, weight, `osd.${osd}`, loc(...args))),
  ];
}

/** "osd crush set-device-class" for one osd. */
function setClass(cls: string, osd: number): Step {
  return [
    { prefix: 'osd crush set-device-class', class: cls, ids: [String(osd)] },
    (cw) => {
      if (cw.maxDevices < osd + 1) cw.maxDevices = osd + 1;
      if (!cw.itemExists(osd)) cw.setItemName(osd, `osd.${osd}`);
      updateDeviceClass(cw, osd, cls, `osd.${osd}`);
    },
  ];
}

// (Weights are never integers here: JSON would carry 2.0 as 2, which the mon refuses as a float.)
const steps: Step[] = [
  tun('hammer'),
  addBucket('h1', 'host'),
  [{ prefix: 'osd crush move', name: 'h1', args: ['root=default'] }, (cw) => moveBucket(cw, cw.getItemId('h1'), loc('root=default'))],
  crushAdd(0, 1.5, 'host=h1'),
  crushAdd(1, 0.75, 'host=h1', 'root=default'),
  addBucket('h2', 'host', 'root=default'),
  [{ prefix: 'osd crush create-or-move', id: 2, weight: 2.5, args: ['host=h2', 'root=default'] }, (cw) => createOrMoveItem(cw, 2, 2.5, 'osd.2', loc('host=h2', 'root=default'))],
  setClass('ssd', 0),
  setClass('hdd', 1),
  setClass('ssd', 2),
  [{ prefix: 'osd crush rule create-replicated', name: 'fast', root: 'default', type: 'host', class: 'ssd' }, (cw) => addSimpleRule(cw, 'fast', 'default', 'host', 'ssd', 'firstn', 1)],
  [{ prefix: 'osd crush reweight', name: 'osd.0', weight: 2.25 }, (cw) => adjustItemWeightf(cw, 0, 2.25)],
  [{ prefix: 'osd crush move', name: 'osd.1', args: ['host=h2'] }, (cw) => createOrMoveItem(cw, 1, 0, 'osd.1', loc('host=h2'))],
  [{ prefix: 'osd crush rename-bucket', srcname: 'h2', dstname: 'h3' }, (cw) => renameBucket(cw, 'h2', 'h3')],
  addBucket('r1', 'rack', 'root=default'),
  [{ prefix: 'osd crush move', name: 'h1', args: ['rack=r1', 'root=default'] }, (cw) => moveBucket(cw, cw.getItemId('h1'), loc('rack=r1', 'root=default'))],
  [{ prefix: 'osd crush weight-set create-compat' }, (cw) => createChooseArgs(cw, -1, 1)],
  [{ prefix: 'osd crush weight-set reweight-compat', item: 'osd.2', weight: [0.5] }, (cw) => chooseArgsAdjustItemWeightf(cw, cw.chooseArgs.get(-1)!, 2, [0.5])],
  crushAdd(3, 1.125, 'host=h3'),
  [{ prefix: 'osd crush reweight-subtree', name: 'h3', weight: 0.5 }, (cw) => adjustSubtreeWeightf(cw, cw.getItemId('h3'), 0.5)],
  [{ prefix: 'osd crush link', name: 'h3', args: ['rack=r1'] }, (cw) => linkBucket(cw, cw.getItemId('h3'), loc('rack=r1'))],
  [{ prefix: 'osd crush unlink', name: 'h3', ancestor: 'r1' }, (cw) => removeItemUnder(cw, cw.getItemId('h3'), cw.getItemId('r1'), true)],
  [{ prefix: 'osd crush rm-device-class', ids: ['1'] }, (cw) => removeDeviceClass(cw, 1)],
  [{ prefix: 'osd crush rm', name: 'osd.3' }, (cw) => removeItem(cw, 3, false)],
  [{ prefix: 'osd crush reweight-all' }, (cw) => reweight(cw)],
  tun('firefly'),
  tun('optimal'),
];

t.test('osd crush commands: our map equals the mon map after every step', async (t) => {
  const mon = await startRealMon({ mode: 'crc' });
  t.teardown(() => mon.stop());
  // Four OSDs must exist in the OSDMap before they can be placed.
  const cmds = [...[0, 1, 2, 3].map(() => ({ prefix: 'osd create' })), ...steps.map((s) => s[0])];
  const r = await run('/usr/bin/python3', ['-c', PY, mon.conf, mon.adminKeyring], { input: JSON.stringify(cmds), timeoutMs: 240_000 });
  t.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as [number, string, string][];
  t.equal(res.length, cmds.length);
  let cw = decodeCrushMap(Buffer.from(res[3][2], 'hex'));
  steps.forEach(([cmd, apply], i) => {
    const [rc, outs, hex] = res[i + 4];
    const what = `${cmd.prefix} ${JSON.stringify({ ...cmd, prefix: undefined })}`;
    t.equal(rc, 0, `${what}: the mon accepts it (${outs})`);
    // The mon decodes its map, edits, and encodes; so do we.
    cw = decodeCrushMap(encodeCrushMap(cw));
    apply(cw);
    // The mon publishes the map by decoding its pending blob into the OSDMap (which recomputes
    // max_devices) and `osd getcrushmap` encodes that: do the same round trip.
    const ours = encodeCrushMap(decodeCrushMap(encodeCrushMap(cw))).toString('hex');
    t.equal(ours, hex, `${what}: identical crush map`);
    if (ours !== hex) cw = decodeCrushMap(Buffer.from(hex, 'hex'));
  });
});
