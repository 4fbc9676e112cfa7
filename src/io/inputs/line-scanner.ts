// Cuts a byte stream into lines by '\n', reporting each line's byte offset. Lines are split on the
// byte, not on decoded text, so a multi-byte character cut between two chunks is never mangled and
// offsets stay exact for byte-range splits.

export interface ScannedLine {
  /** Byte offset of the line's first byte in the file (or decompressed stream). */
  offset: number;
  /** The line's bytes, without the '\n' and without a trailing '\r'. */
  bytes: Buffer;
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
): AsyncGenerator<ScannedLine> {
  let skipping = options.skipFirst;
  let pending: Buffer[] = [];
  let pendingStart = options.start;
  let pos = options.start; // offset of chunk[0]
  for await (const chunk of chunks) {
    let from = 0;
    while (from < chunk.length) {
      if (!skipping && pending.length === 0 && pendingStart > options.lastStart) return;
      const nl = chunk.indexOf(NL, from);
      if (nl === -1) {
        if (!skipping) pending.push(chunk.subarray(from));
        break;
      }
      if (skipping) skipping = false;
      else {
        pending.push(chunk.subarray(from, nl));
        yield { offset: pendingStart, bytes: finish(pending) };
        pending = [];
      }
      pendingStart = pos + nl + 1;
      from = nl + 1;
    }
    pos += chunk.length;
    if (!skipping && pending.length === 0 && pendingStart > options.lastStart) return;
  }
  // The last line of a file without a trailing newline (a file ending in '\n' has no such line).
  if (!skipping && pending.length > 0 && pendingStart <= options.lastStart) {
    yield { offset: pendingStart, bytes: finish(pending) };
  }
}

function finish(parts: Buffer[]): Buffer {
  const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}
