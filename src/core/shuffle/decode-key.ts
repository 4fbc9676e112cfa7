// Decoding keys on the shuffle's read paths, once per distinct key.

import { decodeKey } from '../keys.ts';
import type { EncodedKey, Key } from '../keys.ts';

/** Plain ASCII strings (the common case) encode as tag + text + terminator, so decode by slicing. */
const ASCII_STRING_KEY = /^\x03[\x01-\x7f]*\x00$/;

export function decodeShuffleKey(encoded: EncodedKey): Key {
  return ASCII_STRING_KEY.test(encoded) ? encoded.slice(1, -1) : decodeKey(encoded);
}
