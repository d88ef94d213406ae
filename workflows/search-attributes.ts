/**
 * Typed search attributes a supervisor filters on in the Temporal Web UI, e.g.
 *   ParleyEscalated = true AND ParleyLanguage = "fr" AND ParleySentiment = "negative"
 * The same list registers them in the dev server, the tests and the compose file.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ParleyStatus = defineSearchAttributeKey('ParleyStatus', SearchAttributeType.KEYWORD);
export const ParleyCustomerTier = defineSearchAttributeKey('ParleyCustomerTier', SearchAttributeType.KEYWORD);
export const ParleyLanguage = defineSearchAttributeKey('ParleyLanguage', SearchAttributeType.KEYWORD);
export const ParleySentiment = defineSearchAttributeKey('ParleySentiment', SearchAttributeType.KEYWORD);
export const ParleyIntent = defineSearchAttributeKey('ParleyIntent', SearchAttributeType.KEYWORD);
export const ParleyEscalated = defineSearchAttributeKey('ParleyEscalated', SearchAttributeType.BOOL);
export const ParleyAssignedAgent = defineSearchAttributeKey(
  'ParleyAssignedAgent',
  SearchAttributeType.KEYWORD,
);
export const ParleyBusinessNumber = defineSearchAttributeKey(
  'ParleyBusinessNumber',
  SearchAttributeType.KEYWORD,
);
export const ParleyLastInboundAt = defineSearchAttributeKey(
  'ParleyLastInboundAt',
  SearchAttributeType.DATETIME,
);

export const allSearchAttributeKeys = [
  ParleyStatus,
  ParleyCustomerTier,
  ParleyLanguage,
  ParleySentiment,
  ParleyIntent,
  ParleyEscalated,
  ParleyAssignedAgent,
  ParleyBusinessNumber,
  ParleyLastInboundAt,
] as const;

const cliTypeNames: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `temporal operator search-attribute create`. */
export function searchAttributeCliPairs(): string[] {
  return allSearchAttributeKeys.map((key) => `${key.name}=${cliTypeNames[key.type]}`);
}
