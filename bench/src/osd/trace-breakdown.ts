// Where a size-3 write's time goes, from a TS_OSD_TRACE_OPS file (packages/osd/src/op-trace.ts):
// the lines of the three OSDs ("µs osd.N pg stage what", CLOCK_MONOTONIC) sorted into one timeline,
// cut into client writes (a primary's `dispatch` to its `reply`), each write's stages on the primary
// and on both replicas turned into gaps, and the median and 90th percentile of each gap printed as
// a markdown table. Meant for QD1 runs (fio --iodepth=1): with one write in flight every line
// between a dispatch and its reply belongs to that write.
// Usage: node bench/dist/src/osd/trace-breakdown.js TRACE_FILE
import { readFileSync } from 'node:fs';

interface Mark {
  us: number;
  osd: string;
  stage: string;
}

/** One write: its primary and the first stamp of each (osd, stage) up to the reply. */
interface Write {
  primary: string;
  first: Map<string, number>;
  repliesAt: number[];
}

function parse(text: string): Mark[] {
  const out: Mark[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length === 5) out.push({ us: Number(f[0]), osd: f[1]!, stage: f[3]! });
  }
  return out.sort((a, b) => a.us - b.us);
}

function writesOf(marks: Mark[]): Write[] {
  const out: Write[] = [];
  let cur: Write | undefined;
  for (const m of marks) {
    if (m.stage === 'dispatch') out.push((cur = { primary: m.osd, first: new Map(), repliesAt: [] }));
    if (!cur || cur.first.has(`${cur.primary} reply`)) continue;
    const k = `${m.osd} ${m.stage}`;
    if (!cur.first.has(k)) cur.first.set(k, m.us);
    if (m.osd === cur.primary && m.stage === 'recv-repop_reply') cur.repliesAt.push(m.us);
  }
  return out.filter((w) => w.first.has(`${w.primary} reply`));
}

/** Gaps on one OSD's commit path: [label, from stage, to stage]. */
const storeGaps: [string, string, string][] = [
  ['txn queued -> commit batch closed', 'txn-queued', 'commit-start'],
  ['batch closed -> record issued', 'commit-start', 'record-issued'],
  ['record write (issued -> written)', 'record-issued', 'record-written'],
  ['flush (written -> flushed)', 'record-written', 'record-flushed'],
  ['flushed -> txn durable in the PG', 'record-flushed', 'txn-durable'],
];

export function breakdown(text: string): { writes: number; rows: [string, number[]][] } {
  const gaps = new Map<string, number[]>();
  const add = (label: string, to: number | undefined, from: number | undefined): void => {
    if (to === undefined || from === undefined) return;
    if (!gaps.has(label)) gaps.set(label, []);
    gaps.get(label)!.push((to - from) / 1000);
  };
  let lastReply: number | undefined;
  const writes = writesOf(parse(text));
  for (const w of writes) {
    const at = (osd: string, stage: string): number | undefined => w.first.get(`${osd} ${stage}`);
    const P = w.primary;
    const replicas = [...new Set([...w.first.keys()].filter((k) => k.endsWith(' recv-repop')).map((k) => k.split(' ')[0]!))].filter((o) => o !== P);
    add('client: reply sent -> next write dispatched', at(P, 'dispatch'), lastReply);
    lastReply = at(P, 'reply');
    add('primary: dispatch -> op engine starts (PG queue)', at(P, 'op-start'), at(P, 'dispatch'));
    add('primary: op engine', at(P, 'op-executed'), at(P, 'op-start'));
    add('primary: op engine done -> RepOps sent', at(P, 'send-repop'), at(P, 'op-executed'));
    for (const [label, a, b] of storeGaps) add(`primary store: ${label}`, at(P, b), at(P, a));
    const acks: number[] = [];
    for (const R of replicas) {
      add('replica: RepOp sent -> received', at(R, 'recv-repop'), at(P, 'send-repop'));
      add('replica: received -> txn queued', at(R, 'txn-queued'), at(R, 'recv-repop'));
      for (const [label, a, b] of storeGaps) add(`replica store: ${label}`, at(R, b), at(R, a));
      add('replica: txn durable -> RepOp reply sent', at(R, 'send-repop_reply'), at(R, 'txn-durable'));
      const ack = at(R, 'send-repop_reply');
      if (ack !== undefined) acks.push(ack);
    }
    acks.sort((a, b) => a - b);
    w.repliesAt.slice(0, acks.length).forEach((r, i) => add('primary: RepOp reply sent -> received', r, acks[i]));
    const last = w.repliesAt.length >= 2 ? w.repliesAt[1] : undefined;
    add('primary: last RepOp reply -> client reply sent', at(P, 'reply'), last);
    add("primary: own txn durable before the last RepOp reply (slack)", last, at(P, 'txn-durable'));
    add('total: dispatch -> client reply sent', at(P, 'reply'), at(P, 'dispatch'));
  }
  // The client's turnaround first and the total last; the rest in the order a write meets them.
  const rank = (label: string): number => (label.startsWith('client') ? 0 : label.startsWith('total') ? 2 : 1);
  return { writes: writes.length, rows: [...gaps].sort((a, b) => rank(a[0]) - rank(b[0])) };
}

const quantile = (v: number[], q: number): number => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))]!;

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: trace-breakdown.js TRACE_FILE');
  const { writes, rows } = breakdown(readFileSync(file, 'utf8'));
  console.log(`${writes} writes\n\n| stage | median ms | p90 ms |\n|---|---|---|`);
  for (const [label, v] of rows) console.log(`| ${label} | ${quantile(v, 0.5).toFixed(2)} | ${quantile(v, 0.9).toFixed(2)} |`);
}
