import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';

const required = {
  WHATSAPP_APP_SECRET: 's',
  WHATSAPP_VERIFY_TOKEN: 'v',
  WHATSAPP_ACCESS_TOKEN: 'a',
};

describe('loadConfig', () => {
  it('applies defaults for everything optional', () => {
    const config = loadConfig(required);
    expect(config.port).toBe(3000);
    expect(config.temporal).toEqual({
      address: undefined,
      namespace: 'default',
      taskQueue: 'parley-conversations',
    });
    expect(config.whatsapp.graphUrl).toBe('https://graph.facebook.com');
    expect(config.whatsapp.apiVersion).toBe('v23.0');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.openai.baseUrl).toBeUndefined();
  });

  it('honours every variable of the public contract', () => {
    const config = loadConfig({
      ...required,
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/parley',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'support',
      TEMPORAL_TASK_QUEUE: 'q',
      WHATSAPP_GRAPH_URL: 'http://sandbox:3001/',
      WHATSAPP_API_VERSION: 'v21.0',
      OPENAI_BASE_URL: 'http://llm:8000/v1',
      OPENAI_API_KEY: 'k',
      QDRANT_URL: 'http://qdrant:6333',
      QDRANT_API_KEY: 'q',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/parley',
      temporal: { address: 'temporal:7233', namespace: 'support', taskQueue: 'q' },
      whatsapp: { graphUrl: 'http://sandbox:3001', apiVersion: 'v21.0' },
      openai: { baseUrl: 'http://llm:8000/v1', apiKey: 'k' },
      qdrant: { url: 'http://qdrant:6333', apiKey: 'q' },
    });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...required, DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });

  it('names every missing or bad variable, and never echoes secret values', () => {
    let error: unknown;
    try {
      loadConfig({ WHATSAPP_APP_SECRET: 'super-secret-value', PORT: 'eighty', WHATSAPP_API_VERSION: '23' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_ACCESS_TOKEN', 'PORT', 'WHATSAPP_API_VERSION']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('WHATSAPP_APP_SECRET');
    expect(message).not.toContain('super-secret-value');
  });
});

describe('order source and CRM configuration', () => {
  /** The ConfigError message of `env`, failing the test if it loads. */
  function problem(env: Record<string, string>): string {
    try {
      loadConfig({ ...required, ...env });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('defaults to the built-in order tables and CRM', () => {
    const config = loadConfig(required);
    expect(config.orders).toEqual({ kind: 'builtin' });
    expect(config.crm).toEqual({ kind: 'builtin' });
  });

  it('reads Shopify settings when ORDERS_SOURCE=shopify, with API version 2024-10 by default', () => {
    const env = {
      ORDERS_SOURCE: 'shopify',
      SHOPIFY_SHOP_URL: 'https://acme.myshopify.com/',
      SHOPIFY_ACCESS_TOKEN: 'shpat_x',
    };
    expect(loadConfig({ ...required, ...env }).orders).toEqual({
      kind: 'shopify',
      shopUrl: 'https://acme.myshopify.com',
      accessToken: 'shpat_x',
      apiVersion: '2024-10',
    });
    expect(loadConfig({ ...required, ...env, SHOPIFY_API_VERSION: '2025-01' }).orders).toMatchObject({
      apiVersion: '2025-01',
    });
    expect(problem({ ...env, SHOPIFY_API_VERSION: 'v2025' })).toContain('SHOPIFY_API_VERSION');
  });

  it('names the Shopify variables that are missing, without echoing the token', () => {
    const message = problem({ ORDERS_SOURCE: 'shopify', SHOPIFY_ACCESS_TOKEN: 'shpat_secret_value' });
    expect(message).toContain('SHOPIFY_SHOP_URL: is required when ORDERS_SOURCE=shopify');
    expect(message).not.toContain('SHOPIFY_ACCESS_TOKEN');
    expect(message).not.toContain('shpat_secret_value');
    expect(problem({ ORDERS_SOURCE: 'shopify' })).toMatch(/SHOPIFY_SHOP_URL[\s\S]*SHOPIFY_ACCESS_TOKEN/);
    expect(problem({ ORDERS_SOURCE: 'woocommerce' })).toContain('ORDERS_SOURCE');
  });

  it('reads HubSpot settings when CRM=hubspot, with default URL and property names', () => {
    expect(loadConfig({ ...required, CRM: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'pat-1' }).crm).toEqual({
      kind: 'hubspot',
      apiUrl: 'https://api.hubapi.com',
      accessToken: 'pat-1',
      properties: { tier: 'customer_tier', lifetimeValue: 'total_revenue', owner: 'hubspot_owner_id' },
    });
    const custom = loadConfig({
      ...required,
      CRM: 'hubspot',
      HUBSPOT_ACCESS_TOKEN: 'pat-1',
      HUBSPOT_API_URL: 'http://fake-hubspot:4010/',
      HUBSPOT_TIER_PROPERTY: 'parley_tier',
      HUBSPOT_LIFETIME_VALUE_PROPERTY: 'ltv_eur',
      HUBSPOT_OWNER_PROPERTY: 'account_manager',
    });
    expect(custom.crm).toEqual({
      kind: 'hubspot',
      apiUrl: 'http://fake-hubspot:4010',
      accessToken: 'pat-1',
      properties: { tier: 'parley_tier', lifetimeValue: 'ltv_eur', owner: 'account_manager' },
    });
  });

  it('requires the HubSpot token only when selected, and checks property names', () => {
    expect(problem({ CRM: 'hubspot' })).toContain('HUBSPOT_ACCESS_TOKEN: is required when CRM=hubspot');
    expect(loadConfig({ ...required, HUBSPOT_TIER_PROPERTY: 'whatever' }).crm).toEqual({ kind: 'builtin' });
    expect(
      problem({ CRM: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'pat-1', HUBSPOT_TIER_PROPERTY: 'Customer Tier' }),
    ).toContain('HUBSPOT_TIER_PROPERTY');
    expect(problem({ CRM: 'salesforce' })).toContain('CRM');
  });
});
