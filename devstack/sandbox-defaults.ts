/**
 * Credentials the local sandbox stack uses when none are configured. They only ever guard the
 * sandbox Graph API on loopback; a real deployment sets its own through the environment.
 */
export const SANDBOX_DEFAULTS = {
  WHATSAPP_APP_SECRET: 'parley-sandbox-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'parley-sandbox-verify-token',
  WHATSAPP_ACCESS_TOKEN: 'parley-sandbox-access-token',
  /** The business number the sandbox pretends to be. */
  PHONE_NUMBER_ID: '100000000000001',
  DISPLAY_PHONE_NUMBER: '15550001111',
  SANDBOX_PORT: 3001,
  TEMPORAL_PORT: 7233,
  TEMPORAL_UI_PORT: 8233,
} as const;
