/**
 * The understanding step of a turn: every media message read (its own activity, so the Web UI shows
 * "Transcribe voice note", "Describe photo", "Read document"), then the turn's text analysed. A
 * failure never fails the turn: it is recorded and the customer gets a polite reply.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { MediaUnderstanding, MessageUnderstanding } from '../../activities/understanding/types.js';
import { transcriptText } from '../../domain/message-content.js';
import type { CustomerMessageKey } from '../../domain/customer-messages.js';
import type { InboundMessage, TurnUnderstanding } from '../definitions.js';

const mediaSteps = proxyActivities<Activities>({
  // OCR of a scan takes ~0.3 s a page, a transcription a few seconds; the budget bounds model retries.
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 3 },
});
// Text analysis is on every turn and usually instant (offline) or one model call: a local activity
// keeps it off the server's round trips; the same attempts bound the model.
const textSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Long document text is kept short in the turn: the transcript is for people and the next step. */
const MAX_DOCUMENT_CHARS = 2_000;

export interface UnderstoodTurn {
  /** What the rest of the turn sees: text, transcripts instead of audio, descriptions of photos. */
  text: string;
  understanding: TurnUnderstanding;
  analysis?: MessageUnderstanding;
  /** Set when a media message could not be used: the polite reply to send instead. */
  mediaProblem?: CustomerMessageKey;
}

export async function understandTurn(
  batch: InboundMessage[],
  languageHint: string | undefined,
): Promise<UnderstoodTurn> {
  const parts: string[] = [];
  const customerWords: string[] = [];
  const media: TurnUnderstanding['media'] = [];
  let mediaProblem: CustomerMessageKey | undefined;

  for (const message of batch) {
    const content = message.content;
    if (content.kind !== 'media') {
      parts.push(transcriptText(content));
      if (content.kind === 'text') customerWords.push(content.body);
      if (content.kind === 'reply') customerWords.push(content.title);
      continue;
    }
    if (content.caption) customerWords.push(content.caption);
    let result: MediaUnderstanding;
    try {
      result = await mediaSteps.readMedia.executeWithOptions(
        { summary: mediaStepSummary(content.mediaType, content.voice) },
        [message],
      );
    } catch {
      result = { kind: 'unreadable', reason: 'failed' };
    }
    const rendered = renderMedia(content.mediaType, content.caption, result);
    parts.push(rendered.text);
    if (rendered.customerWords) customerWords.push(rendered.customerWords);
    media.push({ messageId: message.id, ...rendered.record });
    mediaProblem ??= problemFor(content.mediaType, result);
  }

  let analysis: MessageUnderstanding | undefined;
  const words = customerWords.join('\n').trim();
  if (words) {
    try {
      analysis = await textSteps.analyseText.executeWithOptions(
        { summary: 'Detect language, sentiment, intent, urgency' },
        [{ text: words, languageHint }],
      );
    } catch {
      analysis = undefined; // the turn goes on without it; the state keeps the previous values
    }
  }
  return {
    text: parts.join('\n'),
    analysis,
    mediaProblem,
    understanding: {
      language: analysis?.language,
      sentiment: analysis?.sentiment,
      intent: analysis?.intent,
      urgency: analysis?.urgency,
      wantsHuman: analysis?.wantsHuman,
      crisis: analysis?.crisis,
      regulatedTopic: analysis?.regulatedTopic,
      source: analysis?.source,
      fallbackReason: analysis?.fallbackReason,
      entities: analysis?.entities,
      media,
    },
  };
}

function mediaStepSummary(mediaType: string, voice: boolean | undefined): string {
  if (mediaType === 'audio') return voice ? 'Transcribe voice note' : 'Transcribe audio';
  if (mediaType === 'image' || mediaType === 'sticker') return 'Describe photo';
  if (mediaType === 'document') return 'Read document';
  return `Check ${mediaType}`;
}

function renderMedia(mediaType: string, caption: string | undefined, r: MediaUnderstanding) {
  const withCaption = (s: string) => (caption ? `${s} ${caption}` : s);
  switch (r.kind) {
    case 'transcript':
      return {
        text: `[voice note] ${r.text}`,
        customerWords: r.text,
        record: { kind: r.kind, summary: r.text },
      };
    case 'image': {
      const i = r.image;
      const damage = i.damage !== 'none' ? ` (damage: ${i.damage})` : '';
      const summary = `${i.description}${damage}${i.product ? `; product: ${i.product}` : ''}`;
      return {
        text: withCaption(`[photo: ${summary}]`),
        record: { kind: r.kind, summary, sensitive: r.sensitive },
      };
    }
    case 'document': {
      // An identity document's text is not kept: only the fact that one arrived.
      const text = r.sensitive
        ? '[identity document received — not processed]'
        : `[document] ${r.text.slice(0, MAX_DOCUMENT_CHARS)}`;
      return {
        text: withCaption(text),
        record: {
          kind: r.kind,
          sensitive: r.sensitive,
          summary: r.sensitive ? undefined : r.text.slice(0, 200),
        },
      };
    }
    default:
      return {
        text: withCaption(`[${mediaType} not readable: ${r.reason}]`),
        record: { kind: r.kind, reason: r.reason },
      };
  }
}

function problemFor(mediaType: string, r: MediaUnderstanding): CustomerMessageKey | undefined {
  if ((r.kind === 'document' || r.kind === 'image') && r.sensitive) return 'media_not_processed';
  if (r.kind !== 'unreadable') return undefined;
  switch (r.reason) {
    case 'too_large':
      return 'media_too_large';
    case 'unsupported_type':
      return 'media_unsupported_type';
    case 'no_text':
      return 'media_no_text';
    case 'empty_transcript':
    case 'no_model':
      return mediaType === 'audio' ? 'voice_empty' : 'media_unreadable';
    default:
      return 'media_unreadable';
  }
}
