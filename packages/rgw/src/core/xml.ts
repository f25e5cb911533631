/**
 * The S3 XML documents ts-rgw answers with (the S3 API reference; radosgw's src/rgw/rgw_rest_s3.cc
 * writes the same elements): ListAllMyBucketsResult, ListBucketResult (v1 and v2) and Error.
 * Pure string building; every text node is escaped.
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case "'":
        return '&apos;';
      case '"':
        return '&quot;';
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

export type Node = [string, string | number | boolean | Node[]];

function render(nodes: Node[]): string {
  return nodes.map(([name, v]) => `<${name}>${Array.isArray(v) ? render(v) : xmlEscape(String(v))}</${name}>`).join('');
}

export function doc(root: string, body: Node[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="${S3_XMLNS}">${render(body)}</${root}>`;
}

/** ISO 8601 with milliseconds, as S3 writes LastModified and CreationDate. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export interface Owner {
  id: string;
  displayName: string;
}

export function listAllMyBuckets(owner: Owner, buckets: { name: string; createdMs: number }[]): string {
  return doc('ListAllMyBucketsResult', [
    ['Owner', [['ID', owner.id], ['DisplayName', owner.displayName]]],
    ['Buckets', buckets.map((b): Node => ['Bucket', [['Name', b.name], ['CreationDate', isoTime(b.createdMs)]]])],
  ]);
}

export interface ListEntry {
  key: string;
  size: number;
  etag: string;
  mtimeMs: number;
}

export interface ListResult {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  entries: ListEntry[];
  commonPrefixes: string[];
  truncated: boolean;
  /** v1: the marker asked for and the next marker; v2: tokens and start-after. */
  v2: boolean;
  marker?: string;
  nextMarker?: string;
  continuationToken?: string;
  nextContinuationToken?: string;
  startAfter?: string;
}

export function listBucket(r: ListResult, owner: Owner): string {
  const body: Node[] = [
    ['Name', r.bucket],
    ['Prefix', r.prefix],
  ];
  if (r.v2) {
    if (r.continuationToken !== undefined) body.push(['ContinuationToken', r.continuationToken]);
    if (r.startAfter) body.push(['StartAfter', r.startAfter]);
    body.push(['KeyCount', r.entries.length + r.commonPrefixes.length]);
  } else body.push(['Marker', r.marker ?? '']);
  body.push(['MaxKeys', r.maxKeys]);
  if (r.delimiter) body.push(['Delimiter', r.delimiter]);
  body.push(['IsTruncated', r.truncated]);
  if (r.v2 && r.nextContinuationToken) body.push(['NextContinuationToken', r.nextContinuationToken]);
  if (!r.v2 && r.truncated && r.nextMarker) body.push(['NextMarker', r.nextMarker]);
  for (const e of r.entries) {
    const c: Node[] = [
      ['Key', e.key],
      ['LastModified', isoTime(e.mtimeMs)],
      ['ETag', `"${e.etag}"`],
      ['Size', e.size],
      ['StorageClass', 'STANDARD'],
    ];
    if (!r.v2) c.push(['Owner', [['ID', owner.id], ['DisplayName', owner.displayName]]]);
    body.push(['Contents', c]);
  }
  for (const p of r.commonPrefixes) body.push(['CommonPrefixes', [['Prefix', p]]]);
  return doc('ListBucketResult', body);
}

export function errorDocument(code: string, message: string, resource: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${render([['Error', [['Code', code], ['Message', message], ['Resource', resource], ['RequestId', requestId]]]])}`;
}
