import { AiMalformedAnswerError } from './ai.errors';

/** What the model wrote, checked: one of the allowed templates and two trimmed lines of plain text. */
export interface AiCaption {
  readonly template: string;
  readonly top: string;
  readonly bottom: string;
}

/**
 * Characters (code points) per caption line, checked here rather than with `maxLength` in the
 * schema: OpenAI's strict mode has refused keywords outside its supported subset, and a refused
 * schema would fail every call. The prompt states the limit.
 */
export const MAX_LINE_CHARS = 100;

const FIELDS: readonly string[] = ['template', 'top', 'bottom'];
/** A caption line is one line: C0 and C1 controls (line feeds, escapes) and U+2028/2029 are refused. */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;
/** Some local models wrap their JSON in a Markdown fence even when asked not to. */
const MARKDOWN_FENCE = /^```(?:json)?\s*([\s\S]*?)\s*```$/;
/** Long enough to see what the model was on about, short enough for a log line. */
const QUOTED_CHARS = 80;

/** The JSON Schema the endpoint is asked to constrain its answer to (Structured Outputs). */
export function captionSchema(templates: readonly string[]): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: FIELDS,
    properties: {
      template: { type: 'string', enum: templates },
      top: { type: 'string' },
      bottom: { type: 'string' },
    },
  };
}

/**
 * The caption inside a chat completion, checked as if the endpoint had ignored the schema: many
 * OpenAI-compatible servers enforce it loosely or not at all, and a query can talk a model into
 * anything. The content must be the JSON object alone (surrounding whitespace and a ```json
 * fence tolerated), with exactly `template`, `top` and `bottom`; each line is trimmed and must
 * keep 1 to 100 characters with no control character and no `<` or `>`, because the captions
 * end up in pages, e-mails and webhooks whose authors will not all escape them.
 *
 * @throws AiMalformedAnswerError naming the first rule broken.
 */
export function parseCaptionAnswer(completion: unknown, templates: readonly string[]): AiCaption {
  const choice = isRecord(completion) && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) throw new AiMalformedAnswerError('there is no choices[0].message');
  const { message } = choice;
  if (message.refusal !== undefined && message.refusal !== null) throw new AiMalformedAnswerError(`the model refused: ${quote(message.refusal)}`);
  if (choice.finish_reason === 'length') throw new AiMalformedAnswerError('the answer was cut off at max_tokens');
  if (typeof message.content !== 'string') throw new AiMalformedAnswerError('message.content is not a string');

  const content = message.content.trim();
  const json = MARKDOWN_FENCE.exec(content)?.[1] ?? content;
  let answer: unknown;
  try {
    answer = JSON.parse(json);
  } catch {
    throw new AiMalformedAnswerError(`message.content is not JSON: ${quote(content)}`);
  }
  if (!isRecord(answer)) throw new AiMalformedAnswerError('message.content is not a JSON object');
  const extra = Object.keys(answer).find((field) => !FIELDS.includes(field));
  if (extra !== undefined) throw new AiMalformedAnswerError(`unexpected field ${quote(extra)}`);
  const { template, top, bottom } = answer;
  if (typeof template !== 'string') throw new AiMalformedAnswerError('template is missing or not a string');
  if (!templates.includes(template)) throw new AiMalformedAnswerError(`template ${quote(template)} is not one of the allowed ids`);
  return { template, top: checkedLine('top', top), bottom: checkedLine('bottom', bottom) };
}

function checkedLine(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new AiMalformedAnswerError(`${field} is missing or not a string`);
  const line = value.trim();
  const length = [...line].length;
  if (length === 0) throw new AiMalformedAnswerError(`${field} is empty`);
  if (length > MAX_LINE_CHARS) throw new AiMalformedAnswerError(`${field} has ${length} characters, more than ${MAX_LINE_CHARS}`);
  if (CONTROL_CHARACTER.test(line)) throw new AiMalformedAnswerError(`${field} contains a control character`);
  if (line.includes('<') || line.includes('>')) throw new AiMalformedAnswerError(`${field} contains an angle bracket: ${quote(line)}`);
  return line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(JSON.stringify(value));
  return JSON.stringify(text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);
}
