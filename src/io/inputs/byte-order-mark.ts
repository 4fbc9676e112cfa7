// A UTF-8 byte order mark (U+FEFF, what Excel and Notepad put before "Save as CSV UTF-8") is not
// part of a file's first line. Every reader that turns file text into records drops it here, so a
// file that `run` accepts is one that `ingest` accepts too.

const BOM = 0xfeff;

export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === BOM ? text.slice(1) : text;
}
