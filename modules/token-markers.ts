/**
 * What cdktf's token markers look like inside strings (cdktf/lib/tokens/private/encoding.js),
 * for hot paths that handle thousands of plain values and must not build a tokenizer for each.
 */

/** A string token inside a string: `${TfToken[TOKEN.12]}`. */
export const STRING_TOKEN = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/**
 * True when `value` cannot hold a token: cdktf's string, list and map markers all contain
 * "TfToken[", and a number token written into a string is a double near 1e289 ("…e+289").
 * False means "ask Token.isUnresolved", not "is a token".
 */
export function plainString(value: string): boolean {
  return !value.includes('TfToken[') && !value.includes('e+');
}
