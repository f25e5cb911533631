/**
 * cls_numops (src/cls/numops/cls_numops.cc): ts-osd answered EOPNOTSUPP where a real 16.2.15 OSD
 * serves it. The stored texts below are what the real OSD stored for the same calls
 * (test/acceptance/rados-diff.py): C's strtod for the operands, %.10g for the results.
 */
import t from 'tap';
import { builtinClsRegistry } from '../src/core/cls/index';
import { formatG, strtodWhole } from '../src/core/cls/numops';
import { MemPool, bytes, client, clsCaller } from './cls-memory-context';

const { rv } = clsCaller(client(4500), 'numops');
const input = (key: string, operand: string) => bytes((w) => w.string(key).string(operand));

t.test('add and mul store what a real OSD stored', async (t) => {
  const pool = new MemPool(builtinClsRegistry());
  const calls: [string, string, string, number][] = [
    ['add', 'n', '2.5', 0], ['mul', 'n', '3', 0], ['add', 'n', '', 0], ['mul', 'n', '1e-7', 0],
    ['add', 'm', '0x10', 0], ['mul', 'm', '1e300', 0], ['mul', 'm', '1e300', 0], ['add', 'n', 'x', -22],
    ['add', 'n', ' 1', 0], ['add', 'n', '1 ', -22], ['mul', 'z', '5', 0], ['add', 'big', '12345678901', 0],
    ['add', 'small', '0.0001', 0], ['add', 'tiny', '0.00001234', 0],
  ];
  for (const [method, key, operand, want] of calls) t.equal(await rv(pool, 'o', method, input(key, operand)), want, `${method} ${key} '${operand}'`);
  const omap = Object.fromEntries([...pool.objects.get('o')!.omap].map(([k, v]) => [k, v.toString()]));
  t.same(omap, { big: '1.23456789e+10', m: 'inf', n: '1.00000075', small: '0.0001', tiny: '1.234e-05', z: '0' });
  t.equal(await rv(pool, 'o', 'add', Buffer.from([5])), -22, 'an input that does not decode: EINVAL');
  pool.objects.get('o')!.omap.set('bad', Buffer.from('abc'));
  t.equal(await rv(pool, 'o', 'add', input('bad', '1')), -74, 'a stored value strtod cannot take: EBADMSG');
});

t.test('strtod over the whole string and %.10g', async (t) => {
  t.same([strtodWhole(''), strtodWhole(' '), strtodWhole('-0x1F'), strtodWhole('.5e1'), strtodWhole('-Infinity'), strtodWhole('5.')], [0, undefined, -31, 5, -Infinity, 5]);
  t.same([formatG(123456789012), formatG(0.1 + 0.2), formatG(-1e-5), formatG(100), formatG(NaN)], ['1.23456789e+11', '0.3', '-1e-05', '100', 'nan']);
});
