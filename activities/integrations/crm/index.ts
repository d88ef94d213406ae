/** CRM adapters: the built-in customers table or HubSpot (see types.ts for the contract). */
export { createBuiltinCrm } from './builtin.js';
export {
  createHubSpotCrm,
  DEFAULT_HUBSPOT_API_URL,
  DEFAULT_HUBSPOT_PROPERTIES,
  mapHubSpotTier,
  type HubSpotCrmOptions,
  type HubSpotPropertyNames,
} from './hubspot.js';
export {
  CrmErrorTypes,
  renderResolutionNote,
  type CrmAdapter,
  type CrmContact,
  type CrmErrorDetails,
  type CrmErrorType,
  type ResolutionNoteInput,
  type ResolutionNoteResult,
} from './types.js';
