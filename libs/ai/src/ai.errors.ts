/**
 * The AI endpoint gave no usable answer: a network error, the time box ran out, the caller
 * aborted, a status other than 2xx (kept in `status`), or a body that is not JSON or is too
 * large. It says nothing about the model; a breaker should count it.
 */
export class AiUnavailableError extends Error {
  constructor(
    message: string,
    /** The HTTP status, when the endpoint answered one. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AiUnavailableError';
  }
}

/**
 * The endpoint answered a JSON body, but not a caption that keeps the schema and the rules on
 * text: the model refused, ran out of tokens, ignored the schema or wrote markup. `reason` says
 * which rule broke, for the logs.
 */
export class AiMalformedAnswerError extends Error {
  constructor(readonly reason: string) {
    super(`the AI answer is malformed: ${reason}`);
    this.name = 'AiMalformedAnswerError';
  }
}
