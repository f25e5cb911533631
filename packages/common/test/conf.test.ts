/** ceph.conf parsing as Ceph reads it (src/common/ConfUtils.cc): sections, name normalisation, lookup order. */
import t from 'tap';
import { CephConf, parseBool, parseSize, cephError, Errno, errnoName } from '../src';

t.test('sections, normalisation and lookup order', async (t) => {
  const c = CephConf.parse(`
# comment
[global]
  fsid = 1234  ; trailing comment
  mon host = [v2:127.0.0.1:3300]
  auth-cluster-required = cephx
[osd]
  osd max backfills = 3
[osd.2]
  osd_max_backfills = 5
  keyring = /var/lib/ceph/$type/$cluster-$id/keyring
`);
  t.equal(c.get('mon_host'), '[v2:127.0.0.1:3300]');
  t.equal(c.get('auth_cluster_required'), 'cephx');
  t.equal(c.get('osd_max_backfills', 'osd.1'), '3', 'type section');
  t.equal(c.get('osd_max_backfills', 'osd.2'), '5', 'entity section wins');
  t.equal(c.get('osd_max_backfills', 'client.admin'), undefined);
  t.equal(c.get('fsid', 'osd.2'), '1234', 'global fallback, comment stripped');
  t.equal(c.get('keyring', 'osd.2'), '/var/lib/ceph/osd/ceph-2/keyring', 'metavariables');
});

t.test('malformed lines are EINVAL with the line number', async (t) => {
  t.throws(() => CephConf.parse('[global]\nthis is not an option\n'), { code: 'EINVAL', message: /:2:/ });
  t.throws(() => CephConf.parse('[global\n'), { code: 'EINVAL' });
});

t.test('value parsers', async (t) => {
  t.equal(parseBool('Yes'), true);
  t.equal(parseBool('0'), false);
  t.throws(() => parseBool('maybe'), { code: 'EINVAL' });
  t.equal(parseSize('4K'), 4096);
  t.equal(parseSize('1GiB'), 2 ** 30);
  t.equal(cephError('EACCES', 'x').errno, 13);
  t.equal(Errno.ENOENT, 2);
  t.equal(errnoName(-13), 'EACCES');
});
