/**
 * Text folding for matching what people type: "Réception", "RECEPTION" and "reception" are one
 * word, and so are "Straße" and "strasse". Callers add their own word splitting on top.
 */

/** Lower case, accents dropped (NFKD, combining marks removed) and ß/œ/æ spelled out. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae');
}

// C0 controls and DEL, except tab, line feed and carriage return: nobody types them, Postgres
// refuses NUL, and terminals and logs misrender the rest. (Matching them is the point here.)
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
// A UTF-16 surrogate without its pair is not a character: UTF-8 cannot encode it, jsonb refuses it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text as it can be stored and shown: control characters dropped, lone surrogates replaced (U+FFFD). */
export function cleanText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** `cleanText` on every string inside a JSON-like value (a copy; the input is left as it was). */
export function cleanStrings<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanStrings(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [cleanText(k), cleanStrings(v)]),
    ) as T;
  }
  return value;
}
