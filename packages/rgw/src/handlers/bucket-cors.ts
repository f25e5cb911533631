/**
 * CORS on requests (radosgw's RGWOptionsCORS and RGWOp::generate_cors_headers): an OPTIONS
 * preflight is answered from the bucket's rules without authentication, and a request carrying
 * Origin gets the Access-Control-* headers of the first matching rule.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { corsHeaders, matchCorsRule } from '../core/cors';
import { S3Error } from '../core/errors';
import { RgwStore } from '../store';

/** The bucket name of a path-style request, or '' (ListBuckets). */
function bucketOf(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath.split('/')[1] ?? '');
  } catch {
    return '';
  }
}

/** OPTIONS: 200 with the rule's headers, or 403 when no rule allows the origin, method and headers. */
export async function corsPreflight(req: IncomingMessage, res: ServerResponse, store: RgwStore, rawPath: string): Promise<void> {
  const origin = req.headers.origin;
  const method = req.headers['access-control-request-method'];
  if (!origin || typeof method !== 'string') throw new S3Error('InvalidRequest', 'a CORS preflight needs Origin and Access-Control-Request-Method');
  const name = bucketOf(rawPath);
  if (!name) throw new S3Error('AccessForbidden', 'CORSResponse: this CORS request is not allowed');
  const b = await store.bucket(name);
  const headers = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const rule = b.cors ? matchCorsRule(b.cors, origin, method, headers) : undefined;
  if (!rule) throw new S3Error('AccessForbidden', 'CORSResponse: this CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.');
  res.writeHead(200, { ...corsHeaders(rule, origin, { method, headers }), 'content-length': 0 });
  res.end();
}

/** Set the Access-Control-* headers on the response of a request from an allowed origin. */
export async function corsOnRequest(req: IncomingMessage, res: ServerResponse, store: RgwStore, rawPath: string): Promise<void> {
  const origin = req.headers.origin;
  const name = bucketOf(rawPath);
  if (!origin || !name) return;
  const b = await store.bucket(name).catch(() => undefined);
  const rule = b?.cors ? matchCorsRule(b.cors, origin, req.method ?? 'GET') : undefined;
  if (rule) for (const [k, v] of Object.entries(corsHeaders(rule, origin, undefined))) res.setHeader(k, v);
}
