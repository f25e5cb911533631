/**
 * What ts-rgw-admin does to users, keys, buckets and quotas (radosgw-admin's user, key, bucket and
 * quota commands), on the layout of docs/formats/rgw.md. User records are rewritten at the version
 * read (assert_version), so two admins editing one user cannot lose each other's change.
 */
import { randomBytes } from 'node:crypto';
import { cephError, isCephError } from '@ts-ceph/common';
import { ReadOp, WriteOp } from '@ts-ceph/rados';
import { versionNs } from './core/versions';
import { IndexEntry, RgwStore, rgwStoreLimits, UserInfo } from './store';

/** A fresh key pair from the OS CSPRNG, shaped as radosgw's (20 upper-case characters, 40 of secret). */
export function newKeyPair(): { accessKey: string; secretKey: string } {
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(20);
  // 256 % 36 leaves a small bias; rejection keeps every character uniform.
  let accessKey = '';
  for (let i = 0; accessKey.length < 20; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 252) accessKey += alnum[b % 36];
  }
  return { accessKey, secretKey: randomBytes(30).toString('base64') };
}

/** Rewrite user `uid` through `change`; ENOENT when there is none. */
export async function updateUser(store: RgwStore, uid: string, change: (u: UserInfo) => UserInfo): Promise<UserInfo> {
  for (let i = 0; ; i++) {
    const r = await store.meta.operateRead(`user.${uid}`, new ReadOp().read(0, 0)).catch((e: unknown) => {
      throw isCephError(e, 'ENOENT') ? cephError('ENOENT', 'could not fetch user info: no user info saved') : e;
    });
    const next = change(JSON.parse((r.results[0]!.value as Buffer).toString()) as UserInfo);
    try {
      await store.meta.operate(`user.${uid}`, new WriteOp().assertVersion(r.version).writeFull(Buffer.from(JSON.stringify(next))));
      await store.metaChanged('user', uid);
      return next;
    } catch (e) {
      if (!(isCephError(e, 'ERANGE') || isCephError(e, 'EOVERFLOW')) || i >= rgwStoreLimits.raceRetriesMax) throw e;
    }
  }
}

export async function listUsers(store: RgwStore): Promise<string[]> {
  const uids: string[] = [];
  for await (const o of store.meta.listObjects()) if (o.oid.startsWith('user.')) uids.push(o.oid.slice('user.'.length));
  return uids.sort();
}

export async function listAllBuckets(store: RgwStore): Promise<string[]> {
  const names: string[] = [];
  for await (const o of store.meta.listObjects()) if (o.oid.startsWith('bucket.')) names.push(o.oid.slice('bucket.'.length));
  return names.sort();
}

/** Add a key to a user: the key object first (exclusive: a key belongs to one user), then the record. */
export async function addKey(store: RgwStore, uid: string, key: { accessKey: string; secretKey: string }): Promise<UserInfo> {
  if (!(await store.userInfo(uid))) throw cephError('ENOENT', 'could not fetch user info: no user info saved');
  await store.meta.operate(`key.${key.accessKey}`, new WriteOp().create(true).writeFull(Buffer.from(uid))).catch((e: unknown) => {
    throw isCephError(e, 'EEXIST') ? cephError('EEXIST', 'could not create key: key exists') : e;
  });
  return updateUser(store, uid, (u) => ({ ...u, keys: [...u.keys.filter((k) => k.accessKey !== key.accessKey), key] }));
}

export async function removeKey(store: RgwStore, uid: string, accessKey: string): Promise<UserInfo> {
  const u = await store.userInfo(uid);
  if (!u?.keys.some((k) => k.accessKey === accessKey)) throw cephError('ENOENT', 'could not remove key: unable to find access key');
  const next = await updateUser(store, uid, (x) => ({ ...x, keys: x.keys.filter((k) => k.accessKey !== accessKey) }));
  await store.meta.remove(`key.${accessKey}`).catch(() => undefined);
  await store.metaChanged('key', accessKey);
  return next;
}

/** radosgw-admin bucket rm: an empty bucket, or with purgeObjects every version first. */
export async function removeBucket(store: RgwStore, name: string, purgeObjects: boolean): Promise<void> {
  const b = await store.bucket(name);
  if (purgeObjects) {
    for (;;) {
      const page = await store.index.omapGetVals(`index.${b.id}`, { prefix: versionNs, max: 1000 });
      for (const v of page.vals.values()) {
        const e = JSON.parse(v.toString()) as IndexEntry;
        await store.deleteObject(b, e.key!, e.versionId ?? 'null');
      }
      // Entries from before versioning have no version entry: the current ones go too.
      const rest = await store.index.omapGetVals(`index.${b.id}`, { max: 1000 });
      for (const k of rest.vals.keys()) if (!k.startsWith(versionNs)) await store.deleteObject(b, k, 'null');
      if (!page.vals.size && !rest.vals.size) break;
    }
  }
  await store.deleteBucket(b.owner, name);
}

/** radosgw-admin user rm: refused while the user owns buckets, unless purgeData. */
export async function removeUser(store: RgwStore, uid: string, purgeData: boolean): Promise<void> {
  const u = await store.userInfo(uid);
  if (!u) throw cephError('ENOENT', 'could not remove user: unable to remove user, user does not exist');
  const buckets = await store.listBuckets(uid);
  if (buckets.length && !purgeData) throw cephError('ENOTEMPTY', 'could not remove user: unable to remove user, must specify purge data to remove user with buckets');
  for (const b of buckets) await removeBucket(store, b.name, true);
  for (const k of u.keys) await store.meta.remove(`key.${k.accessKey}`).catch(() => undefined);
  await store.meta.remove(`user.${uid}`);
  for (const k of u.keys) await store.metaChanged('key', k.accessKey);
  await store.metaChanged('user', uid);
}
