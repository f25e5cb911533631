/**
 * HTTP preconditions as S3 evaluates them (RFC 7232 section 6; radosgw's RGWGetObj and
 * RGWCopyObj with if_match / if_nomatch / mod_ptr / unmod_ptr): If-Match, then
 * If-Unmodified-Since when If-Match is absent, give 412; If-None-Match, then If-Modified-Since
 * when If-None-Match is absent, give 304 on GET and HEAD (412 for a copy source). Pure.
 */

export interface Preconditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

function etagList(h: string): string[] {
  return h.split(',').map((x) => x.trim().replace(/^W\//, '').replace(/"/g, ''));
}

function matches(h: string, etag: string): boolean {
  const l = etagList(h);
  return l.includes('*') || l.includes(etag);
}

/** HTTP dates have whole seconds: compare at that resolution. An unparsable date is ignored (RFC 7232). */
function seconds(h: string | undefined): number | undefined {
  if (h === undefined) return undefined;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/** 'ok', 'not-modified' (304) or 'failed' (412) for an object with this ETag and mtime. */
export function evaluatePreconditions(p: Preconditions, etag: string, mtimeMs: number): 'ok' | 'not-modified' | 'failed' {
  const mtime = Math.floor(mtimeMs / 1000);
  if (p.ifMatch !== undefined) {
    if (!matches(p.ifMatch, etag)) return 'failed';
  } else {
    const since = seconds(p.ifUnmodifiedSince);
    if (since !== undefined && mtime > since) return 'failed';
  }
  if (p.ifNoneMatch !== undefined) {
    if (matches(p.ifNoneMatch, etag)) return 'not-modified';
  } else {
    const since = seconds(p.ifModifiedSince);
    if (since !== undefined && mtime <= since) return 'not-modified';
  }
  return 'ok';
}
