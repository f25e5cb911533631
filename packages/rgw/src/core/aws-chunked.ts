/**
 * aws-chunked payloads (the S3 "Signature Calculations for the Authorization Header: Transferring
 * Payload in Multiple Chunks" specification; radosgw's AWSv4ComplMulti in src/rgw/rgw_auth_s3.cc):
 * `x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, Content-Encoding aws-chunked and
 * x-amz-decoded-content-length. The body is a run of chunks
 * `<hex size>;chunk-signature=<64 hex>\r\n<data>\r\n`, ending with a chunk of size 0; each chunk's
 * signature chains from the previous one (the first from the header's seed signature), so a
 * changed, dropped or reordered chunk breaks the chain. `STREAMING-UNSIGNED-PAYLOAD-TRAILER`
 * (newer AWS SDKs over HTTPS) has unsigned chunks and a trailer with a checksum, which is checked.
 * Pure: the body and the signing key are inputs.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { S3AuthFailure } from './sigv4';

export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** Named limits of aws-chunked decoding (docs/LIMITS.md, "rgw"). */
export const awsChunkedLimits = {
  /** Bytes of one chunk header line or trailer line (size, signature, CRLF). */
  chunkHeaderBytesMax: 4096,
  /** Trailer lines after the last chunk. */
  trailerLinesMax: 8,
};

/** What chains the chunk signatures: the signing key, x-amz-date, the scope and the seed signature. */
export interface ChunkSigning {
  key: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** The signature of one chunk (its data), given the previous chunk's signature. */
export function chunkSignature(s: Omit<ChunkSigning, 'seedSignature'>, previous: string, data: Buffer): string {
  const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', s.amzDate, s.scope, previous, EMPTY_SHA256, createHash('sha256').update(data).digest('hex')].join('\n');
  return createHmac('sha256', s.key).update(toSign).digest('hex');
}

export class AwsChunkedError extends Error {
  constructor(
    readonly s3Code: 'IncompleteBody' | 'InvalidArgument' | 'BadDigest',
    message: string,
  ) {
    super(message);
  }
}

function line(body: Buffer, at: number): { text: string; next: number } {
  const end = body.indexOf('\r\n', at);
  if (end < 0 || end - at > awsChunkedLimits.chunkHeaderBytesMax) throw new AwsChunkedError('IncompleteBody', 'an aws-chunked header line is truncated or too long');
  return { text: body.toString('latin1', at, end), next: end + 2 };
}

function checkTrailer(lines: string[], data: Buffer[]): void {
  for (const l of lines) {
    const colon = l.indexOf(':');
    const name = l.slice(0, colon).trim().toLowerCase();
    const want = l.slice(colon + 1).trim();
    let got: string | undefined;
    if (name === 'x-amz-checksum-crc32') {
      let c = 0;
      for (const d of data) c = crc32(d, c);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(c >>> 0);
      got = b.toString('base64');
    } else if (name === 'x-amz-checksum-sha256' || name === 'x-amz-checksum-sha1') {
      const h = createHash(name.slice(-6) === 'sha256' ? 'sha256' : 'sha1');
      for (const d of data) h.update(d);
      got = h.digest('base64');
    }
    if (got !== undefined && got !== want) throw new AwsChunkedError('BadDigest', `the ${name} you specified did not match the calculated checksum`);
  }
}

/**
 * Decode an aws-chunked body; with `signing`, each chunk signature is checked in sequence
 * (SignatureDoesNotMatch on the first that breaks the chain). The decoded length must equal
 * x-amz-decoded-content-length.
 */
export function decodeAwsChunked(body: Buffer, decodedLength: number, signing: ChunkSigning | undefined): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  let previous = signing?.seedSignature ?? '';
  let total = 0;
  for (;;) {
    const h = line(body, at);
    const [sizeText, ...ext] = h.text.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText ?? '')) throw new AwsChunkedError('InvalidArgument', 'an aws-chunked chunk size is malformed');
    const size = parseInt(sizeText!, 16);
    if (h.next + size > body.length) throw new AwsChunkedError('IncompleteBody', 'an aws-chunked chunk is truncated');
    const data = body.subarray(h.next, h.next + size);
    if (signing) {
      const sig = ext.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length) ?? '';
      const want = Buffer.from(chunkSignature(signing, previous, data));
      const got = Buffer.from(sig);
      if (got.length !== want.length || !timingSafeEqual(got, want)) throw new S3AuthFailure('SignatureDoesNotMatch', 'the chunk signature we calculated does not match the signature you provided');
      previous = sig;
    }
    total += size;
    if (size === 0) {
      at = h.next;
      break;
    }
    out.push(data);
    if (body.toString('latin1', h.next + size, h.next + size + 2) !== '\r\n') throw new AwsChunkedError('IncompleteBody', 'an aws-chunked chunk does not end with CRLF');
    at = h.next + size + 2;
  }
  // What follows the last chunk: trailer lines (unsigned trailer payloads), then an empty line.
  const trailer: string[] = [];
  for (;;) {
    const l = line(body, at);
    at = l.next;
    if (!l.text) break;
    if (trailer.push(l.text) > awsChunkedLimits.trailerLinesMax) throw new AwsChunkedError('InvalidArgument', `over trailerLinesMax ${awsChunkedLimits.trailerLinesMax} trailer lines`);
  }
  if (at !== body.length) throw new AwsChunkedError('InvalidArgument', 'bytes follow the end of an aws-chunked body');
  if (total !== decodedLength) throw new AwsChunkedError('IncompleteBody', 'the decoded length does not match x-amz-decoded-content-length');
  checkTrailer(trailer, out);
  return Buffer.concat(out, total);
}
