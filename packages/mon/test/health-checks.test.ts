/**
 * Health checks the Monitor raises from its configuration and sessions, in Ceph's names and
 * texts (HealthMonitor::check_member_health): AUTH_INSECURE_GLOBAL_ID_RECLAIM(_ALLOWED).
 */
import t from 'tap';
import { AddrType, EntityType, makeAddr } from '@ts-ceph/denc';
import { MonCap } from '@ts-ceph/cephx';
import { MonFixture } from './lib/mon-fixture';
import { MonSession } from '../src/core/session';

t.test('insecure global_id reclaim: allowed, and a client using it', async (t) => {
  const f = await MonFixture.create('auth_allow_insecure_global_id_reclaim = true');
  let r = await f.cmd({ prefix: 'health', detail: 'detail' });
  t.match(r.out, /^HEALTH_WARN .*mon is allowing insecure global_id reclaim/);
  t.match(r.out, /\[WRN\] AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED: mon is allowing insecure global_id reclaim\n    mon\.a has auth_allow_insecure_global_id_reclaim set to true\n/);
  t.notMatch(r.out, /AUTH_INSECURE_GLOBAL_ID_RECLAIM:/, 'no client reclaims insecurely yet');
  const s = new MonSession(7, { type: EntityType.CLIENT, id: 'old' }, { type: EntityType.CLIENT, num: 4107 }, [makeAddr(AddrType.ANY, '127.0.0.1', 0, 42)], MonCap.empty(), 4107n, 0n);
  s.insecureGlobalIdReclaim = true;
  f.mon.sessions = () => [s];
  r = await f.cmd({ prefix: 'health', detail: 'detail', format: 'json' });
  const j = JSON.parse(r.out) as { checks: Record<string, { summary: { message: string; count: number }; detail: { message: string }[] }> };
  t.same(j.checks.AUTH_INSECURE_GLOBAL_ID_RECLAIM?.summary, { message: 'client is using insecure global_id reclaim', count: 1 });
  t.same(j.checks.AUTH_INSECURE_GLOBAL_ID_RECLAIM?.detail, [{ message: 'client.old at 127.0.0.1:0/42 is using insecure global_id reclaim' }]);
});

t.test('16.2.15 still allows insecure reclaim by default (and warns); false silences it', async (t) => {
  let f = await MonFixture.create();
  let r = await f.cmd({ prefix: 'health', detail: 'detail' });
  t.match(r.out, /AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED/);
  f = await MonFixture.create('auth_allow_insecure_global_id_reclaim = false');
  r = await f.cmd({ prefix: 'health', detail: 'detail' });
  t.notMatch(r.out, /INSECURE/);
});

t.test('the warnings can be switched off', async (t) => {
  const f = await MonFixture.create('auth_allow_insecure_global_id_reclaim = true\nmon_warn_on_insecure_global_id_reclaim_allowed = false');
  const r = await f.cmd({ prefix: 'health', detail: 'detail' });
  t.notMatch(r.out, /INSECURE/);
});
