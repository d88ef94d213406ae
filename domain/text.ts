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
