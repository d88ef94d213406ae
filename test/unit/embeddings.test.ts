/**
 * The embedder (real `openai` package) against the scripted OpenAI server over HTTP: batching,
 * vector order, dimensions and model id, and failures classified like every other model call,
 * with the API key scrubbed from whatever the endpoint echoed.
 */
import { ApplicationFailure } from '@temporalio/common';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../activities/knowledge/embeddings.js';
import { ModelErrorTypes, type ModelErrorDetails } from '../../activities/understanding/model-client.js';
import { hashedEmbedding, startScriptedOpenAI, type ScriptedOpenAI } from '../servers/scripted-openai.js';

const API_KEY = 'sk-test-embed-7c41d09e2b';
const MODEL = 'text-embedding-3-small';
const SERVER_DIMS = 48;

let server: ScriptedOpenAI;
let openai: OpenAI;

beforeAll(async () => {
  server = await startScriptedOpenAI({ apiKey: API_KEY, embeddingDimensions: SERVER_DIMS });
  // As in production (the model client's OpenAI instance): the client never retries by itself.
  openai = new OpenAI({ baseURL: server.url, apiKey: API_KEY, maxRetries: 0, timeout: 5_000 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const embeddingRequests = () => server.requests.filter((r) => r.endpoint === 'embeddings');

function expectVector(actual: Float32Array | undefined, text: string, dims: number) {
  expect(actual).toBeInstanceOf(Float32Array);
  expect(actual).toHaveLength(dims);
  const expected = hashedEmbedding(text, dims);
  for (let i = 0; i < dims; i++) expect(actual![i]).toBeCloseTo(expected[i]!, 6);
}

async function failureOf(fn: () => Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected an ApplicationFailure, got success');
}

describe('createEmbedder', () => {
  it('sends the texts in batches and returns one vector per text, in order', async () => {
    const embedder = createEmbedder({ openai, model: MODEL, batchSize: 2 });
    const texts = ['returns policy', 'warranty claim', 'opening hours', 'delivery times', 'promo codes'];
    const vectors = await embedder.embed(texts);

    expect(server.embeddingsRequests.map((r) => r.input)).toEqual([
      ['returns policy', 'warranty claim'],
      ['opening hours', 'delivery times'],
      ['promo codes'],
    ]);
    expect(vectors).toHaveLength(texts.length);
    texts.forEach((text, i) => expectVector(vectors[i], text, SERVER_DIMS));
    for (const r of server.embeddingsRequests)
      expect(r).toMatchObject({ model: MODEL, encodingFormat: 'float' });
  });

  it('sends up to 64 texts in one request by default', async () => {
    const texts = Array.from({ length: 64 }, (_, i) => `text number ${i}`);
    const vectors = await createEmbedder({ openai, model: MODEL }).embed(texts);
    expect(server.embeddingsRequests).toHaveLength(1);
    expect(vectors).toHaveLength(64);
    expectVector(vectors[63], 'text number 63', SERVER_DIMS);
  });

  it('puts the vectors back in input order when the endpoint answers out of order', async () => {
    const texts = ['alpha', 'beta', 'gamma'];
    // An OpenAI-compatible endpoint may list the embeddings in any order: `index` says which is which.
    server.failNext(
      1,
      200,
      {
        object: 'list',
        data: [2, 0, 1].map((index) => ({
          object: 'embedding',
          index,
          embedding: hashedEmbedding(texts[index]!, SERVER_DIMS),
        })),
        model: MODEL,
        usage: { prompt_tokens: 3, total_tokens: 3 },
      },
      { target: 'embeddings' },
    );
    const vectors = await createEmbedder({ openai, model: MODEL }).embed(texts);
    expect(embeddingRequests()).toHaveLength(1);
    texts.forEach((text, i) => expectVector(vectors[i], text, SERVER_DIMS));
  });

  it('fails loudly when the endpoint answers fewer vectors than asked', async () => {
    server.failNext(
      1,
      200,
      {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: hashedEmbedding('one', SERVER_DIMS) }],
        model: MODEL,
        usage: { prompt_tokens: 2, total_tokens: 2 },
      },
      { target: 'embeddings' },
    );
    await expect(createEmbedder({ openai, model: MODEL }).embed(['one', 'two'])).rejects.toThrow(
      /asked for 2 vectors, got 1/,
    );
  });

  it('passes the dimensions through and records them in the model id', async () => {
    const embedder = createEmbedder({ openai, model: MODEL, dimensions: 16 });
    expect(embedder.modelId).toBe(`${MODEL}@16`);
    const [vector] = await embedder.embed(['How long is the warranty?']);
    expect(server.embeddingsRequests[0]).toMatchObject({ model: MODEL, dimensions: 16 });
    expectVector(vector, 'How long is the warranty?', 16);
  });

  it('without dimensions: the model id is the model, the request leaves the size to the endpoint', async () => {
    const embedder = createEmbedder({ openai, model: MODEL });
    expect(embedder.modelId).toBe(MODEL);
    const [vector] = await embedder.embed(['kettle']);
    expect(server.embeddingsRequests[0]!.dimensions).toBeUndefined();
    expect(server.requests[0]!.body).not.toHaveProperty('dimensions');
    expect(vector).toHaveLength(SERVER_DIMS);
  });

  it('sends a space for an empty text (the API rejects empty inputs) and still answers a vector for it', async () => {
    const vectors = await createEmbedder({ openai, model: MODEL }).embed(['', 'toaster']);
    expect(server.embeddingsRequests[0]!.input).toEqual([' ', 'toaster']);
    expect(vectors).toHaveLength(2);
    expectVector(vectors[1], 'toaster', SERVER_DIMS);
  });

  it('answers nothing for no texts, without a request', async () => {
    expect(await createEmbedder({ openai, model: MODEL }).embed([])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('classifies HTTP 500 as retryable ModelUnavailable', async () => {
    server.failNext(1, 500, undefined, { target: 'embeddings' });
    const failure = await failureOf(() => createEmbedder({ openai, model: MODEL }).embed(['x']));
    expect(failure.type).toBe(ModelErrorTypes.Unavailable);
    expect(failure.type).toBe('ModelUnavailable');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.details?.[0]).toMatchObject({
      operation: 'embeddings',
      model: MODEL,
      httpStatus: 500,
    } satisfies Partial<ModelErrorDetails>);
    // The client did not retry on its own: the activity's retry policy does.
    expect(embeddingRequests()).toHaveLength(1);
  });

  it('classifies HTTP 429 as retryable ModelUnavailable', async () => {
    server.failNext(1, 429, undefined, { target: 'embeddings' });
    const failure = await failureOf(() => createEmbedder({ openai, model: MODEL }).embed(['x']));
    expect(failure.type).toBe('ModelUnavailable');
    expect(failure.nonRetryable).toBe(false);
  });

  it('classifies HTTP 400 as non-retryable ModelRejected', async () => {
    server.failNext(
      1,
      400,
      {
        error: {
          message: "Invalid 'dimensions'",
          type: 'invalid_request_error',
          param: 'dimensions',
          code: null,
        },
      },
      { target: 'embeddings' },
    );
    const failure = await failureOf(() => createEmbedder({ openai, model: MODEL }).embed(['x']));
    expect(failure.type).toBe(ModelErrorTypes.Rejected);
    expect(failure.type).toBe('ModelRejected');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ httpStatus: 400, message: "Invalid 'dimensions'" });
  });

  it('stops at the batch that failed: later batches are not sent', async () => {
    const texts = ['a1', 'a2', 'b1', 'b2', 'c1'];
    // The first batch is answered, the second fails.
    server.failNext(
      1,
      200,
      {
        object: 'list',
        data: texts.slice(0, 2).map((t, index) => ({
          object: 'embedding',
          index,
          embedding: hashedEmbedding(t, SERVER_DIMS),
        })),
        model: MODEL,
        usage: { prompt_tokens: 2, total_tokens: 2 },
      },
      { target: 'embeddings' },
    );
    server.failNext(1, 503, undefined, { target: 'embeddings' });
    const failure = await failureOf(() =>
      createEmbedder({ openai, model: MODEL, batchSize: 2 }).embed(texts),
    );
    expect(failure.type).toBe('ModelUnavailable');
    expect(embeddingRequests().map((r) => r.status)).toEqual([200, 503]);
  });

  describe('never leaks the API key', () => {
    const leaks = (failure: ApplicationFailure) =>
      [failure.message, failure.stack ?? '', JSON.stringify(failure.details ?? [])].filter((s) =>
        s.includes(API_KEY),
      );

    it('scrubs a key echoed in a JSON error body', async () => {
      server.failNext(
        1,
        401,
        {
          error: {
            message: `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        },
        { target: 'embeddings' },
      );
      const failure = await failureOf(() =>
        createEmbedder({ openai, model: MODEL, apiKey: API_KEY }).embed(['x']),
      );
      expect(failure.type).toBe('ModelRejected');
      expect(leaks(failure)).toEqual([]);
      expect(failure.message).toContain('[redacted]');
    });

    it('scrubs a key echoed in a plain-text 5xx body', async () => {
      server.failNext(1, 502, `bad gateway: upstream rejected Authorization: Bearer ${API_KEY}`, {
        target: 'embeddings',
      });
      const failure = await failureOf(() =>
        createEmbedder({ openai, model: MODEL, apiKey: API_KEY }).embed(['x']),
      );
      expect(failure.type).toBe('ModelUnavailable');
      expect(leaks(failure)).toEqual([]);
    });

    it('keeps it out of connection failures', async () => {
      // A port nothing listens on.
      const closed = await startScriptedOpenAI();
      const url = closed.url;
      await closed.close();
      const unreachable = new OpenAI({ baseURL: url, apiKey: API_KEY, maxRetries: 0, timeout: 2_000 });
      const failure = await failureOf(() =>
        createEmbedder({ openai: unreachable, model: MODEL, apiKey: API_KEY }).embed(['x']),
      );
      expect(failure.type).toBe('ModelUnavailable');
      expect(failure.nonRetryable).toBe(false);
      expect(leaks(failure)).toEqual([]);
    });
  });
});
