/**
 * Object tag sets (the S3 API reference, PutObjectTagging; radosgw's RGWObjTags): at most 10
 * tags, keys of 1-128 and values of 0-256 characters, no key twice; as a Tagging document or the
 * x-amz-tagging header (URL query encoding). Pure.
 */
import { S3Error } from './errors';
import { doc, Node } from './xml';
import { childrenNamed, rawChildText, XmlElement } from './xml-parse';

/** Named limits of tag sets (docs/LIMITS.md, "rgw"; S3's and radosgw's). */
export const tagLimits = {
  /** Tags on one object. */
  tagsMax: 10,
  /** Characters of a tag key. */
  keyCharsMax: 128,
  /** Characters of a tag value. */
  valueCharsMax: 256,
};

export type TagSet = [string, string][];

export function checkTags(tags: TagSet): TagSet {
  if (tags.length > tagLimits.tagsMax) throw new S3Error('InvalidTag', `an object can have at most ${tagLimits.tagsMax} tags`);
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (!k.length || k.length > tagLimits.keyCharsMax) throw new S3Error('InvalidTag', `a tag key must have 1 to ${tagLimits.keyCharsMax} characters`);
    if (v.length > tagLimits.valueCharsMax) throw new S3Error('InvalidTag', `a tag value must have at most ${tagLimits.valueCharsMax} characters`);
    if (seen.has(k)) throw new S3Error('InvalidTag', 'cannot provide multiple tags with the same key');
    seen.add(k);
  }
  return tags;
}

/** The x-amz-tagging header: "k1=v1&k2=v2". */
export function tagsFromHeader(h: string): TagSet {
  return checkTags([...new URLSearchParams(h)]);
}

/** <Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>. */
export function tagsFromXml(root: XmlElement): TagSet {
  const set = root.name === 'Tagging' ? childrenNamed(root, 'TagSet')[0] : undefined;
  if (!set) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  return checkTags(
    childrenNamed(set, 'Tag').map((t): [string, string] => {
      const k = rawChildText(t, 'Key');
      if (k === undefined) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema (a Tag without Key)');
      return [k, rawChildText(t, 'Value') ?? ''];
    }),
  );
}

export function taggingDocument(tags: TagSet): string {
  return doc('Tagging', [['TagSet', tags.map(([k, v]): Node => ['Tag', [['Key', k], ['Value', v]]])]]);
}
