// Cuts a byte stream into lines by '\n', a chunk at a time: each chunk's complete lines come out as
// one batch of (byte offset, text) pairs, decoded straight from the chunk. Lines are split on the
// byte, not on decoded text, so a multi-byte character cut between two chunks is never mangled and
// offsets stay exact for byte-range splits. Batches keep the per-line cost to an indexOf and a
// decode: no generator step, object or Buffer view per line (this is the map phase's hot path).

export interface LineBatch {
  /** Byte offset of each line's first byte in the file (or decompressed stream). */
  offsets: number[];
  /** Each line's text, without the '\n' and without a trailing '\r'. */
  texts: string[];
  /** Byte offset just past the last line (its '\n' included): where the line after it starts. */
  next: number;
}

export interface ScanOptions {
  /** Offset of the stream's first byte in the file. */
  start: number;
  /** Discard everything up to and including the first '\n' (the previous split owns that line). */
  skipFirst: boolean;
  /** Stop before a line that starts after this offset (inclusive bound, the predecessor's rule). */
  lastStart: number;
}

const NL = 0x0a;
const CR = 0x0d;

export async function* scanLines(
  chunks: AsyncIterable<Buffer>,
  options: ScanOptions,
): AsyncGenerator<LineBatch> {
  let skipping = options.skipFirst;
  let pending: Buffer[] = [];
  let pendingStart = options.start;
  let pos = options.start; // offset of chunk[0]
  const done = () => !skipping && pending.length === 0 && pendingStart > options.lastStart;
  for await (const chunk of chunks) {
    const batch: LineBatch = { offsets: [], texts: [], next: 0 };
    let from = 0;
    while (from < chunk.length && !done()) {
      const nl = chunk.indexOf(NL, from);
      if (nl === -1) {
        if (!skipping) pending.push(chunk.subarray(from));
        break;
      }
      if (skipping) skipping = false;
      else if (pending.length === 0) {
        batch.offsets.push(pendingStart);
        batch.texts.push(decode(chunk, from, nl));
      } else {
        pending.push(chunk.subarray(from, nl));
        const line = Buffer.concat(pending);
        pending = [];
        batch.offsets.push(pendingStart);
        batch.texts.push(decode(line, 0, line.length));
      }
      pendingStart = pos + nl + 1;
      from = nl + 1;
    }
    pos += chunk.length;
    batch.next = pendingStart;
    if (batch.texts.length > 0) yield batch;
    if (done()) return;
  }
  // The last line of a file without a trailing newline (a file ending in '\n' has no such line).
  if (!skipping && pending.length > 0 && pendingStart <= options.lastStart) {
    const line = Buffer.concat(pending);
    yield {
      offsets: [pendingStart],
      texts: [decode(line, 0, line.length)],
      next: pendingStart + line.length,
    };
  }
}

function decode(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end > start && buf[end - 1] === CR ? end - 1 : end);
}
