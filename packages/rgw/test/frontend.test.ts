/**
 * rgw_frontends as radosgw's beast frontend reads it: HTTP on port/endpoint, HTTPS on
 * ssl_port/ssl_endpoint with a certificate (the key defaulting to the certificate file), port 80
 * when nothing is given, and every malformed option refused with EINVAL; ts_rgw_workers likewise.
 */
import t from 'tap';
import { parseFrontends } from '../src/frontend';
import { rgwWorkerLimits, workerCount } from '../src/bin/workers';

t.test('beast options', async (t) => {
  t.same(parseFrontends('beast port=8000'), { framework: 'beast', http: { host: '0.0.0.0', port: 8000 }, https: undefined });
  t.same(parseFrontends('beast'), { framework: 'beast', http: { host: '0.0.0.0', port: 80 }, https: undefined }, 'port 80 by default');
  t.same(parseFrontends('beast endpoint=[::1]:7480').http, { host: '::1', port: 7480 }, 'an IPv6 endpoint');
  t.same(parseFrontends('beast endpoint=127.0.0.1').http, { host: '127.0.0.1', port: 80 }, 'an endpoint without a port');
  t.same(parseFrontends('beast ssl_port=8443 ssl_certificate=/c.pem'), { framework: 'beast', http: undefined, https: { host: '0.0.0.0', port: 8443, certificate: '/c.pem', privateKey: '/c.pem' } }, 'HTTPS only, the key in the certificate file');
  t.same(parseFrontends('beast port=80 ssl_endpoint=10.0.0.1:443 ssl_certificate=/c ssl_private_key=/k').https, { host: '10.0.0.1', port: 443, certificate: '/c', privateKey: '/k' }, 'both, with a separate key');
  for (const bad of ['civetweb port=80', 'beast port=http', 'beast port=70000', 'beast portonly', 'beast ssl_port=443', 'beast endpoint=a:b:c']) {
    t.throws(() => parseFrontends(bad), { code: 'EINVAL' }, bad);
  }
});

t.test('ts_rgw_workers', async (t) => {
  t.equal(workerCount(undefined), 1, 'by default one process (what measured best on the bench machine)');
  t.equal(workerCount('1'), 1, 'one: no primary, the process serves');
  t.equal(workerCount('4'), 4);
  for (const bad of ['0', '-1', '1.5', 'two', '', String(rgwWorkerLimits.workersMax + 1)]) t.throws(() => workerCount(bad), { code: 'EINVAL' }, JSON.stringify(bad));
});
