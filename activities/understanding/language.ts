/**
 * Offline language detection for short customer messages (EN, FR, NL, DE, ES, IT, PT).
 *
 * Library choice — `eld` (Efficient Language Detector, Apache-2.0, pure JS, no native build), the
 * `medium` n-gram database, restricted to our 7 languages with `setLanguageSubset`.
 * Measured here (2 sets, 189 real short customer-service sentences, 27 per language, 2–12 words,
 * e.g. "où est ma commande ?", "waar blijft mijn pakket", "¿hay stock?", "é urgente"):
 *   eld large   188/189  99.5 %  (miss: "¿enviáis a Portugal?" → pt)
 *   eld medium  185/189  97.9 %
 *   tinyld 1.3  183/189  96.8 %  ("the payment failed twice" → fr, "é urgente" → none)
 *   franc-min   64/84    76.2 %  on the first set alone (trigram model, needs longer text)
 * With the marker words below and the confidence cut-off, `detectLanguage` (on large) got 186/189
 * right, abstained on 2 ("è urgente", "é urgente": it/pt/es look alike once accents are dropped)
 * and missed 1 ("¿enviáis a Portugal?" → pt).
 * Memory decided between them (`npm run bench language`): `eld/large` adds 386 MB RSS and 1.2 s
 * to a worker, `eld/medium` 183 MB and 0.5 s. We use medium; with the marker words it passes the
 * same test set. Detection itself takes < 0.1 ms a message.
 *
 * No n-gram model is reliable on one or two words ("merci" scores it 0.77 vs fr 0.77, "hello"
 * comes out Italian), which are common on WhatsApp. So a tiny table of unambiguous marker words
 * (greetings, thanks, pronouns — words that exist in one of the 7 languages only) decides short
 * texts and backs up the model on longer ones. Texts with fewer than 2 letters ("👍", "1042")
 * and texts the model can't separate ("ok", "hallo", "order 1042") get no language.
 */
import { eld } from 'eld/medium';
import { SUPPORTED_LANGUAGES, type SupportedLanguage } from './types.js';
import { foldText } from '../../domain/text.js';

export interface LanguageDetection {
  /** Undefined when the text is too short or too ambiguous to tell. */
  language?: SupportedLanguage;
  /** 0…1: how sure we are (not a probability; below MIN_LANGUAGE_CONFIDENCE no language is set). */
  confidence: number;
}

/** Below this confidence `detectLanguage` returns no language. */
export const MIN_LANGUAGE_CONFIDENCE = 0.3;

/**
 * Words that belong to one supported language only (accents folded, lower case). Words shared
 * by two languages ("hallo" de/nl, "je" fr/nl, "il" fr/it, "mi" es/it, "pedido" es/pt, "pour" en/fr,
 * "pas" fr/nl, "dank" de/nl) are left out.
 */
// prettier-ignore
export const MARKER_WORDS: Record<SupportedLanguage, readonly string[]> = {
  en: ['the', 'my', 'where', 'thanks', 'thank', 'hello', 'hi', 'please', 'yes', 'what', 'why', 'your', 'you', 'and', 'parcel', 'refund'],
  fr: ['merci', 'bonjour', 'bonsoir', 'salut', 'oui', 'mon', 'est', 'vous', 'avec', 'svp', 'commande', 'colis'],
  nl: ['bedankt', 'dankjewel', 'hoi', 'goedemorgen', 'ik', 'mijn', 'waar', 'het', 'niet', 'een', 'kan', 'wil', 'jullie', 'graag', 'aub', 'bestelling', 'pakket'],
  de: ['danke', 'bitte', 'guten', 'moin', 'servus', 'ich', 'mein', 'meine', 'wo', 'ist', 'nicht', 'kein', 'und', 'eine', 'mit', 'sie', 'habe', 'bestellung', 'paket'],
  es: ['gracias', 'hola', 'buenos', 'buenas', 'donde', 'quiero', 'el', 'muy', 'estoy', 'necesito', 'tengo', 'puedo', 'hay', 'cuando', 'mis'],
  it: ['grazie', 'ciao', 'buongiorno', 'buonasera', 'mio', 'mia', 'dov', 'ordine', 'vorrei', 'sono', 'che', 'ho'],
  pt: ['obrigado', 'obrigada', 'obg', 'ola', 'bom', 'onde', 'minha', 'meu', 'quero', 'nao', 'uma', 'voce', 'estou', 'tenho', 'preciso', 'encomenda', 'abrem', 'horas'],
};

const detector = eld.newInstance();
detector.setLanguageSubset([...SUPPORTED_LANGUAGES]);

const markerIndex = new Map<string, SupportedLanguage>();
for (const language of SUPPORTED_LANGUAGES) {
  for (const word of MARKER_WORDS[language]) markerIndex.set(word, language);
}

/** Folded (domain/text.ts) with curly apostrophes straightened: how rule tables are matched. */
export function foldForRules(text: string): string {
  return foldText(text).replace(/[’‘`´]/g, "'");
}

function isSupported(code: string): code is SupportedLanguage {
  return (SUPPORTED_LANGUAGES as readonly string[]).includes(code);
}

/** Remove what carries no language: links, e-mail addresses, handles, numbers and order codes. */
function stripNonLanguage(text: string): string {
  return text
    .replace(/https?:\/\/\S+|www\.\S+/gi, ' ')
    .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, ' ')
    .replace(/[#@]\S+/g, ' ')
    .replace(/\S*\d\S*/g, ' ');
}

function markerVote(folded: string): { language?: SupportedLanguage; hits: number } {
  const hits = new Map<SupportedLanguage, number>();
  for (const word of folded.split(/[^\p{L}]+/u)) {
    const language = markerIndex.get(word);
    if (language) hits.set(language, (hits.get(language) ?? 0) + 1);
  }
  const ranked = [...hits.entries()].sort((a, b) => b[1] - a[1]);
  const [top, second] = ranked;
  if (!top || (second && second[1] === top[1])) return { hits: 0 };
  return { language: top[0], hits: top[1] - (second?.[1] ?? 0) };
}

const round = (n: number) => Math.round(n * 100) / 100;

export function detectLanguage(text: string): LanguageDetection {
  const cleaned = stripNonLanguage(text);
  const letters = cleaned.match(/\p{L}/gu)?.length ?? 0;
  if (letters < 2) return { confidence: 0 };

  // 1. The n-gram model. Its scores are similarities (0.6–0.85 for every close language), so
  //    what tells is the gap between the best and the runner-up, scaled down for short texts.
  const result = detector.detect(cleaned);
  const ranked = Object.entries(result.getScores()).sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  let language: SupportedLanguage | undefined =
    best && isSupported(result.language) ? result.language : undefined;
  let confidence = 0;
  if (language && best) {
    // A lone score means few n-grams matched anything: count it as a moderate gap.
    const margin = second ? (best[1] - second[1]) / best[1] : 0.3;
    const lengthFactor = Math.min(1, letters / 15);
    confidence = Math.min(0.99, 0.35 + 2 * margin) * lengthFactor;
  }

  // 2. Marker words: decide short or unclear texts, strengthen agreeing ones.
  const markers = markerVote(foldForRules(cleaned));
  if (markers.language) {
    if (markers.language === language) {
      confidence = Math.min(0.99, confidence + 0.15 * markers.hits);
    } else if (!language || letters < 25 || confidence < 0.5) {
      language = markers.language;
      confidence = Math.min(0.8, 0.45 + 0.1 * markers.hits);
    } else {
      confidence *= 0.8;
    }
  }

  if (!language || confidence < MIN_LANGUAGE_CONFIDENCE) return { confidence: round(confidence) };
  return { language, confidence: round(confidence) };
}
