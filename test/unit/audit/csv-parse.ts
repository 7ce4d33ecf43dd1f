/**
 * A strict RFC 4180 reader for tests, written apart from the exporter so the export is
 * checked by parsing it back, not by comparing against its own code.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`character after closing quote at ${i}`);
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      if (!atFieldStart) throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      atFieldStart = false;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (ch === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`bare CR at ${i}`);
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
      i += 2;
    } else if (ch === '\n') {
      throw new Error(`bare LF outside quotes at ${i}`);
    } else {
      field += ch;
      atFieldStart = false;
      i++;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('last record not terminated by CRLF');
  return rows;
}

/** Undoes the exporter's formula guard: one leading apostrophe, if there is one. */
export const unguard = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell);
