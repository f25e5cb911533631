import { cephError } from '@ts-ceph/common/core';
import { ClsContext } from '../context';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from '../registry';
import { MIGRATION_HEADER_TYPE, MigrationSpec, decodeMigrationSpec, encodeMigrationSpec } from './spec-types';
import { RBD_FEATURE } from './types';
import { decodeInput, ifAbsent, out, readKey, readKeyOr, readU64, removeKey, writeKey } from './util';

/**
 * cls_rbd's migration methods on an image header (src/cls/rbd/cls_rbd.cc, image::set_migration,
 * read_migration, remove_migration): `rbd migration prepare` stores a MigrationSpec under the
 * `migration` key of both the source and the destination header and sets RBD_FEATURE_MIGRATING;
 * execute moves the state along; commit and abort remove both. A format 1 image (no `features` key)
 * is marked by rewriting its text header, as Ceph does.
 */

const RD = CLS_METHOD_RD;
const RDWR = CLS_METHOD_RD | CLS_METHOD_WR;
const MIGRATION_KEY = 'migration';
/** RBD_HEADER_TEXT and RBD_MIGRATE_HEADER_TEXT (src/include/rbd_types.h), with their NUL as sizeof counts it. */
const RBD_HEADER_TEXT = Buffer.from('<<< Rados Block Device Image >>>\n\0');
const RBD_MIGRATE_HEADER_TEXT = Buffer.from('<<< Migrating RBD Image      >>>\n\0');

/** The features key, or undefined for a format 1 image. */
function readFeatures(ctx: ClsContext): Promise<bigint | undefined> {
  return readKeyOr<bigint | undefined>(ctx, 'features', readU64, undefined);
}

/** A format 1 header's text: 'plain', 'migrating', or ENXIO when it is neither. */
async function v1HeaderState(ctx: ClsContext): Promise<'plain' | 'migrating'> {
  const header = await ctx.read(0, RBD_HEADER_TEXT.length);
  if (header.equals(RBD_HEADER_TEXT)) return 'plain';
  if (header.equals(RBD_MIGRATE_HEADER_TEXT)) return 'migrating';
  throw cephError('ENXIO', 'cls_rbd: unrecognized v1 header format');
}

/** image::set_migration with init: EEXIST when a migration is already set (or the feature, on a source). */
async function initMigration(ctx: ClsContext, spec: MigrationSpec): Promise<void> {
  const existing = await ctx.mapGetVal(MIGRATION_KEY).catch(ifAbsent(undefined));
  if (existing) throw cephError('EEXIST', 'cls_rbd: migration already set');
  const features = await readFeatures(ctx);
  if (features === undefined) {
    if ((await v1HeaderState(ctx)) === 'migrating') throw cephError('EEXIST', 'cls_rbd: migration already set');
    if (spec.headerType !== MIGRATION_HEADER_TYPE.SRC) throw cephError('EINVAL', 'cls_rbd: a v1 image can only be a migration source');
    await ctx.write(0, RBD_MIGRATE_HEADER_TEXT);
  } else if ((features & RBD_FEATURE.MIGRATING) !== 0n) {
    if (spec.headerType !== MIGRATION_HEADER_TYPE.DST) throw cephError('EEXIST', 'cls_rbd: migrating feature already set');
  } else {
    await writeKey(ctx, 'features', (w) => w.u64(features | RBD_FEATURE.MIGRATING));
  }
}

/** image::read_migration: EINVAL when the image is not migrating. */
async function readMigration(ctx: ClsContext): Promise<MigrationSpec> {
  const features = await readFeatures(ctx);
  if (features === undefined) {
    if ((await v1HeaderState(ctx)) === 'plain') throw cephError('EINVAL', 'cls_rbd: migration feature not set');
  } else if ((features & RBD_FEATURE.MIGRATING) === 0n) {
    throw cephError('EINVAL', 'cls_rbd: migration feature not set');
  }
  return readKey(ctx, MIGRATION_KEY, decodeMigrationSpec);
}

async function writeMigration(ctx: ClsContext, spec: MigrationSpec): Promise<void> {
  await writeKey(ctx, MIGRATION_KEY, (w) => encodeMigrationSpec(w, spec));
}

/** migration_set(MigrationSpec). */
async function migrationSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const spec = decodeInput(input, decodeMigrationSpec);
  await initMigration(ctx, spec);
  await writeMigration(ctx, spec);
}

/** migration_set_state(u8 state, string description). */
async function migrationSetState(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ state: r.u8('state'), description: r.string('description') }));
  const spec = await readMigration(ctx);
  await writeMigration(ctx, { ...spec, state: a.state, stateDescription: a.description });
}

async function migrationGet(ctx: ClsContext): Promise<Buffer> {
  const spec = await readMigration(ctx);
  return out((w) => encodeMigrationSpec(w, spec));
}

/** image::remove_migration: the key goes (a missing one is fine), then the feature or the v1 mark. */
async function migrationRemove(ctx: ClsContext): Promise<void> {
  await removeKey(ctx, MIGRATION_KEY);
  const features = await readFeatures(ctx);
  if (features === undefined) {
    if ((await v1HeaderState(ctx)) === 'plain') throw cephError('EINVAL', 'cls_rbd: migration feature not set');
    await ctx.write(0, RBD_HEADER_TEXT);
  } else if ((features & RBD_FEATURE.MIGRATING) !== 0n) {
    await writeKey(ctx, 'features', (w) => w.u64(features & ~RBD_FEATURE.MIGRATING));
  } else {
    ctx.log(10, 'migrating feature not set');
  }
}

/** cls::rbd::AssertSnapcSeqState (a u8). */
export const ASSERT_SNAPC_SEQ = { GT_SNAPSET_SEQ: 0, LE_SNAPSET_SEQ: 1 } as const;

/**
 * assert_snapc_seq(u64 snapc_seq, u8 state) on a data object: a migration's deep copy writes an
 * object only while the destination's snap context is newer than the object's SnapSet (GT), so a
 * write the image already made is not overwritten. A missing object counts as older than any seq.
 * ERANGE when the assertion fails, EOPNOTSUPP for an unknown state.
 */
async function assertSnapcSeq(ctx: ClsContext, input: Buffer): Promise<void> {
  const a = decodeInput(input, (r) => ({ seq: r.u64('snapc_seq'), state: r.u8('state') }));
  const snapsetSeq = await ctx.snapsetSeq().catch(ifAbsent(undefined));
  const newer = snapsetSeq === undefined || a.seq > snapsetSeq;
  if (a.state === ASSERT_SNAPC_SEQ.GT_SNAPSET_SEQ) {
    if (!newer) throw cephError('ERANGE', `cls_rbd: snapc seq ${a.seq} is not newer than the object's ${snapsetSeq}`);
  } else if (a.state === ASSERT_SNAPC_SEQ.LE_SNAPSET_SEQ) {
    if (newer) throw cephError('ERANGE', `cls_rbd: snapc seq ${a.seq} is newer than the object's`);
  } else {
    throw cephError('EOPNOTSUPP', `cls_rbd: unknown snapc seq assertion ${a.state}`);
  }
}

export const migrationMethods: Readonly<Record<string, ClsMethod>> = {
  migration_set: { flags: RDWR, fn: migrationSet },
  migration_set_state: { flags: RDWR, fn: migrationSetState },
  migration_get: { flags: RD, fn: migrationGet },
  migration_remove: { flags: RDWR, fn: migrationRemove },
  assert_snapc_seq: { flags: RDWR, fn: assertSnapcSeq },
};
