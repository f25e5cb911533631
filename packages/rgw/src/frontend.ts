import { cephError } from '@ts-ceph/common/core';

/**
 * rgw_frontends (src/rgw/rgw_frontend.h RGWFrontendConfig, beast's options in rgw_asio_frontend.cc):
 * "beast port=8000 endpoint=... ssl_port=8443 ssl_endpoint=... ssl_certificate=F
 * ssl_private_key=K" — the framework name, then space-separated key=value options. HTTP listens on
 * port/endpoint, HTTPS on ssl_port/ssl_endpoint with the PEM certificate (and the key, which
 * defaults to the certificate file, as beast's does). Port 80 when neither is given.
 */
export interface Listener {
  host: string;
  port: number;
}

export interface FrontendConfig {
  framework: string;
  http: Listener | undefined;
  https: (Listener & { certificate: string; privateKey: string }) | undefined;
}

function listener(opts: Map<string, string>, portKey: string, endpointKey: string): Listener | undefined {
  const ep = opts.get(endpointKey);
  let host = '0.0.0.0';
  let portText = opts.get(portKey);
  if (ep) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(ep);
    if (!m) throw cephError('EINVAL', `rgw_frontends: ${endpointKey} ${JSON.stringify(ep)} is malformed`);
    host = m[1]!.replace(/^\[|\]$/g, '');
    portText = m[2] ?? (portKey === 'ssl_port' ? '443' : '80');
  }
  if (portText === undefined) return undefined;
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw cephError('EINVAL', `rgw_frontends: ${portKey} ${JSON.stringify(portText)} is not a port`);
  return { host, port: Number(portText) };
}

export function parseFrontends(s: string): FrontendConfig {
  const words = s.trim().split(/\s+/).filter(Boolean);
  const framework = words.shift() ?? '';
  if (framework !== 'beast') throw cephError('EINVAL', `rgw_frontends: framework ${JSON.stringify(framework)} is not supported (beast is)`);
  const opts = new Map<string, string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw cephError('EINVAL', `rgw_frontends: ${JSON.stringify(w)} is not key=value`);
    opts.set(w.slice(0, eq), w.slice(eq + 1));
  }
  const http = listener(opts, 'port', 'endpoint');
  const tls = listener(opts, 'ssl_port', 'ssl_endpoint');
  let https: FrontendConfig['https'];
  if (tls) {
    const certificate = opts.get('ssl_certificate');
    if (!certificate) throw cephError('EINVAL', 'rgw_frontends: ssl_port needs ssl_certificate');
    https = { ...tls, certificate, privateKey: opts.get('ssl_private_key') ?? certificate };
  }
  return { framework, http: http ?? (https ? undefined : { host: '0.0.0.0', port: 80 }), https };
}
