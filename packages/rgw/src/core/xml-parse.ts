/**
 * The one strict XML reader for the request documents S3 clients send (CompleteMultipartUpload,
 * Delete, Tagging, AccessControlPolicy, CORSConfiguration, VersioningConfiguration): elements,
 * attributes, text, the five predefined entities and numeric character references; declarations
 * and comments are skipped. Anything else (a mismatched or unclosed tag, a stray '<', DOCTYPE,
 * CDATA, too deep or too large a tree) is S3's MalformedXML, as radosgw's RGWXMLParser answers.
 * Refusing DOCTYPE means no entity expansion can happen. The reader walks the document once with
 * indexOf and anchored, sticky patterns, so its time is linear in the document. Pure: a string in,
 * a tree out.
 */
import { S3Error } from './errors';

/** Named limits of request XML (docs/LIMITS.md, "rgw"). */
export const xmlParseLimits = {
  /** Bytes of a request document (radosgw's rgw_max_put_param_size is 1 MiB). */
  docBytesMax: 1 << 20,
  /** Element nesting depth (an ACL, the deepest document we read, needs 5). */
  depthMax: 16,
  /** Elements in one document (1000 DeleteObjects keys need about 2000). */
  elementsMax: 10_000,
};

export interface XmlElement {
  /** The element's local name: a namespace prefix is dropped. */
  name: string;
  /** Attributes as written, prefixes kept (`xsi:type`), values decoded. */
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

function malformed(why: string): S3Error {
  return new S3Error('MalformedXML', `The XML you provided was not well-formed or did not validate against our published schema (${why})`);
}

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw malformed('a bare "&"');
    if (ent.startsWith('#x')) return String.fromCodePoint(parseInt(ent.slice(2), 16));
    if (ent.startsWith('#')) return String.fromCodePoint(Number(ent.slice(1)));
    const v = ENTITIES[ent];
    if (v === undefined) throw malformed(`the unknown entity ${m}`);
    return v;
  });
}

const ATTR = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;

/** The attributes of a start tag; every character must belong to one. */
function parseAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  ATTR.lastIndex = 0;
  let at = 0;
  while (at < text.trimEnd().length) {
    ATTR.lastIndex = at;
    const m = ATTR.exec(text);
    if (!m) throw malformed(`bad attributes ${JSON.stringify(text.slice(at, at + 40))}`);
    attrs[m[1]!] = decodeText(m[2] ?? m[3] ?? '');
    at = ATTR.lastIndex;
  }
  return attrs;
}

/** One start tag `<name attrs>` or `<name attrs/>`. */
function parseStartTag(tag: string): { el: XmlElement; selfClose: boolean } {
  const selfClose = tag.endsWith('/');
  const body = selfClose ? tag.slice(0, -1) : tag;
  const m = /^[A-Za-z_][\w.:-]*/.exec(body);
  if (!m) throw malformed(`a bad tag <${tag.slice(0, 40)}>`);
  const name = m[0].replace(/^[\w.-]+:/, '');
  return { el: { name, attrs: parseAttrs(body.slice(m[0].length)), children: [], text: '' }, selfClose };
}

/** Parse a whole document; its root element is returned. */
export function parseXml(doc: string | Buffer): XmlElement {
  const s = typeof doc === 'string' ? doc : doc.toString('utf8');
  if (Buffer.byteLength(s) > xmlParseLimits.docBytesMax) throw malformed('the document is too large');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let i = 0;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const text = s.slice(i, lt < 0 ? s.length : lt);
    if (stack.length) stack[stack.length - 1]!.text += decodeText(text);
    else if (text.trim()) throw malformed('text outside the root element');
    if (lt < 0) break;
    if (s.startsWith('<?', lt)) {
      const end = s.indexOf('?>', lt);
      if (end < 0) throw malformed('an unclosed declaration');
      i = end + 2;
    } else if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt);
      if (end < 0) throw malformed('an unclosed comment');
      i = end + 3;
    } else if (s.startsWith('<!', lt)) {
      throw malformed('DOCTYPE and CDATA are not accepted');
    } else {
      const gt = s.indexOf('>', lt);
      if (gt < 0) throw malformed('an unclosed tag');
      const tag = s.slice(lt + 1, gt);
      i = gt + 1;
      if (tag.includes('<')) throw malformed('a stray "<"');
      if (tag.startsWith('/')) {
        const open = stack.pop();
        const closing = tag.slice(1).trim().replace(/^[\w.-]+:/, '');
        if (!open || open.name !== closing) throw malformed(`a mismatched closing tag </${tag.slice(1, 41)}>`);
        continue;
      }
      if (!stack.length && root) throw malformed('more than one root element');
      if (++count > xmlParseLimits.elementsMax) throw malformed('too many elements');
      const { el, selfClose } = parseStartTag(tag);
      if (stack.length) stack[stack.length - 1]!.children.push(el);
      else root = el;
      if (!selfClose) {
        stack.push(el);
        if (stack.length > xmlParseLimits.depthMax) throw malformed('too deep');
      }
    }
  }
  if (!root || stack.length) throw malformed(root ? 'an unclosed element' : 'no root element');
  return root;
}

/** The children of `el` named `name`. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/**
 * The trimmed text of the first child named `name`, or undefined. Trimmed because clients may
 * pretty-print the document; a value where blanks matter (a tag value) reads `rawChildText`.
 */
export function childText(el: XmlElement, name: string): string | undefined {
  return rawChildText(el, name)?.trim();
}

/** The text of the first child named `name` as sent, or undefined. */
export function rawChildText(el: XmlElement, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text;
}
