import { cephError } from '@ts-ceph/common/core';

/**
 * rgw_frontends (src/rgw/rgw_frontend.h RGWFrontendConfig): "beast port=8000 endpoint=... ssl_port=
 * ssl_certificate=..." — the framework name, then space-separated key=value options. We serve the
 * beast options port (and endpoint's port) over HTTP; TLS options are accepted and refused until
 * HTTPS lands.
 */
export interface FrontendConfig {
  framework: string;
  port: number;
  host: string;
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
  if (opts.has('ssl_port') || opts.has('ssl_endpoint')) throw cephError('EOPNOTSUPP', 'rgw_frontends: HTTPS (ssl_port, ssl_endpoint) is not supported yet');
  let host = '0.0.0.0';
  let portText = opts.get('port') ?? '80';
  const ep = opts.get('endpoint');
  if (ep) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(ep);
    if (!m) throw cephError('EINVAL', `rgw_frontends: endpoint ${JSON.stringify(ep)} is malformed`);
    host = m[1]!.replace(/^\[|\]$/g, '');
    portText = m[2] ?? '80';
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw cephError('EINVAL', `rgw_frontends: port ${JSON.stringify(portText)} is not a port`);
  return { framework, port: Number(portText), host };
}
