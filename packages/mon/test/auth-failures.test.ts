/**
 * AUTH_FAILURES (core/health/auth-failures.ts) on a fake clock: a burst per entity and address raises
 * the warning naming both, one cluster-log trigger per burst, quiet pairs age out of the window, and
 * the table of pairs stays bounded under spoofed names.
 */
import t from 'tap';
import { AuthFailureTracker, authFailureLimits, parseAuthFailureReport } from '../src/core/health/auth-failures';

const limits = { ...authFailureLimits, burstCount: 5, windowMs: 60_000, pairsMax: 4 };

t.test('a burst names the entity and the address; below it, nothing', (t) => {
  const a = new AuthFailureTracker(limits);
  const triggers: (number | undefined)[] = [];
  for (let i = 0; i < 4; i++) triggers.push(a.note('client.admin', '127.0.0.2', 1000 + i));
  t.same(a.health(2000), new Map(), 'four failures are no burst');
  a.note('client.other', '127.0.0.3', 2000);
  for (let i = 0; i < 96; i++) triggers.push(a.note('client.admin', '127.0.0.2', 3000 + i));
  t.same(
    triggers.filter((x) => x !== undefined),
    [5],
    'one trigger for the cluster log, at the fifth failure',
  );
  const c = a.health(4000).get('AUTH_FAILURES');
  t.same(c, {
    severity: 1,
    summary: '1 entity with repeated authentication failures',
    count: 1,
    detail: ['client.admin from 127.0.0.2: 100 failed authentication attempts in the last 60 s'],
  });
  t.end();
});

t.test('the warning clears after a quiet window; a new burst counts from zero', (t) => {
  const a = new AuthFailureTracker(limits);
  for (let i = 0; i < 5; i++) a.note('osd.?', '10.0.0.1', i);
  t.ok(a.health(60_004).has('AUTH_FAILURES'), 'still within the window of the last failure');
  t.notOk(a.health(60_005).has('AUTH_FAILURES'), 'quiet for longer than the window');
  t.equal(a.note('osd.?', '10.0.0.1', 70_000), undefined);
  t.end();
});

t.test('spoofed names: the table keeps pairsMax pairs, dropping the least recently failing', (t) => {
  const a = new AuthFailureTracker(limits);
  for (let i = 0; i < 5; i++) a.note('client.admin', '127.0.0.2', i);
  for (let i = 0; i < 100; i++) {
    a.note(`client.x${i}`, '127.0.0.9', 10 + i);
    a.note('client.admin', '127.0.0.2', 10 + i);
  }
  const c = a.health(200).get('AUTH_FAILURES')!;
  t.equal(c.count, 1);
  t.match(c.detail[0], /^client\.admin from 127\.0\.0\.2: 105 failed/, 'the active burst survives the churn');
  t.end();
});

t.test("an OSD's report: parsed into counts that cross the burst once", (t) => {
  const msg = 'auth failures seen by osd.0 (last 10 s): refused credentials 15 (client.admin from 127.0.0.2 x12, unknown entity from 127.0.0.3 x3, 4 more)';
  const got = parseAuthFailureReport(msg);
  t.same(got, [
    { entity: 'client.admin', addr: '127.0.0.2', count: 12 },
    { entity: 'unknown entity', addr: '127.0.0.3', count: 3 },
  ]);
  t.equal(parseAuthFailureReport('osd.0 booted'), undefined, 'any other text is not a report');
  const a = new AuthFailureTracker(limits);
  t.equal(a.note('unknown entity', '127.0.0.3', 0, 3), undefined);
  t.equal(a.note('unknown entity', '127.0.0.3', 10, 4), 7, 'crossing burstCount with a count reports once');
  t.equal(a.note('unknown entity', '127.0.0.3', 20, 4), undefined);
  t.match(a.health(30).get('AUTH_FAILURES')?.detail, ['unknown entity from 127.0.0.3: 11 failed authentication attempts in the last 60 s']);
  t.end();
});
