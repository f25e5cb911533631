/**
 * S3 error codes and their HTTP statuses (the S3 API reference "Error responses"; radosgw's
 * src/rgw/rgw_common.cc rgw_http_s3_errors), raised as S3Error and answered as an XML Error
 * document by the server.
 */
export const s3ErrorStatus = {
  AccessForbidden: 403,
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IllegalVersioningConfigurationException: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidEncryptionAlgorithmError: 400,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidTag: 400,
  InvalidBucketName: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  KeyTooLongError: 400,
  MalformedACLError: 400,
  MalformedPolicy: 400,
  MalformedPOSTRequest: 400,
  MalformedXML: 400,
  NoSuchBucketPolicy: 404,
  NoSuchCORSConfiguration: 404,
  PolicyTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotModified: 304,
  PreconditionFailed: 412,
  NotImplemented: 501,
  QuotaExceeded: 403,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  UserSuspended: 403,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof s3ErrorStatus;

export class S3Error extends Error {
  readonly status: number;
  constructor(
    readonly code: S3ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = s3ErrorStatus[code];
  }
}

/**
 * Bucket names as S3 (and radosgw with rgw_relaxed_s3_bucket_names off) accept them: 3-63
 * characters of lower-case letters, digits, '.' and '-', starting and ending with a letter or
 * digit, not an IPv4 address.
 */
export function checkBucketName(name: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || /^\d+\.\d+\.\d+\.\d+$/.test(name) || name.includes('..')) {
    throw new S3Error('InvalidBucketName', `the specified bucket ${JSON.stringify(name)} is not valid`);
  }
}
