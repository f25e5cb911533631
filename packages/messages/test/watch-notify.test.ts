/**
 * MWatchNotify against the librbd sessions' logs (f-rbd-image, g-fio-rbd .msglog): for every
 * watch-notify the client received, a message with the logged fields and the logged segment sizes
 * (front payload = front - 42 bytes, data as logged) encodes to exactly those sizes, decodes back
 * and prints as Ceph printed it. NOTIFY_COMPLETE's 28-byte data is one ack and no timeouts.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CephMessage } from '@ts-ceph/messenger';
import { DencError } from '@ts-ceph/denc';
import { CEPH_MSG_WATCH_NOTIFY, CephWatchEvent, decodeNotifyCompleteData, encodeNotifyCompleteData, formatMWatchNotify, MWatchNotifyCodec } from '../src';
import { tracesDir } from './stream-messages';

const lineRe = / ==== (watch-notify\((\w+) \((\d+)\) cookie (\d+) notify (\d+) ret (-?\d+)\)) v3 ==== (\d+)\+0\+(\d+) /;

function asMessage(body: { front: Buffer; data?: Buffer }): CephMessage {
  return { type: CEPH_MSG_WATCH_NOTIFY, version: 3, compatVersion: 1, priority: 127, tid: 0n, dataOff: 0, front: body.front, middle: Buffer.alloc(0), data: body.data ?? Buffer.alloc(0) };
}

for (const wf of ['f-rbd-image', 'g-fio-rbd']) {
  t.test(wf, async (t) => {
    const lines = readFileSync(join(tracesDir, `${wf}.msglog`), 'utf8').split('\n').map((l) => lineRe.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    t.ok(lines.length > 0, `${lines.length} watch-notify messages received`);
    let ok = 0;
    for (const m of lines) {
      const [frontLen, dataLen] = [Number(m[7]), Number(m[8])];
      const opcode = Number(m[3]);
      const data = opcode === CephWatchEvent.NOTIFY_COMPLETE && dataLen === 28 ? encodeNotifyCompleteData({ acks: [{ gid: 4100n, cookie: 1n, reply: Buffer.alloc(0) }], missed: [] }) : Buffer.alloc(dataLen);
      const p = { msgVer: 1, opcode, cookie: BigInt(m[4]!), ver: 0n, notifyId: BigInt(m[5]!), payload: Buffer.alloc(frontLen - 42), returnCode: Number(m[6]), notifierGid: 4100n, data };
      const body = MWatchNotifyCodec.encode(p, 0n);
      const back = MWatchNotifyCodec.decode(asMessage(body), 0n);
      if (body.front.length === frontLen && (body.data ?? Buffer.alloc(0)).length === dataLen && formatMWatchNotify(back) === m[1]) ok++;
      else t.fail(`${m[1]}: ${body.front.length}+${body.data?.length} printed ${formatMWatchNotify(back)}`);
    }
    t.equal(ok, lines.length, `all ${ok} reproduced (print, front and data sizes)`);
  });
}

t.test('notify-complete data and truncations', async (t) => {
  const d = { acks: [{ gid: 4100n, cookie: 7n, reply: Buffer.from('ok') }], missed: [{ gid: 4101n, cookie: 8n }] };
  const b = encodeNotifyCompleteData(d);
  t.same(decodeNotifyCompleteData(b), d);
  for (let cut = 0; cut < b.length; cut++) t.throws(() => decodeNotifyCompleteData(b.subarray(0, cut)), DencError);
  const front = MWatchNotifyCodec.encode({ msgVer: 1, opcode: 1, cookie: 1n, ver: 0n, notifyId: 2n, payload: Buffer.from('x'), returnCode: 0, notifierGid: 3n, data: Buffer.alloc(0) }, 0n).front;
  for (let cut = 0; cut < front.length; cut++) t.throws(() => MWatchNotifyCodec.decode(asMessage({ front: front.subarray(0, cut) }), 0n), DencError);
});
