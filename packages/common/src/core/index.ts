/**
 * `@ts-ceph/common/core`: what a protocol core may use from common (errno, errors and assertions,
 * the logger, the ceph.conf parser), without the package root's file, process and daemon helpers.
 * The style check holds this entry to the protocol-core rules.
 */
export * from '../errno';
export * from '../errors';
export * from '../log';
export * from '../conf';
