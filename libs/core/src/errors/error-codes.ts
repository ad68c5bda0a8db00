/**
 * The stable error codes of the API, with their HTTP status and the user-facing title.
 * This is the one catalogue of messages: services throw codes, the problem filter renders them.
 */
export const ERRORS = {
  invalid_request: { status: 400, title: 'The request is invalid.' },
  unauthorized: { status: 401, title: 'A valid bearer token is required.' },
  insufficient_tokens: { status: 402, title: 'Not enough tokens for this meme. Buy more tokens to continue.' },
  forbidden: { status: 403, title: 'You are not allowed to do this.' },
  premium_required: { status: 403, title: 'This needs an active premium subscription.' },
  not_found: { status: 404, title: 'There is nothing at this address.' },
  meme_not_found: { status: 404, title: 'You have no meme with this id.' },
  link_not_found: { status: 404, title: 'No meme has this link, or it has expired.' },
  webhook_not_found: { status: 404, title: 'You have no webhook.' },
  subscription_not_found: { status: 404, title: 'This user has no subscription.' },
  account_not_found: { status: 404, title: 'No account exists for this user: it has never been credited with tokens.' },
  purchase_reference_conflict: {
    status: 409,
    title: 'This purchase reference was already used for a different purchase.',
  },
  idempotency_in_progress: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed. Retry shortly.',
  },
  idempotency_key_reused: {
    status: 422,
    title: 'This Idempotency-Key was already used for a request with different parameters.',
  },
  method_not_allowed: { status: 405, title: 'This method is not allowed here: see the Allow header.' },
  request_timeout: { status: 408, title: 'The request did not arrive in time.' },
  precondition_failed: { status: 412, title: 'A precondition of the request (If-Match, If-Unmodified-Since) does not hold.' },
  payload_too_large: { status: 413, title: 'The request body is too large.' },
  uri_too_long: { status: 414, title: 'The request URL is too long.' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json.' },
  range_not_satisfiable: { status: 416, title: 'The requested range lies outside the file: see Content-Range.' },
  rate_limited: { status: 429, title: 'Too many requests. Slow down and retry later.' },
  request_headers_too_large: { status: 431, title: 'The request headers are too large.' },
  internal_error: { status: 500, title: 'Something went wrong on our side. Quote the request id if you contact support.' },
  service_unavailable: { status: 503, title: 'The service is temporarily unavailable. Retry shortly.' },
  sale_outcome_unknown: {
    status: 503,
    title: 'The token ledger stopped answering during the sale: look the meme up by its memeId before buying again.',
  },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;
