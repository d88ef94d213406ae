import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { InboundMessage } from '../workflows/definitions.js';
import { readDocument } from './understanding/documents.js';
import { detectLanguage } from './understanding/language.js';
import { analyseWithModel } from './understanding/model-analysis.js';
import { isModelFailure, ModelErrorTypes, type ModelClient } from './understanding/model-client.js';
import { analyseOffline } from './understanding/offline-analysis.js';
import type { Ocr } from './understanding/ocr.js';
import type { MediaUnderstanding, MessageUnderstanding } from './understanding/types.js';
import { WhatsAppErrorTypes, type GraphClient } from './whatsapp/graph-client.js';

export interface UnderstandingDeps {
  graph: GraphClient;
  /** Undefined when no OpenAI-compatible endpoint is configured: offline analysis only. */
  model: ModelClient | undefined;
  ocr: Ocr;
  intents: readonly string[];
  /** Our own cap on media size, below WhatsApp's per-type limits. */
  mediaMaxBytes?: number;
  /** Whether identity documents may be sent to the model (a business decision; default no). */
  sensitiveToModel: boolean;
  /** A model that keeps failing after this many attempts is replaced by the offline path. */
  modelAttempts: number;
}

const unreadable = (reason: string, detail?: string): MediaUnderstanding => ({
  kind: 'unreadable',
  reason,
  detail,
});

/** Failures of the download that retrying cannot fix, and what we tell the customer about them. */
const downloadFailureReasons: Record<string, string> = {
  [WhatsAppErrorTypes.MediaTooLarge]: 'too_large',
  [WhatsAppErrorTypes.MediaChecksumMismatch]: 'checksum_mismatch',
  [WhatsAppErrorTypes.MediaDownloadFailed]: 'download_failed',
};

/**
 * Understanding a customer's turn: media (voice notes → transcript, photos → description, documents →
 * text) and the text itself (language, sentiment, intent, urgency, entities, safety flags). Each
 * function is its own activity; bad input never throws — it comes back as `unreadable` with a reason
 * the workflow turns into a polite reply.
 */
export function createUnderstandingActivities(deps: UnderstandingDeps) {
  const { graph, model, ocr } = deps;

  /** Retryable model trouble is retried by Temporal; after the last attempt we answer without it. */
  const lastModelAttempt = () => Context.current().info.attempt >= deps.modelAttempts;

  async function readMedia(message: InboundMessage): Promise<MediaUnderstanding> {
    const content = message.content;
    if (content.kind !== 'media') {
      throw ApplicationFailure.nonRetryable(`message ${message.id} has no media`, 'NotMedia');
    }
    if (content.mediaType === 'video') return unreadable('unsupported_type', 'video');

    let media: Awaited<ReturnType<GraphClient['downloadMedia']>>;
    try {
      media = await graph.downloadMedia(content.mediaId, {
        mediaType: content.mediaType,
        expectedSha256: content.sha256,
        maxBytes: deps.mediaMaxBytes,
      });
    } catch (err) {
      const reason =
        err instanceof ApplicationFailure && err.nonRetryable
          ? downloadFailureReasons[err.type ?? '']
          : undefined;
      if (reason) return unreadable(reason, err instanceof Error ? err.message : undefined);
      throw err;
    }

    try {
      if (content.mediaType === 'audio') return await transcribe(media.bytes, media.mimeType);
      if (content.mediaType === 'document') return await readDocument(media.bytes, media.mimeType, { ocr });
      return await describePhoto(
        media.bytes,
        media.mimeType,
        content.caption,
        content.mediaType === 'sticker',
      );
    } catch (err) {
      if (isModelFailure(err, ModelErrorTypes.Unavailable) && !lastModelAttempt()) throw err;
      if (isModelFailure(err)) return unreadable('model_failed', (err as Error).message);
      throw err;
    }
  }

  async function transcribe(bytes: Buffer, mimeType: string): Promise<MediaUnderstanding> {
    if (!model) return unreadable('no_model', 'no transcription model configured');
    try {
      const transcript = await model.transcribe(bytes, mimeType, 'voice-note');
      if (!transcript.text.trim()) return unreadable('empty_transcript');
      return {
        kind: 'transcript',
        text: transcript.text.trim(),
        language: transcript.language,
        durationSeconds: transcript.durationSeconds,
      };
    } catch (err) {
      if (isModelFailure(err, ModelErrorTypes.Rejected))
        return unreadable('unsupported_type', 'audio format');
      throw err;
    }
  }

  async function describePhoto(
    bytes: Buffer,
    mimeType: string,
    caption: string | undefined,
    sticker: boolean,
  ) {
    // OCR first, offline: it finds identity documents before anything leaves the building.
    const read = sticker ? undefined : await readDocument(bytes, mimeType, { ocr }).catch(() => undefined);
    const text = read?.kind === 'document' ? read.text : undefined;
    const sensitive = read?.kind === 'document' && read.sensitive;
    if (sensitive && !deps.sensitiveToModel) {
      return {
        kind: 'image' as const,
        image: {
          description: 'Identity document (not analysed automatically)',
          damage: 'none' as const,
          documentKind: 'id_document' as const,
        },
        sensitive: true,
      };
    }
    if (!model) {
      return {
        kind: 'image' as const,
        image: {
          description: caption ? `Photo: ${caption}` : 'Photo (no vision model configured)',
          damage: 'none' as const,
          textInImage: text,
        },
        sensitive,
      };
    }
    const image = await model.describeImage(bytes, mimeType, caption);
    return { kind: 'image' as const, image, sensitive: sensitive || image.documentKind === 'id_document' };
  }

  return {
    /** An identity document's text never leaves this activity: its result is kept in history. */
    readMedia: async (message: InboundMessage) => withoutIdentityText(await readMedia(message)),

    async analyseText(input: { text: string; languageHint?: string }): Promise<MessageUnderstanding> {
      const detected = detectLanguage(input.text);
      const offline = analyseOffline(input.text, {
        language: detected.language ?? input.languageHint,
        intents: deps.intents,
      });
      if (!model) return { ...offline, fallbackReason: 'no model configured' };
      try {
        const byModel = await analyseWithModel(model, input.text, {
          intents: deps.intents,
          languageHint: detected.language ?? input.languageHint,
          today: new Date().toISOString().slice(0, 10),
        });
        // Safety flags are the union of both: a model that misses "I want a person" must not win.
        return {
          ...byModel,
          language: byModel.language ?? offline.language,
          wantsHuman: byModel.wantsHuman || offline.wantsHuman,
          crisis: byModel.crisis || offline.crisis,
          regulatedTopic: byModel.regulatedTopic ?? offline.regulatedTopic,
        };
      } catch (err) {
        if (!isModelFailure(err)) throw err;
        if (isModelFailure(err, ModelErrorTypes.Unavailable) && !lastModelAttempt()) throw err;
        return {
          ...offline,
          fallbackReason: `${(err as ApplicationFailure).type}: ${(err as Error).message}`,
        };
      }
    },
  };
}

/** Drops the text read from an identity document, keeping that one arrived. */
export function withoutIdentityText(r: MediaUnderstanding): MediaUnderstanding {
  if (r.kind === 'document' && r.sensitive) return { ...r, text: '' };
  if (r.kind === 'image' && r.sensitive) {
    const { textInImage: _dropped, ...image } = r.image;
    return { ...r, image };
  }
  return r;
}
