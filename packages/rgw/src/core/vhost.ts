/**
 * Virtual-host-style addressing (radosgw's RGWREST::preprocess in src/rgw/rgw_rest.cc): a request
 * whose Host is `<bucket>.<dns name>` addresses that bucket, with the path naming the key. The dns
 * names are radosgw's `rgw_dns_name` (ours takes a comma-separated list, as the zonegroup's
 * `hostnames` would give several). A Host equal to a dns name, or one matching none, is path-style.
 * Pure.
 */

/** The host part of a Host header, lower-case, without its port ("[::1]:80" → "::1"). */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** Parse `rgw_dns_name`: comma- or space-separated names, empty entries dropped. */
export function parseDnsNames(conf: string | undefined): string[] {
  return (conf ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
}

/** The bucket a Host header names under one of `dnsNames`, or undefined for path-style. */
export function bucketFromHost(host: string | undefined, dnsNames: readonly string[]): string | undefined {
  if (!host || !dnsNames.length) return undefined;
  const h = hostName(host).replace(/\.$/, '');
  for (const dns of dnsNames) {
    if (h.length > dns.length + 1 && h.endsWith(`.${dns}`)) return h.slice(0, h.length - dns.length - 1);
  }
  return undefined;
}

/**
 * The path-style form of a request path: radosgw prepends "/<bucket>" to the request URI of a
 * virtual-host-style request (and SigV2 signs that form; SigV4 signs the path as sent).
 */
export function pathStyle(rawPath: string, bucket: string | undefined): string {
  if (bucket === undefined) return rawPath;
  return `/${encodeURIComponent(bucket)}${rawPath.startsWith('/') ? '' : '/'}${rawPath}`;
}
