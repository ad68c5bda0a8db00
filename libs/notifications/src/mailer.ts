import { createTransport, NodemailerError, Transporter } from 'nodemailer';

export interface MailerOptions {
  /**
   * `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://user:pass@host:465`
   * (TLS from the first byte). Credentials percent-encoded. Nodemailer options may follow as query
   * parameters, e.g. `?requireTLS=true` to refuse a relay that does not offer STARTTLS.
   */
  readonly smtpUrl: string;
  /** The From header, e.g. `MaaS <memes@example.com>`. */
  readonly from: string;
  readonly connectionTimeoutMs?: number;
  readonly greetingTimeoutMs?: number;
  readonly socketTimeoutMs?: number;
}

export interface MemeReadyMail {
  readonly id: string;
  readonly format: string;
  /** Absolute http(s) URL where the meme can be fetched. */
  readonly link: string;
  /** User input: escaped for HTML, never put in a header. */
  readonly caption: string;
}

export type MailResult = { sent: true; messageId: string } | { sent: false; retryable: boolean; reason: string };

/**
 * Nodemailer's defaults wait 2 minutes to connect and 10 minutes on an idle socket: far longer
 * than a job should hold a worker. An attempt that times out is retried by the queue.
 */
const DEFAULT_TIMEOUTS_MS = { connection: 5000, greeting: 5000, socket: 10_000 };

const MAX_CAPTION_LENGTH = 1000;
const MAX_REASON_LENGTH = 300;

/** What the server never accepts on a second attempt, though it sent no reply code. */
const PERMANENT_ERROR_CODES = new Set(['ECONFIG', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EREQUIRETLS', 'ESTREAM', 'EFILEACCESS', 'EURLACCESS']);

const FORMAT_WORDS: Readonly<Record<string, string>> = { text: 'text', image: 'image', gif: 'GIF', video: 'video', mp4: 'video', webm: 'video' };

/**
 * Sends "your meme is ready" e-mails over SMTP, one connection per message. One attempt per call;
 * the job queue owns retries. SMTP 4xx and connection failures (refused, reset, timeout, TLS)
 * are retryable; 5xx replies and messages that cannot be built are not.
 */
export class Mailer {
  private readonly transport: Transporter;
  private readonly from: string;

  constructor(options: MailerOptions) {
    let url: URL;
    try {
      url = new URL(options.smtpUrl);
    } catch {
      // Never echo the URL: it carries the SMTP password.
      throw new Error('The SMTP URL is not a valid URL (expected smtp://user:pass@host:587 or smtps://user:pass@host:465)');
    }
    if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
      throw new Error('The SMTP URL must be smtp://user:pass@host:port or smtps://user:pass@host:port');
    }
    if (options.from.trim() === '') throw new Error('The From address of e-mails must not be empty');
    this.from = options.from;
    this.transport = createTransport({
      url: options.smtpUrl,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_TIMEOUTS_MS.connection,
      greetingTimeout: options.greetingTimeoutMs ?? DEFAULT_TIMEOUTS_MS.greeting,
      socketTimeout: options.socketTimeoutMs ?? DEFAULT_TIMEOUTS_MS.socket,
      // The messages are built from strings only; no path or URL may ever be read into one.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /** Tells `to` that the meme is ready. Never throws. */
  async sendMemeReady(to: string, meme: MemeReadyMail): Promise<MailResult> {
    if (!isEmailAddress(to)) return { sent: false, retryable: false, reason: 'the recipient is not a valid e-mail address' };
    const link = httpUrl(meme.link);
    if (!link) return { sent: false, retryable: false, reason: 'the meme link is not an absolute http(s) URL' };
    const content = memeReadyContent({ ...meme, link });
    try {
      // An address object, not a string: nodemailer parses a string as an address list.
      const info = await this.transport.sendMail({ from: this.from, to: { name: '', address: to }, ...content });
      return { sent: true, messageId: info.messageId };
    } catch (error) {
      return smtpFailure(error as NodemailerError);
    }
  }

  /** Releases the transport (idle sockets, timers); call on shutdown. */
  close(): void {
    this.transport.close();
  }
}

/**
 * For the app's input validation: a plain, deliverable address. At most 254 characters, exactly
 * one @, a dot-atom local part (RFC 5322 atext, no quoted forms) of at most 64 characters, and a
 * domain name of at least two labels (no IP literals). Non-ASCII letters are allowed for
 * internationalized addresses; spaces, control characters, quotes, commas and angle brackets
 * never are, so an address can never smuggle a second recipient or a display name.
 */
export function isEmailAddress(value: string): boolean {
  if (typeof value !== 'string' || value.length > 254) return false;
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || !/^[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~]+(\.[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~]+)*$/u.test(local)) return false;
  const labels = domain.split('.');
  if (domain.length > 253 || labels.length < 2) return false;
  if (!labels.every((label) => label.length <= 63 && /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u.test(label))) return false;
  // A numeric last label is an IPv4 address in disguise, never a top-level domain.
  return !/^\d+$/.test(labels[labels.length - 1]);
}

function httpUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function memeReadyContent(meme: MemeReadyMail): { subject: string; text: string; html: string } {
  const word = FORMAT_WORDS[meme.format];
  const subject = word ? `Your ${word} meme is ready` : 'Your meme is ready';
  const caption = Array.from(meme.caption).slice(0, MAX_CAPTION_LENGTH).join('');
  const text = [`${subject}.`, '', caption === '' ? undefined : `“${caption}”`, '', `Get it here: ${meme.link}`, '', `Meme id: ${meme.id}`]
    .filter((line) => line !== undefined)
    .join('\n');
  const html = [
    '<!doctype html>',
    '<html><body style="font-family:sans-serif;line-height:1.4">',
    `<p>${escapeHtml(subject)}.</p>`,
    caption === '' ? '' : `<blockquote style="margin:1em 0;padding-left:1em;border-left:3px solid #ccc">${escapeHtml(caption).replace(/\r?\n/g, '<br>')}</blockquote>`,
    `<p><a href="${escapeHtml(meme.link)}">Open your meme</a></p>`,
    `<p style="color:#777;font-size:12px">Meme id: ${escapeHtml(meme.id)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** For text and double- or single-quoted attribute values alike. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

function smtpFailure(error: NodemailerError): MailResult {
  const reply = error.responseCode;
  if (typeof reply === 'number') {
    const command = error.command ? ` to ${error.command}` : '';
    return { sent: false, retryable: reply < 500, reason: clip(`the SMTP server answered ${reply}${command}: ${error.response ?? error.message}`) };
  }
  const code = error.code ?? 'unknown';
  const cause = error.originalCode && error.originalCode !== code ? `/${error.originalCode}` : '';
  // No reply code: the connection failed (refused, reset, timed out, TLS) and a later attempt
  // may get through, unless the message itself was refused before it was sent. The error message
  // is left out: it can carry the relay's address.
  return { sent: false, retryable: !PERMANENT_ERROR_CODES.has(code), reason: `the SMTP exchange failed (${code}${cause})` };
}

function clip(text: string): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ');
  return flat.length > MAX_REASON_LENGTH ? `${flat.slice(0, MAX_REASON_LENGTH - 1)}…` : flat;
}
