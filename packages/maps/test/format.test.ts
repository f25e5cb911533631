/**
 * The number formatting the dumps depend on, against an independent oracle: Python's printf-style
 * formatting (correctly rounded from the exact binary value, like glibc), for %g at precision 6 (C++
 * ostream<<double) and 17 (JSONFormatter::dump_float), and %.Nf. Plus the JSON formatter's layout
 * against a hand-written expected string.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { requireBinary } from '@ts-ceph/testkit';
import { JsonFormatter, byteU, formatFixed, formatG, siU } from '../src';

const values: number[] = [
  0, -0, 1, -1, 0.5, 0.95, Math.fround(0.95), Math.fround(0.9), Math.fround(0.85), 1 / 3, 2 / 3, 123456, 1234565, 1234575, 999999.5, 9999995,
  1e-5, 1.5e-5, 0.0001, 0.00012345, 123456789, 1e21, 1e22, 5e-324, Number.MAX_VALUE, 2.5, 3.5, 0.125, 100, 1e6, 1e17, 1.7976931348623157e308,
  12345678901234567, 0.1 + 0.2, Math.fround(0x8000 / 0x10000), Math.fround(0x1234 / 0x10000), 65535.99998474121, 4540138314316775423, -2.75681,
];
for (let i = 0; i < 60; i++) values.push(Math.fround(((i * 7919) % 65536) / 65536), (i * 104729) / 977, 10 ** (i - 30) * 1.5);

t.test('formatG and formatFixed match printf', async (t) => {
  const py = requireBinary('/usr/bin/python3');
  const script = `import sys,struct
for line in sys.stdin:
    x = struct.unpack('<d', bytes.fromhex(line.strip()))[0]
    print('%.6g|%.17g|%.5f|%.2f|%.0f' % (x, x, x, x, x))`;
  const input = values.map((v) => Buffer.from(new Float64Array([v]).buffer).toString('hex')).join('\n') + '\n';
  const out = execFileSync(py, ['-c', script], { input }).toString().trim().split('\n');
  t.equal(out.length, values.length);
  values.forEach((v, i) => {
    const [g6, g17, f5, f2, f0] = out[i]!.split('|');
    t.equal(formatG(v, 6), g6, `%g ${v}`);
    t.equal(formatG(v, 17), g17, `%.17g ${v}`);
    t.equal(formatFixed(v, 5), f5, `%.5f ${v}`);
    t.equal(formatFixed(v, 2), f2, `%.2f ${v}`);
    t.equal(formatFixed(v, 0), f0, `%.0f ${v}`);
  });
  t.equal(formatG(NaN), 'nan');
  t.equal(formatG(-Infinity), '-inf');
});

t.test('JsonFormatter lays sections out as Ceph does', async (t) => {
  const f = new JsonFormatter(true);
  f.openObject('root');
  f.dumpInt('a', 1);
  f.openArray('empty');
  f.close();
  f.openObject('o');
  f.close();
  f.openArray('list');
  f.dumpString('x', 'q"\\\t\n\u0001');
  f.dumpFloat('x', Math.fround(0.95));
  f.close();
  f.dumpBool('b', false);
  f.close();
  const expected = '{\n    "a": 1,\n    "empty": [],\n    "o": {},\n    "list": [\n        "q\\"\\\\\\t\\n\\u0001",\n        0.94999998807907104\n    ],\n    "b": false\n}\n';
  t.equal(f.toString(), expected);
});

t.test('si_u_t and byte_u_t as 16.2.15 prints them', async (t) => {
  // `ceph osd pool get-quota` on a real 16.2.15 cluster with max_objects 2000 and max_bytes 3 MiB:
  // "max objects: 2k objects", "max bytes  : 3 MiB"; si_u_t puts no space before its prefix.
  t.equal(siU(2000), '2k');
  t.equal(siU(1220), '1.22k');
  t.equal(siU(14710), '14.71k');
  t.equal(siU(999), '999');
  t.equal(siU(123456), '123.46k');
  t.equal(siU(2_500_000), '2.50M');
  t.equal(byteU(3 * 1024 * 1024), '3 MiB');
  t.equal(byteU(1536), '1.5 KiB');
});
