/**
 * PostObject, the browser-based upload (radosgw's RGWPostObj and RGWPostObj_ObjStore_S3 in
 * rgw_op.cc and rgw_rest_s3.cc): POST /bucket with a multipart/form-data body whose fields name
 * the key (with ${filename} replaced), the signer and its policy, the ACL, Content-Type and
 * x-amz-meta-*, and whose "file" part is the object. A form without a policy is anonymous (it
 * needs a bucket that lets everyone write); answers are 204, or success_action_status 200/201
 * (201 with a PostResponse document), or a 303 to success_action_redirect.
 */
import { S3Error } from '../core/errors';
import { formBoundary, parseForm } from '../core/form-data';
import { checkPostLength, checkPostPolicy, parsePostPolicy, postSignature } from '../core/post-policy';
import { doc } from '../core/xml';
import { checkQuota } from '../quota';
import { BucketInfo, UserInfo } from '../store';
import { authorize, requestedAcl } from './bucket-access';
import { Ctx, requestOwner, sendXml } from './context';
import { newObjectAcl } from './objects-write';

/** Whether a POST on a bucket is a form upload. */
export function isPostObject(c: Ctx): boolean {
  return formBoundary(c.req.headers['content-type']) !== undefined;
}

/** The signer of the form, its signature and its policy checked; undefined for a form without a policy. */
async function formUser(c: Ctx, fields: Map<string, string>, env: Map<string, string>, size: number): Promise<UserInfo | undefined> {
  const policy = fields.get('policy') ?? fields.get('Policy');
  if (policy === undefined) return undefined;
  const sig = postSignature(fields);
  const found = await c.store.userByAccessKey(sig.accessKey);
  if (!found) throw new S3Error('InvalidAccessKeyId', 'the access key id you provided does not exist in our records');
  sig.verify(found.secret);
  if (found.user.suspended) throw new S3Error('UserSuspended', 'the user is suspended');
  const p = parsePostPolicy(policy);
  checkPostPolicy(p, env, Date.now());
  checkPostLength(p, size);
  return found.user;
}

export async function postObject(c: Ctx, b: BucketInfo): Promise<void> {
  const form = parseForm(c.body, formBoundary(c.req.headers['content-type'])!);
  const field = (n: string): string | undefined => [...form.fields].find(([k]) => k.toLowerCase() === n)?.[1];
  if (!form.file) throw new S3Error('InvalidArgument', 'POST requires exactly one file upload per request.');
  const keyField = field('key');
  if (!keyField) throw new S3Error('InvalidArgument', 'Key not specified');
  const key = keyField.replace(/\$\{filename\}/g, form.file.filename);
  const env = new Map([...form.fields, ['bucket', b.name], ['key', key]]);
  const pc: Ctx = { ...c, user: await formUser(c, form.fields, env, form.file.data.length) };
  authorize(pc, b, 's3:PutObject', { key, perm: 'WRITE' });
  await checkQuota(c.store, b, form.file.data.length);
  const meta: Record<string, string> = {};
  for (const [k, v] of form.fields) if (k.toLowerCase().startsWith('x-amz-meta-')) meta[k.toLowerCase()] = v;
  const acl = field('acl');
  const e = await c.store.putObject(b, key, form.file.data, {
    contentType: field('content-type') ?? form.file.contentType ?? 'binary/octet-stream',
    meta,
    acl: acl !== undefined ? requestedAcl({ 'x-amz-acl': acl }, requestOwner(pc, b.owner), b.owner) : newObjectAcl(pc, b),
  });
  const etag = `"${e.etag}"`;
  const redirect = field('success_action_redirect');
  if (redirect) {
    const q = new URLSearchParams({ bucket: b.name, key, etag });
    c.res.writeHead(303, { location: `${redirect}${redirect.includes('?') ? '&' : '?'}${q.toString()}`, etag, 'content-length': 0 });
    return void c.res.end();
  }
  const status = Number(field('success_action_status') ?? 204);
  if (status === 201) {
    const location = `http://${c.req.headers.host ?? 'localhost'}/${b.name}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return sendXml(c, 201, doc('PostResponse', [['Location', location], ['Bucket', b.name], ['Key', key], ['ETag', etag]]), { etag });
  }
  c.res.writeHead(status === 200 ? 200 : 204, { etag, ...(status === 200 ? { 'content-length': 0 } : {}) });
  c.res.end();
}
