/**
 * `npm run chat`: talk to Parley from the terminal as a WhatsApp customer. Each line is posted to the
 * webhook as Meta would (signed text message); replies are read back from the sandbox Graph API.
 * Flags (or env): --wa-id (CHAT_WA_ID), --name (CHAT_NAME), --phone-number-id. Commands: /tap <n>
 * taps button n of the last buttons message, /quit leaves.
 */
import { randomBytes } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SANDBOX_DEFAULTS } from '../devstack/sandbox-defaults.js';
import type { SandboxSentMessage } from '../devstack/whatsapp-sandbox.js';
import * as meta from '../test/fixtures/whatsapp-webhooks.js';

const { values: flags } = parseArgs({
  options: { 'wa-id': { type: 'string' }, name: { type: 'string' }, 'phone-number-id': { type: 'string' } },
});
const env = process.env;
const waId = (flags['wa-id'] ?? env.CHAT_WA_ID ?? '15550009999').replace(/\D/g, '');
const name = flags.name ?? env.CHAT_NAME ?? 'Terminal Customer';
const phoneNumberId = flags['phone-number-id'] ?? SANDBOX_DEFAULTS.PHONE_NUMBER_ID;
const appSecret = env.WHATSAPP_APP_SECRET ?? SANDBOX_DEFAULTS.WHATSAPP_APP_SECRET;
const parleyUrl = env.PARLEY_URL ?? `http://localhost:${env.PORT ?? 3000}`;
const sandboxUrl = env.SANDBOX_URL ?? `http://127.0.0.1:${env.SANDBOX_PORT ?? SANDBOX_DEFAULTS.SANDBOX_PORT}`;
const REPLY_WAIT_MS = 20_000;
const now = () => Math.floor(Date.now() / 1000);

const tty = Boolean(process.stdin.isTTY);
let rl: Interface | undefined;
let after = 0;
let lastButtons: { messageId: string; buttons: { id: string; title: string }[] } | undefined;
let sandboxDown = false;

/** Prints above the prompt without clobbering what the user is typing. */
function show(text: string): void {
  if (tty) process.stdout.write('\r\x1b[K');
  console.log(text);
  if (tty) rl?.prompt(true);
}

function unreachable(what: string, url: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
  return `Cannot reach ${what} at ${url} (${cause}). Is \`npm run dev\` running?`;
}

function render(m: SandboxSentMessage): string {
  if (m.text) return `parley> ${m.text.body}`;
  if (m.template) return `parley> [template ${m.template.name} (${m.template.languageCode})]`;
  if (m.type === 'document' && m.document) {
    const { id, link, filename, caption } = m.document;
    const label = `[document ${filename ?? id ?? 'file'}${caption ? `: ${caption}` : ''}]`;
    // Uploaded media is served by the sandbox's inspection API; a hosted document is its own link.
    const where = id ? `${sandboxUrl}/sandbox/media/${id}` : link;
    return `parley> ${label}${where ? `\n        open: ${where}` : ''}`;
  }
  const i = m.interactive as {
    body?: { text?: string };
    action?: { buttons?: { reply: { id: string; title: string } }[] };
  };
  if (m.type === 'interactive' && i) {
    const buttons = (i.action?.buttons ?? []).map((b) => b.reply);
    if (buttons.length) lastButtons = { messageId: m.messageId, buttons };
    const choices = buttons.map((b, n) => `  [${n + 1}] ${b.title}`).join('\n');
    return `parley> ${i.body?.text ?? '[interactive]'}${choices ? `\n${choices}\n(/tap <n> to choose)` : ''}`;
  }
  return `parley> [${m.type} message]`;
}

/** Prints replies newer than `after` (unless `quiet`) and moves `after` past them. */
async function poll(quiet = false): Promise<void> {
  const url = `${sandboxUrl}/sandbox/messages?to=${waId}&after=${after}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    const { messages } = (await res.json()) as { messages: SandboxSentMessage[] };
    sandboxDown = false;
    for (const m of messages.filter((m) => m.seq > after)) {
      after = m.seq;
      if (!quiet) show(render(m));
    }
  } catch (err) {
    if (!sandboxDown) show(unreachable('the sandbox', sandboxUrl, err));
    sandboxDown = true;
  }
}

// One poll at a time: the background interval and waitForReply share it, so nothing prints twice.
let polling: Promise<void> | undefined;
const pollOnce = (): Promise<void> => (polling ??= poll().finally(() => (polling = undefined)));

async function send(message: meta.MetaMessage): Promise<boolean> {
  const value = meta.messageChangeValue(message, {
    phoneNumberId,
    displayPhoneNumber: SANDBOX_DEFAULTS.DISPLAY_PHONE_NUMBER,
    contacts: [{ waId, name }],
  });
  const body = JSON.stringify(meta.webhookBody([value]));
  const signature = meta.signWebhook(body, appSecret);
  const url = `${parleyUrl}/webhooks/whatsapp`;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    if (res.ok) return true;
    console.error(`Parley answered ${res.status}: ${await res.text()}`);
  } catch (err) {
    console.error(unreachable('Parley', url, err));
  }
  return false;
}

/** Waits until a reply newer than `since` has been printed (by this loop or the background poll). */
async function waitForReply(since: number): Promise<void> {
  const deadline = Date.now() + REPLY_WAIT_MS;
  while (after <= since && Date.now() < deadline) {
    await pollOnce();
    if (after <= since) await new Promise((r) => setTimeout(r, 300));
  }
  if (after <= since) show('(no reply yet; it will show up here when it arrives)');
}

async function main(): Promise<void> {
  await poll(true); // skip replies from earlier sessions
  if (sandboxDown) process.exit(1);
  console.log(`Chatting with Parley at ${parleyUrl} as +${waId} (${name}). /quit to leave.`);
  // Created only now: readline drops lines that arrive before someone iterates over them.
  rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'you> ' });
  const timer = setInterval(() => void pollOnce(), 1_000);
  if (tty) rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/quit') break;
    if (!tty && line) console.log(`you> ${line}`);
    const common = { id: `wamid.${randomBytes(24).toString('base64url')}`, from: waId, timestamp: now() };
    const tap = /^\/tap\s+(\d+)$/.exec(line);
    const button = tap && lastButtons?.buttons[Number(tap[1]) - 1];
    let message: meta.MetaMessage | undefined;
    if (button && lastButtons) {
      const { messageId: contextId } = lastButtons;
      message = meta.buttonReplyMessage({ ...common, contextId, replyId: button.id, title: button.title });
    } else if (line.startsWith('/')) console.log(tap ? 'No such button.' : 'Commands: /tap <n>, /quit');
    else if (line) message = meta.textMessage({ ...common, body: line });
    const since = after;
    if (message && (await send(message))) await waitForReply(since);
    if (tty) rl.prompt();
  }
  clearInterval(timer);
  rl.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
