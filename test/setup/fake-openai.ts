import http, { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * - 'ok': a valid caption: the first allowed template, top 'AI TOP', bottom 'AI: <query>'.
 * - 'slow': the same, `slowMs` later.
 * - 'error': 500 with an OpenAI-style error body.
 * - 'malformed': 200 with a completion whose content breaks the schema (unknown template, a
 *   500-character top, no bottom).
 */
export type FakeAiBehaviour = 'ok' | 'slow' | 'error' | 'malformed';

export interface FakeAiRequest {
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON. */
  readonly body: any;
}

/**
 * A real OpenAI-compatible chat-completions server on 127.0.0.1 for tests, at `baseUrl`
 * (`http://127.0.0.1:<port>/v1`). It records every request and answers POST
 * /v1/chat/completions as `behaviour` says; other paths get 404, so a wrong URL shows.
 *
 * The 'ok' caption echoes the query as is (cut to 100 characters), as a model might: a query
 * holding `<` or a line break gets an answer the writer rightly refuses.
 */
export class FakeOpenAi {
  behaviour: FakeAiBehaviour = 'ok';
  slowMs = 5000;
  /** When set, answers every request instead of `behaviour`: for answers a test shapes by hand. */
  answer?: (response: ServerResponse, request: FakeAiRequest) => void;
  readonly requests: FakeAiRequest[] = [];
  /** Slow requests whose caller hung up before the answer. */
  abandoned = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeOpenAi> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeOpenAi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => fake.receive(request, response));
    return fake;
  }

  /** Drops every connection and pending slow answer, so nothing keeps the test process alive. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = { headers: request.headers, body: parseJson(Buffer.concat(chunks).toString('utf8')) };
      this.requests.push(recorded);
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        sendJson(response, 404, openAiError(`Unknown request URL: ${request.method} ${request.url}`, 'invalid_request_error'));
      } else if (this.answer) {
        this.answer(response, recorded);
      } else {
        this.respond(response, recorded.body);
      }
    });
  }

  private respond(response: ServerResponse, body: any): void {
    switch (this.behaviour) {
      case 'ok':
        sendJson(response, 200, chatCompletion({ content: JSON.stringify(validCaption(body)) }));
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          sendJson(response, 200, chatCompletion({ content: JSON.stringify(validCaption(body)) }));
        }, this.slowMs);
        this.timers.add(timer);
        // The client gave up: nothing left to answer.
        response.on('close', () => {
          if (!response.writableEnded) this.abandoned++;
          clearTimeout(timer);
          this.timers.delete(timer);
        });
        return;
      }
      case 'error':
        sendJson(response, 500, openAiError('The server had an error while processing your request.', 'server_error'));
        return;
      case 'malformed':
        sendJson(response, 200, chatCompletion({ content: `{"template":"nope","top":"${'x'.repeat(500)}"}` }));
        return;
    }
  }
}

/** A chat.completion as OpenAI sends it, with `message` merged over an empty assistant message. */
export function chatCompletion(message: { content?: string | null; refusal?: string | null }, finishReason = 'stop'): object {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: null, ...message }, logprobs: null, finish_reason: finishReason }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

export function sendJson(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function openAiError(message: string, type: string): object {
  return { error: { message, type, param: null, code: null } };
}

function validCaption(body: any): { template: string; top: string; bottom: string } {
  const templates: unknown = body?.response_format?.json_schema?.schema?.properties?.template?.enum;
  const template = Array.isArray(templates) && typeof templates[0] === 'string' ? templates[0] : 'no-template-offered';
  const userMessage: unknown = Array.isArray(body?.messages) ? body.messages.find((message: any) => message?.role === 'user')?.content : undefined;
  return { template, top: 'AI TOP', bottom: [...`AI: ${queryIn(userMessage)}`].slice(0, 100).join('').trim() };
}

/** AiCaptionWriter puts the request as JSON, `{"query":…,"place":…}`, on the user message's last line. */
function queryIn(userMessage: unknown): string {
  if (typeof userMessage !== 'string') return '';
  const data = parseJson(userMessage.slice(userMessage.lastIndexOf('\n') + 1));
  return typeof data?.query === 'string' ? data.query : '';
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
