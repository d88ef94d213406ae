/**
 * Embeddings through any OpenAI-compatible `/embeddings` endpoint (model and dimension from config),
 * with the same error classification as the other model calls: retryable failures are retried by
 * the calling activity's policy, never by the client itself.
 */
import type OpenAI from 'openai';
import { classifyModelError } from '../understanding/model-client.js';

export interface Embedder {
  /** `<model>` or `<model>@<dimensions>`: recorded with every vector, a change means re-embedding. */
  readonly modelId: string;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface EmbedderOptions {
  openai: OpenAI;
  model: string;
  /** Requested size for models that can shorten their output (text-embedding-3-*). */
  dimensions?: number;
  /** Inputs per request (endpoints cap it; OpenAI allows 2048). Default 64. */
  batchSize?: number;
  /** Secret to scrub from error messages. */
  apiKey?: string;
}

export function createEmbedder(opts: EmbedderOptions): Embedder {
  const batchSize = opts.batchSize ?? 64;
  const redact = (s: string) => (opts.apiKey ? s.split(opts.apiKey).join('[redacted]') : s);
  return {
    modelId: opts.dimensions ? `${opts.model}@${opts.dimensions}` : opts.model,
    async embed(texts) {
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const input = texts.slice(start, start + batchSize).map((t) => t || ' ');
        let response: OpenAI.CreateEmbeddingResponse;
        try {
          response = await opts.openai.embeddings.create({
            model: opts.model,
            input,
            encoding_format: 'float',
            ...(opts.dimensions ? { dimensions: opts.dimensions } : {}),
          });
        } catch (err) {
          throw classifyModelError(err, { operation: 'embeddings', model: opts.model }, redact);
        }
        const byIndex = [...response.data].sort((a, b) => a.index - b.index);
        if (byIndex.length !== input.length) {
          throw new Error(`embeddings: asked for ${input.length} vectors, got ${byIndex.length}`);
        }
        for (const item of byIndex) vectors.push(Float32Array.from(item.embedding));
      }
      return vectors;
    },
  };
}
