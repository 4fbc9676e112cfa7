// One CSV record on one line, RFC 4180 style: fields separated by a one-character delimiter, a
// field may be quoted with '"', and '""' inside quotes is a literal quote. A quote inside an
// unquoted field is kept as is (a common leniency). Records cannot span lines: inputs are split by
// byte ranges, and a reader entering a file in the middle cannot tell a line break inside quotes
// from a record boundary.

export type CsvParse = { fields: string[] } | { error: string };

const QUOTE = 0x22;

export function parseCsvLine(line: string, delimiter: string): CsvParse {
  const delim = delimiter.charCodeAt(0);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q === -1) {
          return {
            error:
              `field ${fields.length + 1} opens a quote that is not closed on this line. ` +
              'Quoted fields cannot contain line breaks here (files are split by byte ranges, so every record must be on one line)',
          };
        }
        value += line.slice(from, q);
        if (line.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return { fields };
      if (line.charCodeAt(i) !== delim) {
        return {
          error: `unexpected ${JSON.stringify(line[i])} after the closing quote of field ${fields.length}; a quoted field must be followed by ${JSON.stringify(delimiter)} or the end of the line (write "" for a quote inside quotes)`,
        };
      }
      i++;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(line.slice(i));
        return { fields };
      }
      fields.push(line.slice(i, d));
      i = d + 1;
    }
  }
}

/** Checks a delimiter option; returns a message when it cannot work. */
export function delimiterProblem(delimiter: unknown): string | undefined {
  if (
    typeof delimiter !== 'string' ||
    delimiter.length !== 1 ||
    delimiter === '"' ||
    delimiter === '\n' ||
    delimiter === '\r'
  ) {
    return `The CSV delimiter must be one character other than a quote or a line break (e.g. "," or ";" or "\\t"); got ${JSON.stringify(delimiter)}.`;
  }
  return undefined;
}
