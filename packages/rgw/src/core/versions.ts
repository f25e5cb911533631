/**
 * Object versioning in the bucket index (docs/formats/rgw.md, "Versions"): every version of an
 * object, delete markers included, is an omap entry of the bucket's index object under a key in a
 * namespace of its own, so one write op updates the current entry and the version list together.
 * The namespace starts with U+10FFFF, which sorts after every other key (radosgw puts its instance
 * entries behind a 0x80 byte for the same reason), and versions of one key sort newest first.
 * Pure: the caller passes time and counters, and the random part of version ids.
 */
import { S3Error } from './errors';
import { S3_XMLNS, xmlEscape } from './xml';

/** The first characters of every version entry's omap key. */
export const versionNs = '\u{10FFFF}v';

/** A bucket's versioning state as S3 names it; undefined: never configured. */
export type VersioningState = 'Enabled' | 'Suspended';

/** Stamps are ms * stampsPerMs + a per-millisecond counter; all below 2^53. */
export const stampsPerMs = 1024;
const stampMax = 2 ** 53 - 1;

/** All version entries of `key` start with this. */
export function versionPrefix(key: string): string {
  return `${versionNs}${key}\u0000`;
}

/** The omap key of a version of `key` made at `stamp`: a later stamp sorts first. */
export function versionKey(key: string, stamp: number): string {
  if (!Number.isSafeInteger(stamp) || stamp < 0) throw new RangeError(`a version stamp out of range: ${stamp}`);
  return versionPrefix(key) + (stampMax - stamp).toString(16).padStart(14, '0');
}

/** An omap key after every version of `key` and before any later key's versions. */
export function afterVersionsOf(key: string): string {
  return `${versionPrefix(key)}~`;
}

/** Object keys may not enter the version namespace. */
export function checkObjectKey(key: string): void {
  if (key.startsWith('\u{10FFFF}') || key.includes('\u0000')) throw new S3Error('InvalidArgument', 'the object key holds a character ts-rgw reserves');
}

/** PutBucketVersioning's body: a VersioningConfiguration with Status Enabled or Suspended. */
export function parseVersioningConfiguration(body: string): VersioningState {
  if (!/<VersioningConfiguration[\s>]/.test(body)) throw new S3Error('MalformedXML', 'the XML you provided was not well-formed or did not validate against our published schema');
  const m = /<Status>\s*([^<]*?)\s*<\/Status>/.exec(body);
  if (!m || (m[1] !== 'Enabled' && m[1] !== 'Suspended')) throw new S3Error('IllegalVersioningConfigurationException', 'the versioning configuration specified in the request is invalid');
  return m[1];
}

/** GetBucketVersioning's answer: no Status element for a bucket never configured. */
export function versioningConfiguration(state: VersioningState | undefined): string {
  const status = state ? `<Status>${state}</Status>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration xmlns="${S3_XMLNS}">${status}</VersioningConfiguration>`;
}

export interface VersionListing {
  bucket: string;
  prefix: string;
  delimiter: string;
  keyMarker: string;
  versionIdMarker: string;
  maxKeys: number;
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
  /** In listing order: versions and delete markers interleaved, then the common prefixes. */
  items: { key: string; versionId: string; latest: boolean; mtimeMs: number; deleteMarker: boolean; etag: string; size: number }[];
  commonPrefixes: string[];
  owner: { id: string; displayName: string };
}

const el = (name: string, v: string | number | boolean): string => `<${name}>${xmlEscape(String(v))}</${name}>`;

/** ListVersionsResult (the S3 API reference, ListObjectVersions). */
export function listVersionsResult(r: VersionListing): string {
  const owner = `<Owner>${el('ID', r.owner.id)}${el('DisplayName', r.owner.displayName)}</Owner>`;
  let s = el('Name', r.bucket) + el('Prefix', r.prefix) + el('KeyMarker', r.keyMarker) + el('VersionIdMarker', r.versionIdMarker);
  if (r.truncated && r.nextKeyMarker !== undefined) s += el('NextKeyMarker', r.nextKeyMarker);
  if (r.truncated && r.nextVersionIdMarker !== undefined) s += el('NextVersionIdMarker', r.nextVersionIdMarker);
  s += el('MaxKeys', r.maxKeys);
  if (r.delimiter) s += el('Delimiter', r.delimiter);
  s += el('IsTruncated', r.truncated);
  for (const i of r.items) {
    const common = el('Key', i.key) + el('VersionId', i.versionId) + el('IsLatest', i.latest) + el('LastModified', new Date(i.mtimeMs).toISOString());
    s += i.deleteMarker ? `<DeleteMarker>${common}${owner}</DeleteMarker>` : `<Version>${common}${el('ETag', `"${i.etag}"`)}${el('Size', i.size)}${el('StorageClass', 'STANDARD')}${owner}</Version>`;
  }
  for (const p of r.commonPrefixes) s += `<CommonPrefixes>${el('Prefix', p)}</CommonPrefixes>`;
  return `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult xmlns="${S3_XMLNS}">${s}</ListVersionsResult>`;
}
