/**
 * The satisfaction survey's pure parts: the three reply buttons in the customer's language, and
 * reading a customer's answer to it. Scores: 3 great, 2 OK, 1 not good.
 */
import { customerMessage } from '../../domain/customer-messages.js';
import type { InboundMessage } from '../definitions.js';

const BUTTON_ID = /^csat:([123])$/;

export function surveyButtons(language: string | undefined): { id: string; title: string }[] {
  return [
    { id: 'csat:3', title: customerMessage('csat_great', language) },
    { id: 'csat:2', title: customerMessage('csat_ok', language) },
    { id: 'csat:1', title: customerMessage('csat_bad', language) },
  ];
}

export type SurveyAnswer = { score: number } | { comment: string };

/**
 * The answers in a burst of messages when it answers the survey: button taps, or — after a low
 * score, when Parley asked for a comment — the text. Undefined when any message is about something
 * else: then it is a new request and reopens the conversation.
 */
export function surveyAnswers(batch: InboundMessage[], awaitingComment: boolean): SurveyAnswer[] | undefined {
  const answers: SurveyAnswer[] = [];
  for (const message of batch) {
    const c = message.content;
    const score = c.kind === 'reply' ? BUTTON_ID.exec(c.id)?.[1] : undefined;
    if (score) answers.push({ score: Number(score) });
    else if (awaitingComment && c.kind === 'text' && c.body.trim()) answers.push({ comment: c.body.trim() });
    else return undefined;
  }
  return answers.length > 0 ? answers : undefined;
}

/** "No more surveys", in the languages Parley speaks: the customer opts out of surveys. */
const NO_SURVEYS =
  /\b(no (more )?surveys?|stop (the )?surveys?|pas de (sondage|questionnaire|enquête)s?|geen enquêtes?|keine umfragen?|sin encuestas?|niente sondaggi|sem inquéritos?)\b/i;

export function asksForNoSurveys(text: string): boolean {
  return NO_SURVEYS.test(text);
}
