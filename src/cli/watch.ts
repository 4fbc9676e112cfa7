// Redraws a command's text until it says it is done (`status --watch`). On a terminal the screen is
// cleared and redrawn in place; in a pipe or CI log the text is printed again only when it changed,
// so the log shows each change once.

import type { CliIo } from './session.ts';

export interface WatchFrame {
  text: string;
  done: boolean;
}

export async function watchText<F extends WatchFrame>(
  io: CliIo,
  frame: () => Promise<F>,
  intervalMillis: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<F> {
  const tty = Boolean(io.outTty);
  let last = '';
  for (;;) {
    const current = await frame();
    const text = tty ? fitToScreen(current.text, io) : current.text;
    if (text !== last) {
      io.out(tty ? `\x1b[H\x1b[2J${text}` : `${last ? '\n' : ''}${text}`);
      last = text;
    }
    if (current.done) return current;
    await sleep(intervalMillis);
  }
}

/** A redrawn screen must not scroll: keep the lines that fit and cut each to the width. */
function fitToScreen(text: string, io: CliIo): string {
  const columns = io.columns?.() ?? 0;
  const rows = io.rows?.() ?? 0;
  let lines = text.split('\n');
  if (columns > 0) lines = lines.map((l) => cutToWidth(l, columns));
  if (rows > 1 && lines.length > rows - 1) lines = [...lines.slice(0, rows - 2), '…'];
  return lines.join('\n');
}

/** The line cut to `columns` characters (one less, so the cursor never wraps), with an ellipsis. */
export function cutToWidth(line: string, columns: number): string {
  const max = Math.max(1, columns - 1);
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}
