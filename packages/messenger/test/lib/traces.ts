import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '@ts-ceph/common';

/**
 * The captured msgr2 byte streams of ../shared/ceph-traces (real Ceph 16.2.15, crc mode) and the
 * frame lists that ceph-ref/msgr2frames.py (a decoder we did not write) made of them.
 */
export interface TraceStream {
  name: string;
  dir: 'c2s' | 's2c';
  bytes: Buffer;
  golden: GoldenFrame[];
  bannerBytes: number;
}

export interface GoldenFrame {
  index: number;
  tag: string;
  segs: number[];
  bytes: number;
  line: string;
}

export function traceStreams(): TraceStream[] {
  const out: TraceStream[] = [];
  const root = join(sharedDir(), 'ceph-traces');
  for (const dir of [join(root, 'streams'), join(root, 'daemons', 'streams')]) {
    if (!existsSync(dir)) throw new Error(`missing ${dir}`);
    const files = readdirSync(dir).sort();
    for (const ft of files.filter((f) => f.endsWith('.frames.txt'))) {
      const base = ft.slice(0, -'.frames.txt'.length);
      const golden = parseFramesTxt(readFileSync(join(dir, ft), 'utf8'));
      for (const bin of files.filter((f) => f.startsWith(base + '.') && f.endsWith('.bin'))) {
        const m = /\.(\d\d)\.(c2s|s2c)\.bin$/.exec(bin)!;
        const g = golden.get(`${m[1]} ${m[2]}`);
        if (!g) throw new Error(`no golden frames for ${bin}`);
        out.push({ name: bin, dir: m[2] as 'c2s' | 's2c', bytes: readFileSync(join(dir, bin)), golden: g.frames, bannerBytes: g.bannerBytes });
      }
    }
  }
  return out;
}

function parseFramesTxt(text: string): Map<string, { frames: GoldenFrame[]; bannerBytes: number }> {
  const out = new Map<string, { frames: GoldenFrame[]; bannerBytes: number }>();
  let stream = '';
  for (const line of text.split('\n')) {
    const s = /^## stream (\d\d):/.exec(line);
    if (s) {
      stream = s[1]!;
      continue;
    }
    const who = line.startsWith('C->S') ? 'c2s' : line.startsWith('S->C') ? 's2c' : '';
    if (!who || !stream) continue;
    const key = `${stream} ${who}`;
    let e = out.get(key);
    if (!e) out.set(key, (e = { frames: [], bannerBytes: 0 }));
    const b = /banner .* \((\d+)B\)$/.exec(line);
    if (b) {
      e.bannerBytes = Number(b[1]);
      continue;
    }
    const f = /#(\d+)\s+(\w+)\s+segs=\[([\d, ]*)\] preamble_crc=ok seg_crc=ok .*\((\d+)B\)$/.exec(line);
    if (!f) throw new Error(`unparsed golden line: ${line}`);
    e.frames.push({ index: Number(f[1]), tag: f[2]!, segs: f[3]!.split(',').map((x) => Number(x.trim())), bytes: Number(f[4]), line });
  }
  return out;
}
