/**
 * Bucket CORS (the S3 API reference "CORS configuration"; radosgw's src/rgw/rgw_cors.cc and
 * rgw_cors_s3.cc): the CORSConfiguration document both ways, and which rule answers a request
 * from an origin with a method (and, for a preflight, the headers it asks for). Pure.
 */
import { S3Error } from './errors';
import { childrenNamed, childText, parseXml } from './xml-parse';
import { S3_XMLNS, xmlEscape } from './xml';

/** Named limits of CORS (docs/LIMITS.md, "rgw"). */
export const rgwCorsLimits = {
  /** Rules in one configuration (S3's limit). */
  rulesMax: 100,
};

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

const corsMethods = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'];

/** PutBucketCors's body. */
export function parseCorsConfiguration(body: string): CorsRule[] {
  const root = parseXml(body);
  if (root.name !== 'CORSConfiguration') throw new S3Error('MalformedXML', 'the root element must be CORSConfiguration');
  const rules = childrenNamed(root, 'CORSRule').map((r): CorsRule => {
    const texts = (n: string): string[] => childrenNamed(r, n).map((c) => c.text.trim());
    const age = childText(r, 'MaxAgeSeconds');
    const rule: CorsRule = { id: childText(r, 'ID'), allowedOrigins: texts('AllowedOrigin'), allowedMethods: texts('AllowedMethod'), allowedHeaders: texts('AllowedHeader'), exposeHeaders: texts('ExposeHeader'), maxAgeSeconds: age === undefined ? undefined : Number(age) };
    if (!rule.allowedOrigins.length || !rule.allowedMethods.length) throw new S3Error('MalformedXML', 'a CORSRule needs AllowedOrigin and AllowedMethod');
    for (const m of rule.allowedMethods) if (!corsMethods.includes(m)) throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    if (rule.maxAgeSeconds !== undefined && !(Number.isInteger(rule.maxAgeSeconds) && rule.maxAgeSeconds >= 0)) throw new S3Error('MalformedXML', 'MaxAgeSeconds must be a non-negative integer');
    if (rule.allowedOrigins.some((o) => o.split('*').length > 2)) throw new S3Error('InvalidRequest', 'an AllowedOrigin may hold at most one wildcard');
    return rule;
  });
  if (!rules.length || rules.length > rgwCorsLimits.rulesMax) throw new S3Error('MalformedXML', `a CORS configuration has 1 to ${rgwCorsLimits.rulesMax} rules`);
  return rules;
}

export function corsDocument(rules: CorsRule[]): string {
  const el = (n: string, v: string | number): string => `<${n}>${xmlEscape(String(v))}</${n}>`;
  const body = rules
    .map((r) => {
      let s = r.id !== undefined ? el('ID', r.id) : '';
      s += r.allowedMethods.map((m) => el('AllowedMethod', m)).join('') + r.allowedOrigins.map((o) => el('AllowedOrigin', o)).join('');
      s += r.allowedHeaders.map((h) => el('AllowedHeader', h)).join('') + r.exposeHeaders.map((h) => el('ExposeHeader', h)).join('');
      if (r.maxAgeSeconds !== undefined) s += el('MaxAgeSeconds', r.maxAgeSeconds);
      return `<CORSRule>${s}</CORSRule>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration xmlns="${S3_XMLNS}">${body}</CORSConfiguration>`;
}

/** A pattern with at most one `*` against a value, case-insensitively for header names. */
function wildMatch(pattern: string, v: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === v;
  return v.length >= pattern.length - 1 && v.startsWith(pattern.slice(0, star)) && v.endsWith(pattern.slice(star + 1));
}

/** The first rule allowing `origin` with `method` and every one of `headers` (lower-cased). */
export function matchCorsRule(rules: CorsRule[], origin: string, method: string, headers: string[] = []): CorsRule | undefined {
  return rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildMatch(o, origin)) &&
      r.allowedMethods.includes(method) &&
      headers.every((h) => r.allowedHeaders.some((a) => wildMatch(a.toLowerCase(), h.toLowerCase()))),
  );
}

/** The Access-Control-* headers a matching rule adds (a `*` origin answers `*`). */
export function corsHeaders(rule: CorsRule, origin: string, preflight: { method: string; headers: string[] } | undefined): Record<string, string> {
  const h: Record<string, string> = { 'access-control-allow-origin': rule.allowedOrigins.includes('*') ? '*' : origin };
  if (!rule.allowedOrigins.includes('*')) h['vary'] = 'Origin';
  h['access-control-allow-methods'] = rule.allowedMethods.join(', ');
  if (preflight?.headers.length) h['access-control-allow-headers'] = preflight.headers.join(', ');
  if (rule.exposeHeaders.length) h['access-control-expose-headers'] = rule.exposeHeaders.join(', ');
  if (preflight && rule.maxAgeSeconds !== undefined) h['access-control-max-age'] = String(rule.maxAgeSeconds);
  return h;
}
