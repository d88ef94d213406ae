import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { searchAttributeCliPairs } from '../../workflows/search-attributes.js';

describe('search attributes', () => {
  it('are registered in the compose file exactly as the code defines them', async () => {
    const compose = await readFile(new URL('../../temporal-docker-compose.yml', import.meta.url), 'utf8');
    const registered = [...compose.matchAll(/\b(Parley\w+)=(\w+)/g)].map((m) => `${m[1]}=${m[2]}`);
    expect(registered.sort()).toEqual(searchAttributeCliPairs().sort());
  });
});
