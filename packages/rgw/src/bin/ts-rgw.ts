#!/usr/bin/env node
/**
 * ts-rgw: the S3 gateway, started as radosgw is: `ts-rgw -c CONF -n client.rgw.NAME [-f|-d]
 * [--rgw-frontends "beast port=P ssl_port=Q ssl_certificate=F"]`. rgw_frontends, ts_rgw_pool_prefix (ts-rgw), the keyring and
 * log_file, rgw_dns_name (virtual-host-style buckets), rgw_crypt_require_ssl (SSE-C over HTTPS only) come from the conf's section for our name; it runs in the foreground, -d logs to stderr.
 * ts_rgw_workers (default 1) gateway processes share the ports (workers.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { CephConf, configureLog, fileSink, loadCephConf, logger, runDaemonMain, stderrSink, stopOnSignal } from '@ts-ceph/common';
import { Rados } from '@ts-ceph/rados';
import { parseDnsNames } from '../core/vhost';
import { parseFrontends } from '../frontend';
import { RgwMetrics } from '../metrics';
import { RgwServer } from '../server';
import { RgwStore } from '../store';
import { parseCommonArgs } from './args';
import { isPrimary, runPrimary, shareMetrics, workerCount, workerIndex } from './workers';

async function main(argv: string[]): Promise<number> {
  const a = parseCommonArgs(argv, 'client.rgw.gateway');
  const conf = existsSync(a.conf) ? loadCephConf(a.conf) : new CephConf();
  const get = (k: string): string | undefined => a.options.get(k) ?? conf.get(k, a.name);
  const logFile = get('log_file');
  configureLog({ sink: !a.flags.has('-d') && logFile ? fileSink(logFile.replace(/\$name/g, a.name)) : stderrSink, defaultLevel: 1, prefix: `${a.name} ` });
  const fe = parseFrontends(get('rgw_frontends') ?? 'beast port=7480');
  // Metrics (ours; radosgw reports its perf counters through the mgr): off while ts_rgw_metrics_port is 0 (the default).
  const metricsPort = Number(get('ts_rgw_metrics_port') ?? 0);
  const metricsAt = metricsPort > 0 ? { port: metricsPort, host: get('ts_rgw_metrics_addr') ?? '0.0.0.0', path: get('ts_rgw_metrics_path') ?? '/metrics' } : undefined;
  const workers = workerCount(get('ts_rgw_workers'));
  if (isPrimary(workers)) return runPrimary(a.name, workers, metricsAt);
  const rados = await Rados.connect({ conf, name: a.name, keyring: get('keyring'), timeoutMs: 30_000 });
  const store = await RgwStore.open(rados, get('ts_rgw_pool_prefix') ?? 'ts-rgw');
  // rgw_cache_enabled (Ceph's option, default true): users, keys and buckets cached, kept coherent by watch/notify.
  if ((get('rgw_cache_enabled') ?? 'true') !== 'false') await store.enableCache();
  const requireSsl = get('rgw_crypt_require_ssl');
  const metrics = metricsAt ? new RgwMetrics(a.name.replace(/^client\./, '')) : undefined;
  const server = new RgwServer(store, { dnsNames: parseDnsNames(get('rgw_dns_name')), cryptRequireSsl: requireSsl === undefined || !/^(false|0|no|off)$/i.test(requireSsl) }, metrics);
  const log = logger('rgw');
  // With workers, the primary serves every worker's metrics summed.
  if (metrics && workers > 1) shareMetrics(metrics);
  else if (metrics && metricsAt) {
    const port = await metrics.listen(metricsAt.port, metricsAt.host, metricsAt.path);
    process.stdout.write(`ts-rgw: metrics on ${port}\n`);
  }
  if (fe.http) {
    const port = await server.listen(fe.http.port, fe.http.host);
    log.dout(0, `ts-rgw ${a.name} serving S3 on http://${fe.http.host}:${port}`);
    process.stdout.write(`ts-rgw: listening on ${fe.http.host}:${port}\n`);
  }
  if (fe.https) {
    const tls = { cert: readFileSync(fe.https.certificate), key: readFileSync(fe.https.privateKey) };
    const port = await server.listen(fe.https.port, fe.https.host, tls);
    log.dout(0, `ts-rgw ${a.name} serving S3 on https://${fe.https.host}:${port}`);
    process.stdout.write(`ts-rgw: listening with TLS on ${fe.https.host}:${port}\n`);
  }
  // The garbage collector (rgw_gc_processor_period, rgw_gc_obj_min_wait in seconds, Ceph's names and defaults).
  const period = Number(get('rgw_gc_processor_period') ?? 3600) * 1000;
  const grace = Number(get('rgw_gc_obj_min_wait') ?? 7200) * 1000;
  const gc = async (): Promise<void> => {
    try {
      const n = await store.collectGarbage(grace);
      if (n) log.dout(1, `gc removed ${n} unreferenced data sets`);
    } catch (e) {
      log.dout(0, `gc failed: ${(e as Error).message}`);
    }
  };
  // One collector per gateway, however many workers it has.
  const gcTimer = workerIndex() === 0 ? setInterval(() => void gc(), Math.max(1000, period)) : undefined;
  if (gcTimer) void gc();
  await stopOnSignal(async () => {
    clearInterval(gcTimer);
    await server.close();
    await metrics?.close();
    // Reserved data set names this gateway will not use (else the collector drops them after its grace).
    await store.close().catch(() => undefined);
    await rados.shutdown();
  });
  return 0;
}

runDaemonMain('ts-rgw', main);
