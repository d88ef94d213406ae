/**
 * What the understanding step finds in a customer's turn. Plain JSON: it is kept in the turn
 * (workflow state, transcript, handoff package) and shown to supervisors and agents.
 */

/** Languages Parley detects offline and answers in; the model may refine to others. */
export const SUPPORTED_LANGUAGES = ['en', 'fr', 'nl', 'de', 'es', 'it', 'pt'] as const;
export type SupportedLanguage = (typeof SUPPORTED_LANGUAGES)[number];

/** The tier-1 intent catalogue (configurable per business; this is the default). */
export const DEFAULT_INTENTS = [
  'order_status',
  'tracking',
  'returns_refund_policy',
  'refund_request',
  'cancel_order',
  'change_address',
  'shipping_options_costs',
  'product_specs',
  'account_password',
  'invoice_document_request',
  'payment_issue',
  'promo_code',
  'subscription_change',
  'appointment_reschedule',
  'opening_hours_contact',
  'complaint',
  'talk_to_human',
  'other',
] as const;
export type Intent = (typeof DEFAULT_INTENTS)[number] | (string & {});

export type SentimentLabel = 'negative' | 'neutral' | 'positive';
export interface Sentiment {
  /** −1 (very negative) … 1 (very positive). */
  score: number;
  label: SentimentLabel;
}

export type Urgency = 'low' | 'normal' | 'high';
export type RegulatedTopic = 'medical' | 'legal' | 'financial';

export interface Entities {
  orderNumbers: string[];
  emails: string[];
  products: string[];
  /** ISO dates (YYYY-MM-DD) when resolvable, else the text as written. */
  dates: string[];
}

export interface MessageUnderstanding {
  language?: string;
  languageConfidence?: number;
  sentiment: Sentiment;
  intent: Intent;
  intentConfidence: number;
  urgency: Urgency;
  entities: Entities;
  regulatedTopic?: RegulatedTopic;
  /** Incident, outage, breach, threat: a person must look now. */
  crisis: boolean;
  /** The customer asked for a person ("je veux parler à quelqu'un", "stop the bot"). */
  wantsHuman: boolean;
  /** Which analyser produced this, and why the offline one when a model is configured. */
  source: 'model' | 'offline';
  fallbackReason?: string;
}

export type DamageLevel = 'none' | 'minor' | 'severe';
export type DocumentKind = 'invoice' | 'label' | 'id_document' | 'receipt' | 'other';

export interface ImageDescription {
  description: string;
  damage: DamageLevel;
  product?: string;
  textInImage?: string;
  /** Set when the photo looks like a document rather than a product. */
  documentKind?: DocumentKind;
}

/** The outcome of handling one media message (voice note, photo, document, …). */
export type MediaUnderstanding =
  | { kind: 'transcript'; text: string; language?: string; durationSeconds?: number }
  | { kind: 'image'; image: ImageDescription; sensitive: boolean }
  | { kind: 'document'; text: string; method: 'pdf-text' | 'ocr'; pages: number; sensitive: boolean }
  | {
      kind: 'unreadable';
      /** too_large, download_failed, checksum_mismatch, unsupported_type, corrupt, empty_transcript, sensitive_not_processed, no_model */
      reason: string;
      detail?: string;
    };
