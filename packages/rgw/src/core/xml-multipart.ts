/**
 * The multipart upload documents (the S3 API reference; radosgw's rgw_rest_s3.cc writes the same
 * elements): InitiateMultipartUploadResult, CompleteMultipartUploadResult, ListPartsResult,
 * ListMultipartUploadsResult and CopyPartResult. Pure string building.
 */
import { doc, isoTime, Node, Owner } from './xml';

export function initiateResult(bucket: string, key: string, uploadId: string): string {
  return doc('InitiateMultipartUploadResult', [
    ['Bucket', bucket],
    ['Key', key],
    ['UploadId', uploadId],
  ]);
}

export function completeResult(location: string, bucket: string, key: string, etag: string): string {
  return doc('CompleteMultipartUploadResult', [
    ['Location', location],
    ['Bucket', bucket],
    ['Key', key],
    ['ETag', `"${etag}"`],
  ]);
}

export function copyPartResult(etag: string, mtimeMs: number): string {
  return doc('CopyPartResult', [
    ['LastModified', isoTime(mtimeMs)],
    ['ETag', `"${etag}"`],
  ]);
}

const ownerNodes = (o: Owner): Node[] => [
  ['ID', o.id],
  ['DisplayName', o.displayName],
];

export interface PartsPage {
  bucket: string;
  key: string;
  uploadId: string;
  owner: Owner;
  marker: number;
  maxParts: number;
  truncated: boolean;
  parts: { partNumber: number; etag: string; size: number; mtimeMs: number }[];
}

export function listPartsResult(p: PartsPage): string {
  const body: Node[] = [
    ['Bucket', p.bucket],
    ['Key', p.key],
    ['UploadId', p.uploadId],
    ['Initiator', ownerNodes(p.owner)],
    ['Owner', ownerNodes(p.owner)],
    ['StorageClass', 'STANDARD'],
    ['PartNumberMarker', p.marker],
    ['NextPartNumberMarker', p.parts.length ? p.parts[p.parts.length - 1]!.partNumber : p.marker],
    ['MaxParts', p.maxParts],
    ['IsTruncated', p.truncated],
  ];
  for (const x of p.parts) {
    body.push([
      'Part',
      [
        ['PartNumber', x.partNumber],
        ['LastModified', isoTime(x.mtimeMs)],
        ['ETag', `"${x.etag}"`],
        ['Size', x.size],
      ],
    ]);
  }
  return doc('ListPartsResult', body);
}

export interface UploadsPage {
  bucket: string;
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  maxUploads: number;
  truncated: boolean;
  uploads: { key: string; uploadId: string; owner: Owner; initiatedMs: number }[];
  commonPrefixes: string[];
}

export function listUploadsResult(p: UploadsPage): string {
  const last = p.uploads[p.uploads.length - 1];
  const body: Node[] = [
    ['Bucket', p.bucket],
    ['KeyMarker', p.keyMarker],
    ['UploadIdMarker', p.uploadIdMarker],
    ['NextKeyMarker', last?.key ?? ''],
    ['NextUploadIdMarker', last?.uploadId ?? ''],
    ['Prefix', p.prefix],
  ];
  if (p.delimiter) body.push(['Delimiter', p.delimiter]);
  body.push(['MaxUploads', p.maxUploads], ['IsTruncated', p.truncated]);
  for (const u of p.uploads) {
    body.push([
      'Upload',
      [
        ['Key', u.key],
        ['UploadId', u.uploadId],
        ['Initiator', ownerNodes(u.owner)],
        ['Owner', ownerNodes(u.owner)],
        ['StorageClass', 'STANDARD'],
        ['Initiated', isoTime(u.initiatedMs)],
      ],
    ]);
  }
  for (const cp of p.commonPrefixes) body.push(['CommonPrefixes', [['Prefix', cp]]]);
  return doc('ListMultipartUploadsResult', body);
}
