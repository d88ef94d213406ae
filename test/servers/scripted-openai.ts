/**
 * A scripted stand-in for the OpenAI HTTP API, for tests. A real HTTP server (Hono) speaking the
 * documented request and response shapes of what Parley uses, so the real `openai` package is what
 * talks to it:
 *
 * - POST /v1/chat/completions: `choices[0].message.content` or `tool_calls`, `usage`, finish reasons,
 *   refusals. With `response_format: json_schema` + `strict: true` it rejects schemas OpenAI would
 *   reject (every object needs `additionalProperties: false` and every property required).
 * - POST /v1/audio/transcriptions: multipart (file, model, response_format, language, prompt);
 *   `verbose_json` answers `{ task, language, duration, text, segments }` with the language as a
 *   lowercase English name ("french"), as Whisper does.
 * - POST /v1/embeddings: deterministic hashed bag-of-words vectors; honours `dimensions` and
 *   `encoding_format` (`base64` is what the SDK asks for by default: float32 little-endian).
 * - GET /v1/models, GET /v1/models/:id.
 *
 * Answers come from test-supplied handlers (`onChat`, `onTranscription`) or one-shot queued replies
 * (`enqueueChat`, `enqueueTranscription`), with sensible defaults when none is set. Every request is
 * recorded (path, body or multipart summary, Authorization presence, status answered). Faults are
 * OpenAI-shaped: `failNext(n, status)` and `delayNext(n, ms)`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { listen } from '../../core/listen.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** Which endpoint a fault or delay applies to. */
export type ScriptedEndpoint = 'chat' | 'transcription' | 'embeddings' | 'models' | 'all';

/** A file part of a multipart request, summarised (the bytes are on the typed views). */
export interface MultipartFileSummary {
  filename: string;
  type: string;
  size: number;
  sha256: string;
}

/** The recorded body of a multipart request. */
export interface MultipartSummary {
  fields: Record<string, string>;
  files: Record<string, MultipartFileSummary>;
}

/** One request the server received, in arrival order (recorded before faults and delays apply). */
export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path as received, e.g. `/v1/chat/completions`. */
  path: string;
  endpoint: Exclude<ScriptedEndpoint, 'all'> | 'unknown';
  /** Whether an `Authorization` header was present (its value is never recorded). */
  hasAuthorization: boolean;
  /** Whether it was `Bearer <something non-empty>`. */
  bearer: boolean;
  contentType?: string;
  /** Parsed JSON body, a {@link MultipartSummary}, or undefined (GET / unparsable). */
  body: unknown;
  /** HTTP status answered (0 until the answer is sent). */
  status: number;
  /** Set when an injected fault or delay applied to this request. */
  injected?: { failedWith?: number; delayedMs?: number };
  timestampMs: number;
}

/** An image part found in the chat messages. */
export interface ChatImage {
  url: string;
  /** For data URLs: the declared mime type and the decoded bytes. */
  mimeType?: string;
  bytes?: Buffer;
  detail?: string;
}

/** A chat completion request, as handlers and tests see it. */
export interface ChatRequestView {
  model: string;
  /** The messages exactly as sent. */
  messages: Record<string, unknown>[];
  /** Text of the system/developer messages, joined with blank lines. */
  system: string;
  /** Text of the last user message (string content, or its text parts joined). */
  userText: string;
  /** Every image part across the messages. */
  images: ChatImage[];
  responseFormat?: { type: string; name?: string; schema?: Record<string, unknown>; strict?: boolean };
  tools: { name: string; description?: string; parameters?: unknown; strict?: boolean }[];
  toolChoice?: unknown;
  /** The raw JSON body. */
  body: Record<string, unknown>;
}

/** An OpenAI-shaped error answer. */
export interface ScriptedError {
  status: number;
  message?: string;
  type?: string;
  code?: string | null;
  param?: string | null;
}

/** What a chat handler answers. A plain string is shorthand for `{ content }`. */
export interface ChatReply {
  content?: string | null;
  /** Shorthand for `content: JSON.stringify(json)`. */
  json?: unknown;
  /** The model declined (structured outputs): `message.refusal` set, content null. */
  refusal?: string;
  toolCalls?: { name: string; arguments: string | Record<string, unknown>; id?: string }[];
  finishReason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
  usage?: { promptTokens?: number; completionTokens?: number };
  /** Answer with this error instead of a completion. */
  error?: ScriptedError;
}

export type ChatHandler = (req: ChatRequestView) => ChatReply | string | Promise<ChatReply | string>;

/** A transcription request, as handlers and tests see it. */
export interface TranscriptionRequestView {
  model: string;
  responseFormat: string;
  language?: string;
  prompt?: string;
  filename: string;
  /** The file part's content type. */
  mimeType: string;
  audio: Buffer;
  fields: Record<string, string>;
}

/** What a transcription handler answers. A plain string is shorthand for `{ text }`. */
export interface TranscriptionReply {
  text?: string;
  /** ISO 639-1 code or a Whisper language name; codes are sent as names, as Whisper does. */
  language?: string;
  /** Seconds. Defaults to an estimate from the file size. */
  duration?: number;
  error?: ScriptedError;
}

export type TranscriptionHandler = (
  req: TranscriptionRequestView,
) => TranscriptionReply | string | Promise<TranscriptionReply | string>;

/** An embeddings request, as tests see it. */
export interface EmbeddingsRequestView {
  model: string;
  input: string[];
  dimensions?: number;
  encodingFormat: 'float' | 'base64';
}

export interface ScriptedOpenAIOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>` (else 401 invalid_api_key). */
  apiKey?: string;
  /** When set, only these model ids exist (others: 404 model_not_found). Also what /v1/models lists. */
  models?: string[];
  /** Embedding size when the request has no `dimensions`. Default 1536 (text-embedding-3-small). */
  embeddingDimensions?: number;
}

export interface ScriptedOpenAI {
  /** Base URL for the `openai` client's `baseURL`, ending in `/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Typed views of the chat / transcription / embeddings requests, in order. */
  chatRequests: ChatRequestView[];
  transcriptionRequests: TranscriptionRequestView[];
  embeddingsRequests: EmbeddingsRequestView[];
  /** The handler for chat completions when no queued reply is pending (undefined: defaults). */
  onChat(handler: ChatHandler | undefined): void;
  /** One-shot replies (or handlers), consumed in order before `onChat`'s handler. */
  enqueueChat(...replies: (ChatReply | string | ChatHandler)[]): void;
  onTranscription(handler: TranscriptionHandler | undefined): void;
  enqueueTranscription(...replies: (TranscriptionReply | string | TranscriptionHandler)[]): void;
  /** The next `n` matching requests answer `status` with an OpenAI error body (or `body` as given). */
  failNext(n: number, status: number, body?: unknown, opts?: { target?: ScriptedEndpoint }): void;
  /** The next `n` matching requests are recorded at once but answered after `ms`. */
  delayNext(n: number, ms: number, opts?: { target?: ScriptedEndpoint }): void;
  /** Forgets requests, queued replies, handlers, faults and delays (seq keeps counting). */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Deterministic embeddings

/**
 * The vector the server returns for `text`: a signed hashed bag of words (plus 5-letter prefixes, a
 * crude stemmer so "refund" and "refunds" meet), L2-normalised. Same text, same vector; texts
 * sharing words have positive cosine similarity.
 */
export function hashedEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const features: [string, number][] = [];
  for (const w of words) {
    features.push([`w:${w}`, 1]);
    if (w.length > 5) features.push([`p:${w.slice(0, 5)}`, 0.5]);
  }
  for (const [feature, weight] of features) {
    const h = createHash('sha256').update(feature).digest();
    const index = h.readUInt32LE(0) % dimensions;
    const sign = (h[4] ?? 0) & 1 ? 1 : -1;
    vector[index] = (vector[index] ?? 0) + sign * weight;
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((v) => v / norm);
}

// ---------------------------------------------------------------------------------------------
// Server

interface Pending {
  remaining: number;
  target: ScriptedEndpoint;
}

const WHISPER_NAMES: Record<string, string> = {
  en: 'english',
  fr: 'french',
  nl: 'dutch',
  de: 'german',
  es: 'spanish',
  it: 'italian',
  pt: 'portuguese',
  pl: 'polish',
  tr: 'turkish',
  ar: 'arabic',
  zh: 'chinese',
  ja: 'japanese',
};
const TRANSCRIPTION_EXTENSIONS = ['flac', 'mp3', 'mp4', 'mpeg', 'mpga', 'm4a', 'ogg', 'wav', 'webm'];
const TRANSCRIPTION_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'];
const IMAGE_MIME = /^image\/(png|jpeg|gif|webp)$/;

/** Starts the server; resolves once it is listening. */
export async function startScriptedOpenAI(opts: ScriptedOpenAIOptions = {}): Promise<ScriptedOpenAI> {
  const host = opts.host ?? '127.0.0.1';
  const defaultDimensions = opts.embeddingDimensions ?? 1536;
  const requests: RecordedRequest[] = [];
  const chatRequests: ChatRequestView[] = [];
  const transcriptionRequests: TranscriptionRequestView[] = [];
  const embeddingsRequests: EmbeddingsRequestView[] = [];
  const chatQueue: (ChatReply | string | ChatHandler)[] = [];
  const transcriptionQueue: (TranscriptionReply | string | TranscriptionHandler)[] = [];
  let chatHandler: ChatHandler | undefined;
  let transcriptionHandler: TranscriptionHandler | undefined;
  const faults: (Pending & { status: number; body?: unknown })[] = [];
  const delays: (Pending & { ms: number })[] = [];
  let seq = 0;
  // Bumped by reset(): a request delayed across a reset must not consume the next test's replies.
  let generation = 0;
  // The uploaded files behind each recorded multipart summary.
  const filesBySummary = new WeakMap<MultipartSummary, Record<string, { file: File; bytes: Buffer }>>();

  function take<T extends Pending>(list: T[], endpoint: ScriptedEndpoint): T | undefined {
    const pending = list.find((p) => p.target === 'all' || p.target === endpoint);
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) list.splice(list.indexOf(pending), 1);
    return pending;
  }

  const app = new Hono();

  /**
   * Shared front for every endpoint: records the request, checks the key, applies delays and faults,
   * then runs `handle` and records the status answered.
   */
  async function front(
    c: Context,
    endpoint: RecordedRequest['endpoint'],
    readBody: () => Promise<unknown>,
    handle: (body: unknown) => Promise<Response> | Response,
  ): Promise<Response> {
    const authorization = c.req.header('authorization');
    const startedIn = generation;
    const record: RecordedRequest = {
      seq: ++seq,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      endpoint,
      hasAuthorization: authorization !== undefined,
      bearer: /^Bearer \S+/.test(authorization ?? ''),
      body: undefined,
      status: 0,
      timestampMs: Date.now(),
    };
    const contentType = c.req.header('content-type');
    if (contentType) record.contentType = contentType;
    requests.push(record);

    let res: Response;
    let body: unknown;
    let bodyOk = true;
    try {
      body = await readBody();
      record.body = body;
    } catch {
      bodyOk = false;
    }
    const target: ScriptedEndpoint = endpoint === 'unknown' ? 'all' : endpoint;
    const delay = endpoint === 'unknown' ? undefined : take(delays, target);
    if (delay) {
      record.injected = { ...record.injected, delayedMs: delay.ms };
      await new Promise((resolve) => setTimeout(resolve, delay.ms));
    }
    if (startedIn !== generation) {
      return openAIError(c, { status: 503, message: 'request outlived a reset() of the scripted server' });
    }
    if (opts.apiKey !== undefined && authorization !== `Bearer ${opts.apiKey}`) {
      res = openAIError(c, {
        status: 401,
        message: authorization
          ? 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.'
          : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        type: 'invalid_request_error',
        code: authorization ? 'invalid_api_key' : null,
      });
    } else {
      const fault = endpoint === 'unknown' ? undefined : take(faults, target);
      if (fault) {
        record.injected = { ...record.injected, failedWith: fault.status };
        res = faultResponse(c, fault.status, fault.body);
      } else if (!bodyOk) {
        res = openAIError(c, {
          status: 400,
          message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          type: 'invalid_request_error',
        });
      } else {
        try {
          res = await handle(body);
        } catch (err) {
          // A throwing test handler: answer 500 like a server bug, keep the reason visible.
          res = openAIError(c, {
            status: 500,
            message: `scripted handler threw: ${err instanceof Error ? err.message : String(err)}`,
            type: 'server_error',
          });
        }
      }
    }
    record.status = res.status;
    res.headers.set('x-request-id', `req_${randomBytes(12).toString('hex')}`);
    res.headers.set('openai-processing-ms', String(Date.now() - record.timestampMs));
    return res;
  }

  function modelMissing(c: Context, model: unknown): Response | undefined {
    if (typeof model !== 'string' || !model) {
      return openAIError(c, {
        status: 400,
        message: 'you must provide a model parameter',
        type: 'invalid_request_error',
        param: 'model',
      });
    }
    if (opts.models && !opts.models.includes(model)) {
      return openAIError(c, {
        status: 404,
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        code: 'model_not_found',
      });
    }
    return undefined;
  }

  app.post('/v1/chat/completions', (c) =>
    front(
      c,
      'chat',
      () => c.req.json(),
      async (raw) => {
        if (!isRecord(raw)) return badRequest(c, 'Request body must be a JSON object.');
        const missing = modelMissing(c, raw.model);
        if (missing) return missing;
        if (!Array.isArray(raw.messages) || raw.messages.length === 0) {
          return badRequest(
            c,
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
            'messages',
          );
        }
        if (raw.stream === true) {
          return badRequest(c, 'The scripted OpenAI server does not implement streaming.', 'stream');
        }
        const view = chatView(raw);
        const problem = chatProblem(view);
        if (problem) return openAIError(c, problem);
        chatRequests.push(view);

        const next = chatQueue.shift() ?? chatHandler;
        let reply: ChatReply | string;
        if (typeof next === 'function') reply = await next(view);
        else if (next !== undefined) reply = next;
        else reply = defaultChatReply(view);
        if (typeof reply === 'string') reply = { content: reply };
        if (reply.error) return openAIError(c, reply.error);
        return c.json(chatCompletion(view, reply));
      },
    ),
  );

  app.post('/v1/audio/transcriptions', (c) =>
    front(
      c,
      'transcription',
      async () => {
        const form = await c.req.parseBody();
        const summary: MultipartSummary = { fields: {}, files: {} };
        const files: Record<string, { file: File; bytes: Buffer }> = {};
        for (const [name, value] of Object.entries(form)) {
          if (typeof value === 'string') summary.fields[name] = value;
          else if (value instanceof File) {
            const bytes = Buffer.from(await value.arrayBuffer());
            files[name] = { file: value, bytes };
            summary.files[name] = {
              filename: value.name,
              type: value.type,
              size: bytes.length,
              sha256: createHash('sha256').update(bytes).digest('hex'),
            };
          }
        }
        filesBySummary.set(summary, files);
        return summary;
      },
      async (raw) => {
        const summary = raw as MultipartSummary;
        const upload = filesBySummary.get(summary)?.file;
        if (!upload) return badRequest(c, "Missing required parameter: 'file'.", 'file');
        const { fields } = summary;
        const missing = modelMissing(c, fields.model);
        if (missing) return missing;
        const model = fields.model ?? '';
        const responseFormat = fields.response_format ?? 'json';
        if (!TRANSCRIPTION_FORMATS.includes(responseFormat)) {
          return badRequest(
            c,
            `Invalid value: '${responseFormat}'. Supported values are: ${TRANSCRIPTION_FORMATS.map((f) => `'${f}'`).join(', ')}.`,
            'response_format',
          );
        }
        if (/^gpt-4o.*transcribe/.test(model) && !['json', 'text'].includes(responseFormat)) {
          return badRequest(
            c,
            `response_format '${responseFormat}' is not compatible with model '${model}'. Use 'json' or 'text' instead.`,
            'response_format',
          );
        }
        const ext = upload.file.name.split('.').pop()?.toLowerCase() ?? '';
        if (!TRANSCRIPTION_EXTENSIONS.includes(ext)) {
          return openAIError(c, {
            status: 400,
            message: `Invalid file format. Supported formats: ${JSON.stringify(TRANSCRIPTION_EXTENSIONS)}`,
            type: 'invalid_request_error',
          });
        }
        const view: TranscriptionRequestView = {
          model,
          responseFormat,
          filename: upload.file.name,
          mimeType: upload.file.type,
          audio: upload.bytes,
          fields,
        };
        if (fields.language) view.language = fields.language;
        if (fields.prompt) view.prompt = fields.prompt;
        transcriptionRequests.push(view);

        const next = transcriptionQueue.shift() ?? transcriptionHandler;
        let reply: TranscriptionReply | string;
        if (typeof next === 'function') reply = await next(view);
        else if (next !== undefined) reply = next;
        else reply = { text: 'This is a scripted transcript.' };
        if (typeof reply === 'string') reply = { text: reply };
        if (reply.error) return openAIError(c, reply.error);
        return transcriptionResponse(c, view, reply);
      },
    ),
  );

  app.post('/v1/embeddings', (c) =>
    front(
      c,
      'embeddings',
      () => c.req.json(),
      (raw) => {
        if (!isRecord(raw)) return badRequest(c, 'Request body must be a JSON object.');
        const missing = modelMissing(c, raw.model);
        if (missing) return missing;
        const input = typeof raw.input === 'string' ? [raw.input] : raw.input;
        if (!Array.isArray(input) || input.length === 0 || !input.every((i) => typeof i === 'string')) {
          return badRequest(c, "'input' must be a non-empty string or array of strings.", 'input');
        }
        if (input.some((i) => i === '')) {
          return badRequest(
            c,
            "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
            'input',
          );
        }
        const dims = raw.dimensions;
        if (dims !== undefined && (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1)) {
          return badRequest(c, "Invalid 'dimensions': must be a positive integer.", 'dimensions');
        }
        const encodingFormat = raw.encoding_format === 'base64' ? 'base64' : 'float';
        const view: EmbeddingsRequestView = { model: raw.model as string, input, encodingFormat };
        if (typeof dims === 'number') view.dimensions = dims;
        embeddingsRequests.push(view);
        const size = view.dimensions ?? defaultDimensions;
        const tokens = input.reduce((n, text) => n + estimateTokens(text), 0);
        return c.json({
          object: 'list',
          data: input.map((text, index) => {
            const vector = hashedEmbedding(text, size);
            return {
              object: 'embedding',
              index,
              embedding:
                encodingFormat === 'base64'
                  ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
                  : vector,
            };
          }),
          model: view.model,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
      },
    ),
  );

  const modelObject = (id: string) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'scripted' });
  app.get('/v1/models', (c) =>
    front(
      c,
      'models',
      async () => undefined,
      () =>
        c.json({
          object: 'list',
          data: (opts.models ?? ['gpt-4o-mini', 'whisper-1', 'text-embedding-3-small']).map(modelObject),
        }),
    ),
  );
  app.get('/v1/models/:model', (c) =>
    front(
      c,
      'models',
      async () => undefined,
      () => modelMissing(c, c.req.param('model')) ?? c.json(modelObject(c.req.param('model'))),
    ),
  );

  app.notFound((c) =>
    front(
      c,
      'unknown',
      async () => undefined,
      () =>
        openAIError(c, {
          status: 404,
          message: `Invalid URL (${c.req.method} ${new URL(c.req.url).pathname})`,
          type: 'invalid_request_error',
        }),
    ),
  );

  const server = await listen(app.fetch, { port: opts.port, hostname: host, closeConnections: 'all' });

  return {
    url: `${server.url}/v1`,
    requests,
    chatRequests,
    transcriptionRequests,
    embeddingsRequests,
    onChat(handler) {
      chatHandler = handler;
    },
    enqueueChat(...replies) {
      chatQueue.push(...replies);
    },
    onTranscription(handler) {
      transcriptionHandler = handler;
    },
    enqueueTranscription(...replies) {
      transcriptionQueue.push(...replies);
    },
    failNext(n, status, body, o = {}) {
      if (n > 0) faults.push({ remaining: n, status, body, target: o.target ?? 'all' });
    },
    delayNext(n, ms, o = {}) {
      if (n > 0 && ms > 0) delays.push({ remaining: n, ms, target: o.target ?? 'all' });
    },
    reset() {
      generation += 1;
      requests.length = 0;
      chatRequests.length = 0;
      transcriptionRequests.length = 0;
      embeddingsRequests.length = 0;
      chatQueue.length = 0;
      transcriptionQueue.length = 0;
      faults.length = 0;
      delays.length = 0;
      chatHandler = undefined;
      transcriptionHandler = undefined;
    },
    close: server.close,
  };
}

// ---------------------------------------------------------------------------------------------
// Chat completions

function chatView(body: Record<string, unknown>): ChatRequestView {
  const messages = (body.messages as unknown[]).filter(isRecord);
  const system: string[] = [];
  const images: ChatImage[] = [];
  let userText = '';
  for (const m of messages) {
    const text = textOf(m.content);
    if (m.role === 'system' || m.role === 'developer') system.push(text);
    if (m.role === 'user') userText = text;
    if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (!isRecord(part) || part.type !== 'image_url' || !isRecord(part.image_url)) continue;
        const url = String(part.image_url.url ?? '');
        const image: ChatImage = { url };
        if (typeof part.image_url.detail === 'string') image.detail = part.image_url.detail;
        const data = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(url);
        if (data) {
          image.mimeType = data[1] ?? '';
          image.bytes = data[2]
            ? Buffer.from(data[3] ?? '', 'base64')
            : Buffer.from(decodeURIComponent(data[3] ?? ''));
        }
        images.push(image);
      }
    }
  }
  const view: ChatRequestView = {
    model: String(body.model),
    messages,
    system: system.join('\n\n'),
    userText,
    images,
    tools: [],
    body,
  };
  const rf = body.response_format;
  if (isRecord(rf) && typeof rf.type === 'string') {
    view.responseFormat = { type: rf.type };
    if (rf.type === 'json_schema' && isRecord(rf.json_schema)) {
      const js = rf.json_schema;
      if (typeof js.name === 'string') view.responseFormat.name = js.name;
      if (isRecord(js.schema)) view.responseFormat.schema = js.schema;
      if (typeof js.strict === 'boolean') view.responseFormat.strict = js.strict;
    }
  }
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isRecord(t) || !isRecord(t.function)) continue;
      const f = t.function;
      const tool: ChatRequestView['tools'][number] = { name: String(f.name) };
      if (typeof f.description === 'string') tool.description = f.description;
      if (f.parameters !== undefined) tool.parameters = f.parameters;
      if (typeof f.strict === 'boolean') tool.strict = f.strict;
      view.tools.push(tool);
    }
  }
  if (body.tool_choice !== undefined) view.toolChoice = body.tool_choice;
  return view;
}

/** What OpenAI would reject in a well-formed chat request (the parts Parley can get wrong). */
function chatProblem(view: ChatRequestView): ScriptedError | undefined {
  const invalid = (
    message: string,
    param: string | null = null,
    code: string | null = null,
  ): ScriptedError => ({
    status: 400,
    message,
    type: 'invalid_request_error',
    param,
    code,
  });
  for (const [i, m] of view.messages.entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool', 'function'].includes(String(m.role))) {
      return invalid(
        `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${i}].role`,
        'invalid_value',
      );
    }
  }
  for (const image of view.images) {
    if (image.mimeType !== undefined && !IMAGE_MIME.test(image.mimeType)) {
      return invalid(
        "You uploaded an unsupported image. Please make sure your image has of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
        null,
        'invalid_image_format',
      );
    }
    if (image.bytes !== undefined && image.bytes.length === 0) {
      return invalid('The image data you provided does not represent a valid image.', null, 'invalid_image');
    }
  }
  const rf = view.responseFormat;
  if (rf && !['text', 'json_object', 'json_schema'].includes(rf.type)) {
    return invalid(
      `Invalid value: '${rf.type}'. Supported values are: 'json_object', 'json_schema', and 'text'.`,
      'response_format.type',
      'invalid_value',
    );
  }
  if (rf?.type === 'json_schema') {
    if (!rf.name || !/^[a-zA-Z0-9_-]{1,64}$/.test(rf.name)) {
      return invalid(
        `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        'response_format.json_schema.name',
        'invalid_value',
      );
    }
    if (rf.strict === true) {
      const problem = strictSchemaProblem(rf.schema ?? {}, []);
      if (problem) {
        return invalid(
          `Invalid schema for response_format '${rf.name}': ${problem}`,
          'response_format',
          null,
        );
      }
    }
  }
  return undefined;
}

/** OpenAI's strict-mode rules, as far as a schema's shape goes. */
function strictSchemaProblem(schema: unknown, context: string[]): string | undefined {
  if (!isRecord(schema)) return undefined;
  const where = `In context=(${context.map((c) => `'${c}'`).join(', ')})`;
  if (context.length === 0 && schema.type !== 'object') {
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type)}"'.`;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('object') || isRecord(schema.properties)) {
    if (schema.additionalProperties !== false) {
      return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const props = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    const missing = props.find((p) => !required.includes(p));
    if (missing) {
      return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
    for (const p of props) {
      const problem = strictSchemaProblem((schema.properties as Record<string, unknown>)[p], [
        ...context,
        'properties',
        p,
      ]);
      if (problem) return problem;
    }
  }
  if (schema.items !== undefined) {
    const problem = strictSchemaProblem(schema.items, [...context, 'items']);
    if (problem) return problem;
  }
  for (const key of ['anyOf', 'allOf'] as const) {
    const list = schema[key];
    if (!Array.isArray(list)) continue;
    for (const [i, sub] of list.entries()) {
      const problem = strictSchemaProblem(sub, [...context, key, String(i)]);
      if (problem) return problem;
    }
  }
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = schema[key];
    if (!isRecord(defs)) continue;
    for (const [name, sub] of Object.entries(defs)) {
      const problem = strictSchemaProblem(sub, [...context, key, name]);
      if (problem) return problem;
    }
  }
  return undefined;
}

function defaultChatReply(view: ChatRequestView): ChatReply {
  const rf = view.responseFormat;
  if (rf?.type === 'json_schema' && rf.schema) return { json: sampleFromSchema(rf.schema, rf.schema) };
  if (rf?.type === 'json_object') return { json: {} };
  return { content: 'This is a scripted reply.' };
}

/** A minimal value that satisfies `schema` (first enum value, minimum numbers, empty arrays, null when allowed). */
export function sampleFromSchema(schema: unknown, root: unknown = schema): unknown {
  if (!isRecord(schema)) return null;
  if (typeof schema.$ref === 'string') {
    const path = schema.$ref.replace(/^#\//, '').split('/');
    let target: unknown = root;
    for (const p of path) target = isRecord(target) ? target[p] : undefined;
    return sampleFromSchema(target, root);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const anyOf = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(anyOf)) {
    const nullable = anyOf.find((s) => isRecord(s) && s.type === 'null');
    return nullable ? null : sampleFromSchema(anyOf[0], root);
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('null')) return null;
  switch (types[0]) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = isRecord(schema.properties) ? schema.properties : {};
      for (const [k, v] of Object.entries(props)) out[k] = sampleFromSchema(v, root);
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return typeof schema.pattern === 'string' && schema.pattern.includes('[a-z]{2}') ? 'en' : '';
    case 'number':
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
      const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
      if (min !== undefined && max !== undefined) return min <= 0 && max >= 0 ? 0 : min;
      return min ?? 0;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function chatCompletion(view: ChatRequestView, reply: ChatReply): Record<string, unknown> {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: null,
    refusal: null,
    annotations: [],
  };
  let finishReason: string = reply.finishReason ?? 'stop';
  let completionText = '';
  if (reply.toolCalls?.length) {
    message.tool_calls = reply.toolCalls.map((call) => {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
      completionText += call.name + args;
      return {
        id: call.id ?? `call_${randomBytes(12).toString('base64url')}`,
        type: 'function',
        function: { name: call.name, arguments: args },
      };
    });
    finishReason = reply.finishReason ?? 'tool_calls';
  }
  if (reply.refusal !== undefined) {
    message.refusal = reply.refusal;
    completionText += reply.refusal;
  } else if (reply.json !== undefined || reply.content !== undefined) {
    const content = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.content ?? null);
    message.content = content;
    completionText += content ?? '';
  }
  const promptTokens =
    reply.usage?.promptTokens ?? estimateTokens(JSON.stringify(view.messages)) + view.images.length * 85;
  const completionTokens = reply.usage?.completionTokens ?? estimateTokens(completionText);
  return {
    id: `chatcmpl-${randomBytes(15).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: view.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_scripted',
  };
}

// ---------------------------------------------------------------------------------------------
// Transcriptions

function transcriptionResponse(
  c: Context,
  view: TranscriptionRequestView,
  reply: TranscriptionReply,
): Response {
  const text = reply.text ?? '';
  // Opus voice notes run at roughly 16 kbit/s: a plausible duration when the test gives none.
  const duration = reply.duration ?? Math.max(0.5, Math.round((view.audio.length / 2000) * 100) / 100);
  const language = reply.language ?? view.language ?? 'en';
  const languageName = WHISPER_NAMES[language] ?? language;
  const usage = { type: 'duration', seconds: Math.ceil(duration) };
  switch (view.responseFormat) {
    case 'text':
      return c.text(`${text}\n`);
    case 'srt':
      return c.text(`1\n00:00:00,000 --> ${timestamp(duration, ',')}\n${text}\n\n`);
    case 'vtt':
      return c.text(`WEBVTT\n\n00:00:00.000 --> ${timestamp(duration, '.')}\n${text}\n\n`);
    case 'verbose_json':
      return c.json({
        task: 'transcribe',
        language: languageName,
        duration,
        text,
        segments: text
          ? [
              {
                id: 0,
                seek: 0,
                start: 0,
                end: duration,
                text: ` ${text}`,
                tokens: [],
                temperature: 0,
                avg_logprob: -0.25,
                compression_ratio: 1.1,
                no_speech_prob: 0.01,
              },
            ]
          : [],
        usage,
      });
    default:
      return c.json({ text, usage });
  }
}

function timestamp(seconds: number, sep: string): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
}

// ---------------------------------------------------------------------------------------------
// Errors and helpers

function openAIError(c: Context, e: ScriptedError): Response {
  return c.json(
    {
      error: {
        message: e.message ?? defaultErrorMessage(e.status),
        type: e.type ?? defaultErrorType(e.status),
        param: e.param ?? null,
        code: e.code ?? defaultErrorCode(e.status),
      },
    },
    e.status as 400,
  );
}

function faultResponse(c: Context, status: number, body: unknown): Response {
  if (typeof body === 'string') return c.text(body, status as 500);
  if (body !== undefined) return c.json(body, status as 500);
  return openAIError(c, { status });
}

function badRequest(c: Context, message: string, param: string | null = null): Response {
  return openAIError(c, { status: 400, message, type: 'invalid_request_error', param });
}

function defaultErrorMessage(status: number): string {
  if (status === 429) return 'Rate limit reached for requests. Please try again in 1s.';
  if (status === 401) return 'Incorrect API key provided.';
  if (status === 404) return 'The requested resource does not exist.';
  if (status === 503) return 'The engine is currently overloaded, please try again later';
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  return 'Invalid request.';
}

function defaultErrorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function defaultErrorCode(status: number): string | null {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'invalid_api_key';
  return null;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is Record<string, unknown> => isRecord(p) && p.type === 'text')
    .map((p) => String(p.text ?? ''))
    .join('\n');
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
