/**
 * The pure request readers of ts-rgw: the strict XML reader (botocore's CompleteMultipartUpload body;
 * every malformed shape is MalformedXML), tag sets (S3's limits) and HTTP preconditions.
 */
import t from 'tap';
import { evaluatePreconditions } from '../src/core/conditions';
import { S3Error } from '../src/core/errors';
import { tagsFromHeader, tagsFromXml } from '../src/core/tagging';
import { childrenNamed, childText, parseXml } from '../src/core/xml-parse';

const malformed = (doc: string): boolean => {
  try {
    parseXml(doc);
    return false;
  } catch (e) {
    return e instanceof S3Error && e.code === 'MalformedXML';
  }
};

t.test('the request XML reader', async (t) => {
  // botocore's CompleteMultipartUpload body, as it sends it.
  const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>&quot;a&amp;b&quot;</ETag><PartNumber>1</PartNumber></Part><Part><ETag>x</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>');
  t.equal(root.name, 'CompleteMultipartUpload');
  t.same(childrenNamed(root, 'Part').map((p) => [childText(p, 'PartNumber'), childText(p, 'ETag')]), [['1', '"a&b"'], ['2', 'x']], 'entities decoded, parts in order');
  t.equal(childText(parseXml('<a><!-- c --><b>&#65;&#x42;</b><e/></a>'), 'b'), 'AB', 'character references; comments and empty elements');
  for (const bad of ['', '<a>', '<a></b>', '<a><b></a></b>', 'text', '<a/><b/>', '<a>&bogus;</a>', '<a>&</a>', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', '<a><![CDATA[x]]></a>', `${'<a>'.repeat(20)}${'</a>'.repeat(20)}`, '<a b="<">']) {
    t.ok(malformed(bad), `MalformedXML: ${JSON.stringify(bad.slice(0, 40))}`);
  }
  t.ok(malformed(`<a>${'x'.repeat((1 << 20) + 1)}</a>`), 'a document over docBytesMax');
  t.ok(malformed(`<a>${'<b/>'.repeat(10_001)}</a>`), 'more elements than elementsMax');
  const acl = parseXml('<AccessControlPolicy><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID> u1 </ID></Grantee></AccessControlPolicy>');
  t.same([acl.children[0]!.attrs['xsi:type'], childText(acl.children[0]!, 'ID')], ['CanonicalUser', 'u1'], 'attributes kept with their prefix; childText trims');
  t.equal(parseXml('<s3:Delete xmlns:s3="x"><s3:Quiet>true</s3:Quiet></s3:Delete>').name, 'Delete', 'a namespace prefix is dropped from element names');
  for (const bad of ['<a b=1/>', '<a b="1"c="2"/>', '<a "x"/>']) t.ok(malformed(bad), `MalformedXML: ${bad}`);
});

t.test('tag sets', async (t) => {
  t.same(tagsFromHeader('a=1&b=x%20y'), [['a', '1'], ['b', 'x y']], 'x-amz-tagging is URL query encoded');
  t.throws(() => tagsFromHeader('a=1&a=2'), { code: 'InvalidTag' }, 'a key twice');
  t.throws(() => tagsFromHeader(Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&')), { code: 'InvalidTag' }, 'eleven tags');
  t.throws(() => tagsFromHeader(`${'k'.repeat(129)}=v`), { code: 'InvalidTag' }, 'a 129-character key');
  t.same(tagsFromXml(parseXml('<Tagging><TagSet><Tag><Key>k</Key><Value></Value></Tag></TagSet></Tagging>')), [['k', '']], 'an empty value is fine');
});

t.test('preconditions (RFC 7232 section 6, as S3 applies them)', async (t) => {
  const mtime = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  const at = (ms: number) => new Date(ms).toUTCString();
  t.equal(evaluatePreconditions({}, 'e', mtime), 'ok');
  t.equal(evaluatePreconditions({ ifMatch: '"e"' }, 'e', mtime), 'ok');
  t.equal(evaluatePreconditions({ ifMatch: '"x", "e"' }, 'e', mtime), 'ok', 'a list');
  t.equal(evaluatePreconditions({ ifMatch: '*' }, 'e', mtime), 'ok');
  t.equal(evaluatePreconditions({ ifMatch: '"x"' }, 'e', mtime), 'failed');
  t.equal(evaluatePreconditions({ ifNoneMatch: '"e"' }, 'e', mtime), 'not-modified');
  t.equal(evaluatePreconditions({ ifModifiedSince: at(mtime) }, 'e', mtime), 'not-modified', 'the same second is not modified (dates have whole seconds)');
  t.equal(evaluatePreconditions({ ifModifiedSince: at(mtime - 1000) }, 'e', mtime), 'ok');
  t.equal(evaluatePreconditions({ ifUnmodifiedSince: at(mtime) }, 'e', mtime), 'ok');
  t.equal(evaluatePreconditions({ ifUnmodifiedSince: at(mtime - 1000) }, 'e', mtime), 'failed');
  t.equal(evaluatePreconditions({ ifMatch: '"e"', ifUnmodifiedSince: at(mtime - 1000) }, 'e', mtime), 'ok', 'If-Match decides over If-Unmodified-Since');
  t.equal(evaluatePreconditions({ ifNoneMatch: '"x"', ifModifiedSince: at(mtime + 1000) }, 'e', mtime), 'ok', 'If-None-Match decides over If-Modified-Since');
  t.equal(evaluatePreconditions({ ifModifiedSince: 'not a date' }, 'e', mtime), 'ok', 'an unparsable date is ignored');
});
