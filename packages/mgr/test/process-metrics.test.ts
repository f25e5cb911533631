/**
 * A daemon's own metrics endpoint: prom-client's default process and Node.js metrics at /metrics,
 * the exporter's index page at /, 404 elsewhere, 405 for anything but GET/HEAD, and a closed port
 * after close().
 */
import t from 'tap';
import { processMetricsServer } from '../src/process-metrics';

t.test('process metrics over HTTP', async (t) => {
  const s = processMetricsServer();
  await s.listen('127.0.0.1', 0);
  const base = `http://127.0.0.1:${s.port}`;
  let r = await fetch(`${base}/metrics`);
  t.equal(r.status, 200);
  t.match(r.headers.get('content-type'), 'text/plain; version=0.0.4');
  const body = await r.text();
  t.match(body, /\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total [\d.e+-]+\n/);
  t.match(body, /\nprocess_resident_memory_bytes \d+\n/);
  t.match(body, /\nnodejs_heap_size_total_bytes \d+\n/);
  r = await fetch(`${base}/`);
  t.match(await r.text(), "<h1>Ceph Exporter</h1>\n        <p><a href='/metrics'>Metrics</a></p>");
  t.equal((await fetch(`${base}/nosuch`)).status, 404);
  t.equal((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status, 405);
  await s.close();
  await t.rejects(fetch(`${base}/metrics`), 'closed');
});
