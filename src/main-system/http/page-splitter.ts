/**
 * Splits a listing page `{"links":[{...},{...}], "next_cursor":...}` held as bytes into
 * the byte ranges of its link objects, without building the page as one JS string.
 *
 * Why: parsed whole, a 10,000-link page is a 4 MB string (V8's large-object space) plus
 * 10,000 objects that live for the whole page, long enough to be promoted to the old
 * generation: a million links would be hundreds of MB of such garbage and the sync's
 * peak memory. Parsed link by link, as the sync consumes them, each object dies young
 * and the page costs its bytes only (README, "Benchmarks").
 *
 * The scanner checks the page's structure (brackets, strings, commas); each link's own
 * validity is checked when it is JSON.parse()d. Top-level members other than "links"
 * are small and are parsed right away.
 */

export interface SplitPage {
  /** [start, end) byte offsets of each element of "links", flattened: 2 per element. */
  ranges: Uint32Array;
  count: number;
  /** Every top-level member except "links", parsed. */
  members: Record<string, unknown>;
  /** False when the page had no "links" array. */
  hasLinks: boolean;
}

/** Internal control flow, not a ClickrelayError: http-source turns it into CR_ERR_MAIN_BAD_JSON. */
export class PageSyntaxError extends Error {
  constructor(what: string, at: number) {
    super(`${what} at byte ${at}`);
  }
}

const SP = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, BSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACK = 0x5b, RBRACK = 0x5d;

export function splitLinksPage(buf: Buffer): SplitPage {
  const n = buf.length;
  let i = 0;
  let ranges = new Uint32Array(2048);
  let count = 0;
  const members: Record<string, unknown> = {};
  let hasLinks = false;

  const ws = (): void => {
    while (i < n) {
      const c = buf[i]!;
      if (c !== SP && c !== TAB && c !== LF && c !== CR) return;
      i++;
    }
  };
  const expect = (c: number, what: string): void => {
    ws();
    if (buf[i] !== c) throw new PageSyntaxError(`expected ${what}`, i);
    i++;
  };
  // Past a string starting at i (on the opening quote); escapes skip the next byte.
  const skipString = (): void => {
    i++;
    while (i < n) {
      const c = buf[i]!;
      if (c === BSLASH) i += 2;
      else if (c === QUOTE) {
        i++;
        return;
      } else i++;
    }
    throw new PageSyntaxError('unterminated string', i);
  };
  // Past one value starting at i. Nesting is counted, not matched: a mismatched bracket
  // inside a value is caught when that value is JSON.parse()d.
  const skipValue = (): void => {
    ws();
    const c = buf[i];
    if (c === QUOTE) return skipString();
    if (c === LBRACE || c === LBRACK) {
      let depth = 0;
      while (i < n) {
        const d = buf[i]!;
        if (d === QUOTE) {
          skipString();
          continue;
        }
        if (d === LBRACE || d === LBRACK) depth++;
        else if (d === RBRACE || d === RBRACK) {
          depth--;
          if (depth === 0) {
            i++;
            return;
          }
        }
        i++;
      }
      throw new PageSyntaxError('unterminated object or array', i);
    }
    const start = i;
    while (i < n) {
      const d = buf[i]!;
      if (d === COMMA || d === RBRACE || d === RBRACK || d === SP || d === TAB || d === LF || d === CR) break;
      i++;
    }
    if (i === start) throw new PageSyntaxError('expected a value', i);
  };
  const push = (s: number, e: number): void => {
    if (count * 2 + 2 > ranges.length) {
      const bigger = new Uint32Array(ranges.length * 2);
      bigger.set(ranges);
      ranges = bigger;
    }
    ranges[count * 2] = s;
    ranges[count * 2 + 1] = e;
    count++;
  };

  expect(LBRACE, '"{" (a JSON object)');
  ws();
  if (buf[i] === RBRACE) i++;
  else {
    for (;;) {
      ws();
      if (buf[i] !== QUOTE) throw new PageSyntaxError('expected a member name', i);
      const ks = i;
      skipString();
      const key = JSON.parse(buf.toString('utf8', ks, i)) as string;
      expect(COLON, '":"');
      ws();
      if (key === 'links' && buf[i] === LBRACK) {
        hasLinks = true;
        i++;
        ws();
        if (buf[i] === RBRACK) i++;
        else {
          for (;;) {
            ws();
            const s = i;
            skipValue();
            push(s, i);
            ws();
            if (buf[i] === COMMA) {
              i++;
              continue;
            }
            if (buf[i] === RBRACK) {
              i++;
              break;
            }
            throw new PageSyntaxError('expected "," or "]" in "links"', i);
          }
        }
      } else {
        const s = i;
        skipValue();
        // defineProperty, as JSON.parse does: a member named "__proto__" stays a plain
        // property instead of replacing the object's prototype.
        Object.defineProperty(members, key, { value: JSON.parse(buf.toString('utf8', s, i)), enumerable: true, writable: true, configurable: true });
      }
      ws();
      if (buf[i] === COMMA) {
        i++;
        continue;
      }
      if (buf[i] === RBRACE) {
        i++;
        break;
      }
      throw new PageSyntaxError('expected "," or "}"', i);
    }
  }
  ws();
  if (i !== n) throw new PageSyntaxError('trailing data after the JSON object', i);
  return { ranges, count, members, hasLinks };
}

/** Parse elements [from, to) of a split page. */
export function parseElements(buf: Buffer, page: SplitPage, from: number, to: number): unknown[] {
  const out: unknown[] = new Array(Math.max(0, Math.min(to, page.count) - from));
  for (let k = from, j = 0; k < to && k < page.count; k++, j++) {
    out[j] = JSON.parse(buf.toString('utf8', page.ranges[k * 2]!, page.ranges[k * 2 + 1]!));
  }
  return out;
}
