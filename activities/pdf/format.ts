/**
 * Formatting shared by the document renderers: dates and country names in the customer's language
 * (amounts: domain/locale.ts), and file names WhatsApp shows. Intl with explicit locales and time
 * zones only, so the output does not depend on the machine's settings.
 */
import { localeFor } from '../../domain/locale.js';

/** Languages the documents are written in (the knowledge base's); anything else gets English. */
export type DocumentLanguage = 'en' | 'fr' | 'nl';

export function documentLanguage(language: string | undefined): DocumentLanguage {
  const base = (language ?? '').toLowerCase().slice(0, 2);
  return base === 'fr' || base === 'nl' ? base : 'en';
}

/** e.g. "23 November 2026", in `timeZone` (the seller's: the date printed on their documents). */
export function formatDate(date: Date, language: DocumentLanguage, timeZone: string): string {
  return new Intl.DateTimeFormat(localeFor(language), { dateStyle: 'long', timeZone }).format(date);
}

/** "Netherlands" / "Pays-Bas" for NL; the code itself when Intl does not know it. */
export function countryName(code: string, language: DocumentLanguage): string {
  try {
    return new Intl.DisplayNames([localeFor(language)], { type: 'region' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/**
 * `stem.extension`, the stem reduced to letters, digits, dot, dash and underscore (ids come from
 * data and end up in a file name on the customer's phone).
 */
export function safeFilename(stem: string, extension: string): string {
  const clean = stem
    .normalize('NFD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
  return `${clean || 'document'}.${extension}`;
}
