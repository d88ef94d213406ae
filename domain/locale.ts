/**
 * Amounts and dates as people read them: Intl with explicit locales and time zones only, so the
 * output never depends on the machine's settings (and stays deterministic inside workflows).
 */

/** The Intl locale Parley formats dates and amounts in for a language (English otherwise). */
export function localeFor(language: string | undefined): string {
  return LOCALES[language ?? 'en'] ?? 'en-GB';
}

const LOCALES: Record<string, string> = {
  en: 'en-GB',
  fr: 'fr-FR',
  nl: 'nl-NL',
  de: 'de-DE',
  es: 'es-ES',
  it: 'it-IT',
  pt: 'pt-PT',
};

/** "Monday 28 December at 09:00 CET", in the customer's language and the business's time zone. */
export function formatLocalTime(atMs: number, language: string | undefined, timezone: string): string {
  return new Intl.DateTimeFormat(localeFor(language), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: timezone,
    timeZoneName: 'short',
  }).format(atMs);
}

/** "12,50 €" / "€12.50": an amount as the customer reads it (messages, documents). */
export function formatMoney(cents: number, currency: string, language: string | undefined): string {
  return new Intl.NumberFormat(localeFor(language), {
    style: 'currency',
    currency: currency.toUpperCase(),
  }).format(cents / 100);
}

/** "129.00 EUR": unambiguous for a model or a log line, which render it for people themselves. */
export function plainAmount(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}
