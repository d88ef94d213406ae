/**
 * A customer asking Parley to delete their data (GDPR art. 17), offline, in the seven supported
 * languages: "STOP" alone, or a sentence that asks to delete / erase / forget their data. Both
 * only lead to a question with buttons: nothing is erased until the customer confirms.
 */

const normalise = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The whole message is one of these (the WhatsApp opt-out word and its translations). */
const STOP_WORDS = new Set(['stop', 'stopp', 'arret', 'arreter', 'para', 'basta', 'parar', 'pare']);

// A verb of deleting next to a word for data, in either order, within a few words.
// Stems of deleting verbs (any ending: supprimez, supprimiez, eliminen, apaguem, gelöscht…).
const DELETE = String.raw`(?:(?:delet|eras|remov|wipe|forget|supprim|effac|oubli|verwijder|vergeet|losch|loesch|geloscht|vergess|borr|elimin|olvid|cancell|dimentic|apag|exclu|esquec)\p{L}*|wis(?:sen)?)`;
const DATA = String.raw`(data|my info(rmation)?|personal information|donnees|mes informations|gegevens|daten|datos|dati|dados)`;
const NEAR = String.raw`(?:\s+\S+){0,4}?\s+`;
const ASK_RE = new RegExp(`\\b${DELETE}${NEAR}${DATA}\\b|\\b${DATA}${NEAR}${DELETE}`, 'u');
const FORGET_ME_RE =
  /\b(forget me|right to be forgotten|droit a l'oubli|recht op vergetelheid|recht auf vergessenwerden|derecho al olvido|diritto all'oblio|direito ao esquecimento)\b/;

export function asksForErasure(text: string): boolean {
  const t = normalise(text);
  if (STOP_WORDS.has(t)) return true;
  return ASK_RE.test(t) || FORGET_ME_RE.test(t);
}
