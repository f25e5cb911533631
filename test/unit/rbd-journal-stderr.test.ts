// The rbd journaling transcripts' stderr splitter (test/acceptance/rbd-journal-lib.ts): librbd's log
// thread writes whole lines while the rbd CLI writes one message to cerr in pieces, so log lines
// can land inside rbd's line. Inputs shaped like the CI runs that failed on it.
import t from 'tap';
import { stderrLines } from '../acceptance/rbd-journal-lib';

const log = (tid: string, msg: string): string => `2026-12-07T14:12:46.888+0000 ${tid} -1 ${msg}\n`;

t.test('lines without interleaving are kept, log prefixes dropped, addresses masked', async (t) => {
  const got = stderrLines(`${log('7f40aa', 'librbd::io::AioCompletion: 0x55d0 fail: (1) Operation not permitted')}rbd: bench failed\n`);
  t.same(got, ['librbd::io::AioCompletion: 0xADDR fail: (1) Operation not permitted', 'rbd: bench failed']);
});

t.test('one log line inside an rbd line: taken out, rbd line joined', async (t) => {
  const got = stderrLines(`rbd: failed to flush: ${log('7f40aa', 'librbd::journal::StandardPolicy: local image not promoted')}(1) Operation not permitted\n`);
  t.same(got, ['rbd: failed to flush: (1) Operation not permitted', 'librbd::journal::StandardPolicy: local image not promoted']);
});

t.test('two log lines in a row inside an rbd line: both taken out, rbd line joined', async (t) => {
  const got = stderrLines(`rbd: failed to flush: ${log('7f40aa', 'librbd::io::AioCompletion: 0x7f00 fail: (1) Operation not permitted')}${log('7f40bb', 'librbd::journal::StandardPolicy: local image not promoted')}(1) Operation not permitted\n`);
  t.same(got, ['rbd: failed to flush: (1) Operation not permitted', 'librbd::io::AioCompletion: 0xADDR fail: (1) Operation not permitted', 'librbd::journal::StandardPolicy: local image not promoted']);
});
