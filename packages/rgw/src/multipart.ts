import { createHash, randomBytes } from 'node:crypto';
import { WriteOp } from '@ts-ceph/rados';
import { Acl } from './core/acl';
import type { CryptInfo } from './core/sse-c';
import { S3Error } from './core/errors';
import { checkObjectKey } from './core/versions';
import { BucketInfo, DataSet, IndexEntry, isErrno, json, RgwStore, rgwStoreLimits } from './store';

/** Named limits of multipart uploads (docs/LIMITS.md, "rgw"; S3's documented quotas). */
export const rgwMultipartLimits = {
  /** Bytes every part but the last must reach (S3's EntityTooSmall; radosgw's rgw_multipart_min_part_size). */
  partBytesMin: 5 << 20,
  /** Highest part number (S3: 1 .. 10000). */
  partNumberMax: 10_000,
  /** Parts per ListParts page and uploads per ListMultipartUploads page. */
  listEntriesMax: 1000,
};

/** The upload object's data (`upload.<upload id>` in the index pool). */
export interface UploadInfo {
  bucketId: string;
  key: string;
  uploadId: string;
  owner: string;
  initiatedMs: number;
  contentType: string;
  meta: Record<string, string>;
  /** The completed object's ACL, asked for at CreateMultipartUpload (x-amz-acl, x-amz-grant-*). */
  acl?: Acl;
  /** SSE-C asked for at CreateMultipartUpload: every part must come with the same key. */
  crypt?: CryptInfo;
}

/** One part record: the omap value under the zero-padded part number. */
export interface PartRecord extends DataSet {
  partNumber: number;
  etag: string;
  mtimeMs: number;
}

/** Upload ids are "2~" and 32 hex digits (radosgw's ids start with "2~" too); fixed length. */
const UPLOAD_ID_CHARS = 34;
const partKey = (n: number): string => String(n).padStart(5, '0');
const uploadOid = (uploadId: string): string => `upload.${uploadId}`;
/** The uploads listing key: the object key, a space, the upload id (sorts by key, then id). */
const listingKey = (key: string, uploadId: string): string => `${key} ${uploadId}`;

/**
 * Multipart uploads on the RADOS layout (docs/formats/rgw.md, "Multipart uploads"): an upload is
 * an object in the index pool whose omap lists its parts, each part a data set of its own written
 * like an object's; completing publishes an index entry naming the chosen parts in order, then
 * drops the upload. Every data set is recorded pending before it is written or dropped, so the
 * collector cleans up after a gateway killed at any point.
 */
export class RgwMultipart {
  constructor(private readonly store: RgwStore) {}

  async initiate(b: BucketInfo, owner: string, key: string, contentType: string, meta: Record<string, string>, acl?: Acl, crypt?: CryptInfo): Promise<UploadInfo> {
    checkObjectKey(key);
    if (Buffer.byteLength(key) > rgwStoreLimits.keyBytesMax) throw new S3Error('KeyTooLongError', `keys are at most ${rgwStoreLimits.keyBytesMax} bytes`);
    const info: UploadInfo = { bucketId: b.id, key, uploadId: `2~${randomBytes(16).toString('hex')}`, owner, initiatedMs: Date.now(), contentType, meta, acl, crypt };
    await this.store.index.operate(uploadOid(info.uploadId), new WriteOp().create(true).writeFull(json(info)));
    await this.store.index.omapSet(`uploads.${b.id}`, new Map([[listingKey(key, info.uploadId), json(info)]]));
    return info;
  }

  /** The upload `uploadId` of `key` in `b`, or NoSuchUpload. */
  async upload(b: BucketInfo, key: string, uploadId: string): Promise<UploadInfo> {
    if (uploadId.length !== UPLOAD_ID_CHARS || !/^2~[0-9a-f]+$/.test(uploadId)) throw noSuchUpload();
    let info: UploadInfo;
    try {
      info = JSON.parse((await this.store.index.read(uploadOid(uploadId), 1 << 16)).toString()) as UploadInfo;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw noSuchUpload();
      throw e;
    }
    if (info.bucketId !== b.id || info.key !== key) throw noSuchUpload();
    return info;
  }

  /** Store one part (replacing an earlier one of the same number); returns its record. `etag`: the plaintext's, for an encrypted body. */
  async uploadPart(b: BucketInfo, u: UploadInfo, partNumber: number, body: Buffer, etag?: string): Promise<PartRecord> {
    checkPartNumber(partNumber);
    const rec: PartRecord = { partNumber, data: `${b.id}_${randomBytes(12).toString('hex')}`, size: body.length, etag: etag ?? md5(body).toString('hex'), mtimeMs: Date.now() };
    const oid = uploadOid(u.uploadId);
    const old = (await this.store.index.omapGetValsByKeys(oid, [partKey(partNumber)]).catch(() => new Map<string, Buffer>())).get(partKey(partNumber));
    const oldRec = old ? (JSON.parse(old.toString()) as PartRecord) : undefined;
    const intents: DataSet[] = [rec, ...(oldRec ? [oldRec] : [])];
    await this.store.recordPending(b, u.key, intents, oid);
    await this.store.writeData(rec.data, body);
    try {
      await this.store.index.operate(oid, new WriteOp().assertExists().omapSet(new Map([[partKey(partNumber), json(rec)]])));
    } catch (e) {
      await this.store.removeData(rec);
      await this.store.clearPending(b, [rec]);
      if (isErrno(e, 'ENOENT')) throw noSuchUpload();
      throw e;
    }
    if (oldRec) await this.store.removeData(oldRec);
    await this.store.clearPending(b, intents);
    return rec;
  }

  /** Every part record of the upload, in part-number order. */
  async parts(u: UploadInfo): Promise<PartRecord[]> {
    const out: PartRecord[] = [];
    let after = '';
    for (;;) {
      const page = await this.store.index.omapGetVals(uploadOid(u.uploadId), { startAfter: after }).catch((e: unknown) => {
        if (isErrno(e, 'ENOENT')) throw noSuchUpload();
        throw e;
      });
      for (const [k, v] of page.vals) {
        after = k;
        out.push(JSON.parse(v.toString()) as PartRecord);
      }
      if (!page.more) return out;
    }
  }

  /**
   * Complete: the listed parts (ascending numbers, ETags as uploaded, all but the last at least
   * partBytesMin) become the object, ETag md5(md5s)-N; unlisted parts and the key's previous data go.
   */
  async complete(b: BucketInfo, u: UploadInfo, listed: { partNumber: number; etag: string }[]): Promise<IndexEntry> {
    if (!listed.length) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (no parts)');
    const have = new Map((await this.parts(u)).map((p) => [p.partNumber, p]));
    const chosen: PartRecord[] = [];
    for (const [i, l] of listed.entries()) {
      if (i > 0 && l.partNumber <= listed[i - 1]!.partNumber) throw new S3Error('InvalidPartOrder', 'the list of parts was not in ascending order; parts must be ordered by part number');
      const p = have.get(l.partNumber);
      if (!p || l.etag.replace(/"/g, '') !== p.etag) throw new S3Error('InvalidPart', `one or more of the specified parts could not be found (part ${l.partNumber})`);
      chosen.push(p);
    }
    for (const p of chosen.slice(0, -1)) {
      if (p.size < rgwMultipartLimits.partBytesMin) throw new S3Error('EntityTooSmall', `your proposed upload is smaller than the minimum allowed object size (part ${p.partNumber} has ${p.size} bytes)`);
    }
    const etag = `${md5(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')))).toString('hex')}-${chosen.length}`;
    const entry: IndexEntry = {
      size: chosen.reduce((n, p) => n + p.size, 0),
      etag,
      mtimeMs: Date.now(),
      contentType: u.contentType,
      meta: u.meta,
      data: `${b.id}_${u.uploadId.slice(2, 26)}`,
      parts: chosen.map((p) => ({ data: p.data, size: p.size })),
      acl: u.acl,
      crypt: u.crypt,
    };
    const used = new Set(chosen.map((p) => p.data));
    const unused = [...have.values()].filter((p) => !used.has(p.data));
    const plan = await this.store.planPublish(b, u.key, entry);
    const dropped = [...unused, ...plan.drop];
    const oid = uploadOid(u.uploadId);
    // Intents first: the versions the plan replaces and the parts left out are dropped after the
    // publish, which goes through the same versioned index plan as a PUT.
    await this.store.recordPending(b, u.key, dropped, oid);
    try {
      await this.store.applyPlan(b, plan);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) throw new S3Error('NoSuchBucket', `the bucket ${b.name} was deleted`);
      throw e;
    }
    await this.dropUpload(b, u);
    for (const p of dropped) await this.store.removeData(p);
    await this.store.clearPending(b, dropped);
    return entry;
  }

  /**
   * Abort: the upload goes first (no part can be added after), then its parts' data, except parts
   * a completed object names (a completion that died before dropping the upload).
   */
  async abort(b: BucketInfo, u: UploadInfo): Promise<void> {
    const parts = await this.parts(u);
    await this.store.recordPending(b, u.key, parts, uploadOid(u.uploadId));
    await this.dropUpload(b, u);
    const live = await this.store.entry(b, u.key);
    const named = new Set(live?.parts?.map((p) => p.data) ?? []);
    for (const p of parts) if (!named.has(p.data)) await this.store.removeData(p);
    await this.store.clearPending(b, parts);
  }

  private async dropUpload(b: BucketInfo, u: UploadInfo): Promise<void> {
    await this.store.index.remove(uploadOid(u.uploadId)).catch((e: unknown) => {
      if (!isErrno(e, 'ENOENT')) throw e;
    });
    await this.store.index.omapRmKeys(`uploads.${b.id}`, [listingKey(u.key, u.uploadId)]).catch((e: unknown) => {
      if (!isErrno(e, 'ENOENT')) throw e;
    });
  }

  /** A ListMultipartUploads page: uploads after (keyMarker, uploadIdMarker) whose key starts with prefix. */
  async list(b: BucketInfo, o: { prefix: string; delimiter: string; keyMarker: string; uploadIdMarker: string; max: number }): Promise<{ uploads: UploadInfo[]; commonPrefixes: string[]; truncated: boolean }> {
    const uploads: UploadInfo[] = [];
    const commonPrefixes: string[] = [];
    // Without an upload id marker, every upload of the key marker itself is skipped too (S3).
    let after = o.keyMarker ? (o.uploadIdMarker ? listingKey(o.keyMarker, o.uploadIdMarker) : listingKey(o.keyMarker, '~')) : '';
    for (;;) {
      const page = await this.store.index.omapGetVals(`uploads.${b.id}`, { startAfter: after, prefix: o.prefix }).catch((e: unknown) => {
        if (isErrno(e, 'ENOENT')) return { vals: new Map<string, Buffer>(), more: false };
        throw e;
      });
      for (const [k, v] of page.vals) {
        after = k;
        const key = k.slice(0, -UPLOAD_ID_CHARS - 1);
        const cut = o.delimiter ? key.indexOf(o.delimiter, o.prefix.length) : -1;
        const cp = cut >= 0 ? key.slice(0, cut + o.delimiter.length) : undefined;
        if (cp !== undefined && commonPrefixes.includes(cp)) continue;
        if (uploads.length + commonPrefixes.length >= o.max) return { uploads, commonPrefixes, truncated: true };
        if (cp !== undefined) commonPrefixes.push(cp);
        else uploads.push(JSON.parse(v.toString()) as UploadInfo);
      }
      if (!page.more) return { uploads, commonPrefixes, truncated: false };
    }
  }
}

function md5(b: Buffer): Buffer {
  return createHash('md5').update(b).digest();
}

function noSuchUpload(): S3Error {
  return new S3Error('NoSuchUpload', 'the specified multipart upload does not exist; the upload ID might be invalid, or it was aborted or completed');
}

export function checkPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > rgwMultipartLimits.partNumberMax) {
    throw new S3Error('InvalidArgument', `part number must be an integer between 1 and ${rgwMultipartLimits.partNumberMax}, inclusive`);
  }
}
