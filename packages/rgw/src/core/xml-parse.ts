/**
 * A small XML reader for S3 request bodies (AccessControlPolicy, CORSConfiguration,
 * VersioningConfiguration): elements, attributes and text, entities decoded; no DTDs (a DOCTYPE is
 * refused, so no entity expansion), no namespaces beyond keeping prefixed names as written.
 * Malformed input is S3's MalformedXML.
 */
import { S3Error } from './errors';

/** Named limits of request XML (docs/LIMITS.md, "rgw"). */
export const rgwXmlLimits = {
  /** Elements in one request document. */
  elementsMax: 10_000,
  /** Nesting depth. */
  depthMax: 32,
};

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const malformed = (why: string): S3Error => new S3Error('MalformedXML', `the XML you provided was not well-formed or did not validate against our published schema (${why})`);

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|apos|quot);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' }[e as 'lt']!;
  });
}

/** Parse a document into its root element. */
export function parseXml(doc: string): XmlElement {
  const tokens = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<|[^<]+/g;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  for (const m of doc.matchAll(tokens)) {
    const tok = m[0];
    if (tok.startsWith('<!--') || tok.startsWith('<?')) continue;
    if (tok === '<') throw malformed('a DOCTYPE or a stray "<"');
    const top = stack[stack.length - 1];
    if (m[1] !== undefined || !tok.startsWith('<')) {
      const text = m[1] ?? decode(tok);
      if (top) top.text += text;
      else if (text.trim()) throw malformed('text outside the root element');
      continue;
    }
    const [, , close, name, attrText, selfClose] = m;
    if (close) {
      if (top?.name !== name) throw malformed(`</${name}> does not close <${top?.name ?? ''}>`);
      stack.pop();
      continue;
    }
    if (root && !stack.length) throw malformed('more than one root element');
    if (++count > rgwXmlLimits.elementsMax || stack.length >= rgwXmlLimits.depthMax) throw malformed('too many or too deeply nested elements');
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decode(a[2] ?? a[3] ?? '');
    const el: XmlElement = { name: name!, attrs, children: [], text: '' };
    if (top) top.children.push(el);
    else root = el;
    if (!selfClose) stack.push(el);
  }
  if (!root || stack.length) throw malformed('unclosed elements');
  return root;
}

/** The children named `name`. */
export function childrenNamed(e: XmlElement, name: string): XmlElement[] {
  return e.children.filter((c) => c.name === name);
}

/** The trimmed text of the first child named `name`, or undefined. */
export function childText(e: XmlElement, name: string): string | undefined {
  return e.children.find((c) => c.name === name)?.text.trim();
}
