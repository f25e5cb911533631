/**
 * multipart/form-data bodies of browser-based uploads (RFC 7578; radosgw's
 * RGWPostObj_ObjStore::read_form_part_header in src/rgw/rgw_rest.cc): parts separated by
 * "--boundary", each with a Content-Disposition naming it (and a filename for the file). The
 * fields up to the part named "file" make the form; the file's bytes are the object. Pure.
 */
import { S3Error } from './errors';

/** Named limits of POST forms (docs/LIMITS.md, "rgw"). */
export const formDataLimits = {
  /** Form fields before the file. */
  fieldsMax: 64,
  /** Bytes of one field's value (radosgw reads fields in rgw_max_chunk_size pieces; a policy is a few KiB). */
  fieldBytesMax: 64 * 1024,
};

export interface FormFile {
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

export interface PostForm {
  /** Field values by name, in arrival order (names as sent; S3 matches them case-insensitively). */
  fields: Map<string, string>;
  file: FormFile | undefined;
}

/** The boundary of a multipart/form-data Content-Type, or undefined for any other type. */
export function formBoundary(contentType: string | undefined): string | undefined {
  const m = /^multipart\/form-data\s*;.*?boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function malformed(what: string): S3Error {
  return new S3Error('MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data (${what}).`);
}

function partHeaders(text: string): { name: string; filename?: string; contentType?: string } {
  let name: string | undefined;
  let filename: string | undefined;
  let contentType: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    const h = line.slice(0, colon).trim().toLowerCase();
    const v = line.slice(colon + 1).trim();
    if (h === 'content-type') contentType = v;
    if (h !== 'content-disposition') continue;
    name = /(?:^|;)\s*name="([^"]*)"/i.exec(v)?.[1] ?? /(?:^|;)\s*name=([^;\s]+)/i.exec(v)?.[1];
    filename = /;\s*filename="([^"]*)"/i.exec(v)?.[1] ?? /;\s*filename=([^;\s]+)/i.exec(v)?.[1];
  }
  if (name === undefined) throw malformed('a part without a name');
  return { name, filename, contentType };
}

/** Split a form body; everything after the file part is ignored, as radosgw ignores it for the policy. */
export function parseForm(body: Buffer, boundary: string): PostForm {
  const delim = Buffer.from(`--${boundary}`);
  const fields = new Map<string, string>();
  let at = body.indexOf(delim);
  if (at < 0) throw malformed('no boundary');
  for (;;) {
    at += delim.length;
    if (body.toString('latin1', at, at + 2) === '--') return { fields, file: undefined };
    if (body.toString('latin1', at, at + 2) !== '\r\n') throw malformed('a boundary not followed by CRLF');
    const headEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headEnd < 0) throw malformed('part headers without an end');
    const h = partHeaders(body.toString('utf8', at + 2, headEnd));
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw malformed('a part without a closing boundary');
    const data = body.subarray(headEnd + 4, next);
    if (h.name.toLowerCase() === 'file') return { fields, file: { filename: h.filename ?? '', contentType: h.contentType, data } };
    if (data.length > formDataLimits.fieldBytesMax) throw malformed(`field ${h.name} over fieldBytesMax ${formDataLimits.fieldBytesMax}`);
    if (fields.size >= formDataLimits.fieldsMax) throw malformed(`over fieldsMax ${formDataLimits.fieldsMax} fields`);
    fields.set(h.name, data.toString('utf8'));
    at = next + 2;
  }
}
