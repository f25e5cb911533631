/**
 * StringConstraint (MonCap.h) / MgrCapGrantConstraint (MgrCap.h): how a command argument or module
 * argument must look for a grant to apply.
 */
export const MatchType = { NONE: 0, EQUAL: 1, PREFIX: 2, REGEX: 3 } as const;
export type MatchType = (typeof MatchType)[keyof typeof MatchType];

export interface StringConstraint {
  matchType: MatchType;
  value: string;
}

/** Patterns (and regex-checked values) longer than this never match rather than being run. */
export const capRegexBytesMax = 4096;

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

/**
 * Translate a POSIX extended regular expression (std::regex::extended) to a JavaScript RegExp that
 * must match the whole string (std::regex_match). Inside brackets ERE treats '\' literally and knows
 * [:class:] names; outside, ERE and JavaScript agree on the constructs caps use. Returns undefined
 * for a pattern that does not compile, which, as in Ceph, makes the constraint fail.
 */
export function ereToRegExp(pattern: string): RegExp | undefined {
  if (pattern.length > capRegexBytesMax) return undefined;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '[') {
      out += c;
      continue;
    }
    // bracket expression: copy until the closing ']' (a ']' first or after '^' is literal)
    let j = i + 1;
    let body = '';
    if (pattern[j] === '^') {
      body += '^';
      j++;
    }
    if (pattern[j] === ']') {
      body += '\\]';
      j++;
    }
    for (; j < pattern.length && pattern[j] !== ']'; j++) {
      const m = /^\[:([a-z]+):\]/.exec(pattern.slice(j));
      if (m) {
        const cls = POSIX_CLASSES[m[1]!];
        if (cls === undefined) return undefined;
        body += cls;
        j += m[0].length - 1;
      } else if (pattern[j] === '\\' || pattern[j] === '[') {
        body += '\\' + pattern[j];
      } else {
        body += pattern[j];
      }
    }
    if (j >= pattern.length) return undefined;
    out += `[${body}]`;
    i = j;
  }
  try {
    return new RegExp(`^(?:${out})$`);
  } catch {
    return undefined;
  }
}

/** Does `value` satisfy the constraint? (MonCapGrant::get_allowed, MgrCapGrant::validate_arguments) */
export function constraintMatches(c: StringConstraint, value: string): boolean {
  switch (c.matchType) {
    case MatchType.EQUAL:
      return c.value === value;
    case MatchType.PREFIX:
      return value.startsWith(c.value);
    case MatchType.REGEX: {
      // bounded: a backtracking engine on an unbounded argument could be made to spin
      if (value.length > capRegexBytesMax) return false;
      const re = ereToRegExp(c.value);
      return re ? re.test(value) : false;
    }
    default:
      return false;
  }
}

/** Every constrained argument must be present and match. */
export function argumentsMatch(constraints: ReadonlyMap<string, StringConstraint>, args: ReadonlyMap<string, string> | Record<string, string>): boolean {
  const get = (k: string) => (args instanceof Map ? args.get(k) : (args as Record<string, string>)[k]);
  for (const [k, c] of constraints) {
    const v = get(k);
    if (v === undefined) return false;
    if (!constraintMatches(c, v)) return false;
  }
  return true;
}
