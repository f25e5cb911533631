/**
 * A small, strict XML reader for the request documents S3 clients send (CompleteMultipartUpload,
 * Delete, Tagging): elements, text, the five predefined entities and numeric character
 * references; declarations, comments and attributes are skipped. Anything else (a mismatched or
 * unclosed tag, a stray '<', DOCTYPE, too deep a tree) is S3's MalformedXML, as radosgw's
 * RGWXMLParser answers. Pure: a string in, a tree out.
 */
import { S3Error } from './errors';

/** Named limits of request XML (docs/LIMITS.md, "rgw"). */
export const xmlParseLimits = {
  /** Bytes of a request document (radosgw's rgw_max_put_param_size is 1 MiB). */
  docBytesMax: 1 << 20,
  /** Element nesting depth. */
  depthMax: 16,
};

export interface XmlElement {
  name: string;
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

/** Parse a whole document; its root element is returned. */
export function parseXml(doc: string | Buffer): XmlElement {
  const s = typeof doc === 'string' ? doc : doc.toString('utf8');
  if (Buffer.byteLength(s) > xmlParseLimits.docBytesMax) throw malformed('the document is too large');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
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
      if (tag.startsWith('/')) {
        const open = stack.pop();
        if (!open || open.name !== tag.slice(1).trim()) throw malformed(`a mismatched closing tag </${tag.slice(1)}>`);
        continue;
      }
      const m = /^([A-Za-z_][\w.:-]*)(\s[^<]*?)?(\/?)$/.exec(tag);
      if (!m) throw malformed(`a bad tag <${tag.slice(0, 40)}>`);
      if (!stack.length && root) throw malformed('more than one root element');
      const el: XmlElement = { name: m[1]!.replace(/^\w+:/, ''), children: [], text: '' };
      if (stack.length) stack[stack.length - 1]!.children.push(el);
      else root = el;
      if (!m[3]) {
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

/** The text of the first child named `name`, or undefined. */
export function childText(el: XmlElement, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text;
}
