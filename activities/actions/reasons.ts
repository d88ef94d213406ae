/**
 * Why a customer wants a refund or a return, reduced to a small fixed set. The category, never the
 * customer's (or the model's) words, goes into the refund id, the proposal and the audit log: the
 * same request asked twice in other words is the same refund, and no free text is stored.
 */
import { z } from 'zod';
import type { ReasonCategory } from '../../db/tables/shop-returns.js';
import { foldText } from '../../domain/text.js';

export type { ReasonCategory };

export const REASON_CATEGORIES: readonly ReasonCategory[] = [
  'damaged',
  'not_received',
  'wrong_item',
  'changed_mind',
  'late_delivery',
  'other',
];

// Checked in this order ("never arrived" before "late", "wrong" before "broken"), on lowercase
// unaccented text, in the shop's languages. Deliberately small: anything else is `other`, which a
// person reads anyway.
const KEYWORDS: readonly [ReasonCategory, RegExp][] = [
  [
    'not_received',
    /not (been )?(received|arrived|delivered)|never (arrived|came|received)|didn'?t (arrive|come)|lost|pas (ete )?(recu|livre|arrive)|jamais (recu|arrive)|perdu|niet (ontvangen|aangekomen|geleverd)|nooit aangekomen|nicht (erhalten|angekommen|geliefert)|verloren|no (he )?(recibido|llegado|ha llegado)|perdido|non (ho )?(ricevuto|arrivato)|smarrito|nao (recebi|recebido|chegou)/,
  ],
  [
    'wrong_item',
    /wrong|incorrect|not what i ordered|mauvais|erreur|pas le bon|verkeerd|falsch|equivocad|sbagliat|errad/,
  ],
  [
    'damaged',
    /damag|broken|break|defect|faulty|not working|doesn'?t work|does not work|crack|leak|cass|abime|endommag|ne (marche|fonctionne) (pas|plus)|kapot|beschadig|werkt niet|lekt|kaputt|beschadigt|funktioniert nicht|roto|danad|averi|no funciona|rott|danneggi|guast|non funziona|partid|avariad|nao funciona/,
  ],
  ['late_delivery', /\blate\b|delay|retard|te laat|vertraag|verspat|retras|ritard|atras/],
  [
    'changed_mind',
    /chang\w* (my )?mind|change of mind|(don'?t|do not|no longer) (want|need|like)|regret|chang\w* d'avis|plus besoin|ne (le )?veux plus|bedacht|niet meer nodig|anders uberlegt|nicht mehr|cambi\w* de (opinion|idea)|ya no|cambiato idea|non mi serve|mudei de ideia|ja nao/,
  ],
];

/** The category of a reason given as a category name or in the customer's words. */
export function reasonCategory(raw: string): ReasonCategory {
  const text = foldText(raw).replace(/[’`]/g, "'").trim();
  const asName = text.replace(/[\s-]+/g, '_');
  if ((REASON_CATEGORIES as readonly string[]).includes(asName)) return asName as ReasonCategory;
  for (const [category, re] of KEYWORDS) if (re.test(text)) return category;
  return 'other';
}

/** The `reason` argument: any short text, normalised to its category. */
export const reasonArg = z.string().max(500).transform(reasonCategory);

export const REASON_JSON = {
  type: 'string',
  enum: [...REASON_CATEGORIES],
  description:
    "Why: damaged (broken, defective, not working), not_received, wrong_item, changed_mind, late_delivery or other. Pick the category from the customer's words.",
};
