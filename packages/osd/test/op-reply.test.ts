/**
 * The driver's last line of defence (src/op-reply.ts): an op whose reply cannot be sent, or whose
 * handling threw, still answers the client with -EIO; an unhandled rejection does not end ts-osd.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CephMessage } from '@ts-ceph/messenger';
import { CEPH_FEATURES_ALL } from '@ts-ceph/denc';
import { MOSDOpReplyCodec, osdOpRead, mOSDOpReplyFor } from '@ts-ceph/messages';
import { answerFailedOp, sendOpReply } from '../src/op-reply';
import { req } from './lib/harness';

const incoming = { tid: 42n } as CephMessage;

function fakeCon(failFirst: number): { con: { send(m: CephMessage): void; features: bigint }; sent: CephMessage[] } {
  const sent: CephMessage[] = [];
  let fails = failFirst;
  return {
    sent,
    con: {
      features: CEPH_FEATURES_ALL,
      send(m) {
        if (fails-- > 0) throw new RangeError('cannot encode');
        sent.push(m);
      },
    },
  };
}

t.test('a reply that cannot be sent becomes -EIO', (t) => {
  const r = req('o', [osdOpRead(0, 4)]);
  const { con, sent } = fakeCon(1);
  const logs: string[] = [];
  const out = sendOpReply(con, incoming, r, mOSDOpReplyFor(r, 0, 9), 9, (_l, m) => logs.push(m));
  t.equal(out?.result, -5, 'the -EIO reply went out instead');
  t.equal(sent.length, 1);
  t.equal(sent[0]!.tid, 42n, 'with the request tid');
  t.equal(MOSDOpReplyCodec.decode(sent[0]!, CEPH_FEATURES_ALL).result, -5);
  t.match(logs[0], /could not be sent, answering -EIO/);
  t.end();
});

t.test('when even -EIO cannot be sent, nothing throws', (t) => {
  const r = req('o', [osdOpRead(0, 4)]);
  const { con, sent } = fakeCon(2);
  t.equal(sendOpReply(con, incoming, r, mOSDOpReplyFor(r, 0, 9), 9, () => undefined), undefined);
  t.equal(sent.length, 0);
  t.end();
});

t.test('an op that threw is answered -EIO', (t) => {
  const r = req('o', [osdOpRead(0, 4)]);
  const { con, sent } = fakeCon(0);
  const logs: string[] = [];
  answerFailedOp(con, incoming, r, 9, new TypeError('x is undefined'), (_l, m) => logs.push(m));
  t.equal(MOSDOpReplyCodec.decode(sent[0]!, CEPH_FEATURES_ALL).result, -5);
  t.match(logs[0], /op o tid 42 failed: TypeError: x is undefined/);
  t.end();
});

const script = (guard: boolean): string => `
  const { installProcessGuards } = require(${JSON.stringify(join(__dirname, '..', 'src', 'op-reply.js'))});
  if (${guard}) installProcessGuards((l, m) => console.log('log ' + l + ' ' + m.split('\\n')[0]));
  Promise.reject(new Error('boom'));
  setTimeout(() => console.log('alive'), 50);
`;

t.test('an unhandled rejection is logged and the process keeps running', (t) => {
  const r = spawnSync(process.execPath, ['-e', script(true)], { encoding: 'utf8', timeout: 10_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /log 0 unhandled rejection \(the OSD keeps running\): Error: boom/);
  t.match(r.stdout, /alive/);
  const bare = spawnSync(process.execPath, ['-e', script(false)], { encoding: 'utf8', timeout: 10_000 });
  t.not(bare.status, 0, 'without the guards node ends the process');
  t.notMatch(bare.stdout, /alive/);
  t.end();
});
