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
