export { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH } from './webhook-url';
export type { WebhookUrlCheck, WebhookUrlPolicy } from './webhook-url';
export { DELIVERY_HEADER, sendWebhook, WEBHOOK_USER_AGENT } from './webhook-sender';
export type { WebhookRequest, WebhookResult } from './webhook-sender';
export { newWebhookSecret, SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './webhook-signature';
export type { VerifyOptions } from './webhook-signature';
export { isEmailAddress, Mailer } from './mailer';
export type { MailerOptions, MailResult, MemeReadyMail } from './mailer';
