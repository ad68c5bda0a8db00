export { AiCaptionWriter } from './ai-caption-writer';
export type { AiCaptionRequest, AiWriterOptions } from './ai-caption-writer';
export { AiMalformedAnswerError, AiUnavailableError } from './ai.errors';
export type { AiCaption } from './caption-answer';
