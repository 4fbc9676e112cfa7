// Word counting over bytes, for the byte-scanning form of the word count (wordcount-blocks.ts) and
// the tuned reference loop of the benchmark (bench/tuned-loop.ts): the job's word rule (maximal runs
// of ASCII letters and digits, lowercased) applied to raw bytes, with no string per occurrence.
// Words are lowercased and hashed (FNV-1a) while scanned and counted in an open-addressing table
// whose keys live in one byte arena; a string is made once per distinct word, when it is read out.
// Bytes ≥ 0x80 are never word bytes, so UTF-8 text cuts exactly as the string rule cuts it.

/** Byte → its lowercase form if it is a word byte, else 0. */
const WORD_BYTE = new Uint8Array(256);
for (let c = 48; c <= 57; c++) WORD_BYTE[c] = c;
for (let c = 97; c <= 122; c++) WORD_BYTE[c] = c;
for (let c = 65; c <= 90; c++) WORD_BYTE[c] = c + 32;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const FIRST_SLOTS = 1 << 16;
const FIRST_ENTRIES = 1 << 15;

export class WordCounter {
  private mask = FIRST_SLOTS - 1;
  /** Slot → entry index + 1 (0 = empty). */
  private slots = new Int32Array(FIRST_SLOTS);
  private hashes = new Int32Array(FIRST_ENTRIES);
  private starts = new Int32Array(FIRST_ENTRIES);
  private lengths = new Int32Array(FIRST_ENTRIES);
  private counts = new Float64Array(FIRST_ENTRIES);
  private arena = new Uint8Array(1 << 20);
  private arenaUsed = 0;
  /** The word being scanned: it may continue in the next buffer given to scan(). */
  private word: Uint8Array = new Uint8Array(256);
  private wordLength = 0;
  private hash = FNV_OFFSET;
  /** Distinct words counted. */
  size = 0;

  /** Counts the words of `bytes`; a word running to its last byte waits for the next call or end(). */
  scan(bytes: Uint8Array, start = 0, end = bytes.length): void {
    let word = this.word;
    let length = this.wordLength;
    let hash = this.hash;
    for (let i = start; i < end; i++) {
      const b = WORD_BYTE[bytes[i]!]!;
      if (b !== 0) {
        if (length === word.length) word = this.growWord();
        word[length++] = b;
        hash = Math.imul(hash ^ b, FNV_PRIME);
      } else if (length !== 0) {
        this.add(word, length, hash);
        length = 0;
        hash = FNV_OFFSET;
      }
    }
    this.wordLength = length;
    this.hash = hash;
  }

  /** Counts the word the last scan() ended in, if any. */
  end(): void {
    if (this.wordLength !== 0) this.add(this.word, this.wordLength, this.hash);
    this.wordLength = 0;
    this.hash = FNV_OFFSET;
  }

  /** Every distinct word with its count, in first-seen order. */
  forEach(visit: (word: string, count: number) => void): void {
    const text = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.arenaUsed).toString('latin1');
    for (let e = 0; e < this.size; e++) {
      const start = this.starts[e]!;
      visit(text.slice(start, start + this.lengths[e]!), this.counts[e]!);
    }
  }

  /** Forgets every word, keeping the memory for the next use. */
  clear(): void {
    this.slots.fill(0);
    this.size = 0;
    this.arenaUsed = 0;
    this.wordLength = 0;
    this.hash = FNV_OFFSET;
  }

  private add(word: Uint8Array, length: number, hash: number): void {
    const { slots, mask, arena, starts, lengths, hashes } = this;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[slot]! - 1;
      if (entry < 0) break;
      if (hashes[entry] === hash && lengths[entry] === length) {
        const at = starts[entry]!;
        let i = 0;
        while (i < length && arena[at + i] === word[i]) i++;
        if (i === length) {
          this.counts[entry]!++;
          return;
        }
      }
      slot = (slot + 1) & mask;
    }
    this.insert(slot, word, length, hash);
  }

  private insert(slot: number, word: Uint8Array, length: number, hash: number): void {
    if (this.size === this.starts.length) this.growEntries();
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + length));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    const entry = this.size++;
    this.arena.set(word.subarray(0, length), this.arenaUsed);
    this.starts[entry] = this.arenaUsed;
    this.arenaUsed += length;
    this.lengths[entry] = length;
    this.hashes[entry] = hash;
    this.counts[entry] = 1;
    this.slots[slot] = entry + 1;
    if (this.size * 2 > this.mask) this.rehash();
  }

  private growWord(): Uint8Array {
    const bigger = new Uint8Array(this.word.length * 2);
    bigger.set(this.word);
    this.word = bigger;
    return bigger;
  }

  private growEntries(): void {
    const n = this.starts.length * 2;
    const hashes = new Int32Array(n);
    const starts = new Int32Array(n);
    const lengths = new Int32Array(n);
    const counts = new Float64Array(n);
    hashes.set(this.hashes);
    starts.set(this.starts);
    lengths.set(this.lengths);
    counts.set(this.counts);
    Object.assign(this, { hashes, starts, lengths, counts });
  }

  private rehash(): void {
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array(this.mask + 1);
    for (let entry = 0; entry < this.size; entry++) {
      let slot = this.hashes[entry]! & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = entry + 1;
    }
  }
}
