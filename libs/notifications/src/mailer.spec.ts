import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress, SMTPServerAuthentication, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { isEmailAddress, Mailer, MemeReadyMail } from './mailer';

interface Delivered {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
  user?: string;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * A real SMTP server on 127.0.0.1 (no TLS). Recipients at later.test are refused with 451,
 * at never.test with 550; a message whose subject says "data-451" / "data-550" is refused after DATA.
 */
class SmtpSink {
  readonly delivered: Delivered[] = [];
  connections = 0;
  private readonly server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    authOptional: true,
    allowInsecureAuth: true,
    onConnect: (_session: SMTPServerSession, callback: (error?: Error | null) => void) => {
      this.connections += 1;
      callback();
    },
    onAuth: (auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) => {
      if (auth.username === 'maas' && auth.password === 'p@ss:w/rd') callback(null, { user: auth.username });
      else callback(smtpError(535, 'Authentication failed'));
    },
    onRcptTo: (address: SMTPServerAddress, _session: SMTPServerSession, callback: (error?: Error | null) => void) => {
      if (address.address.endsWith('@later.test')) callback(smtpError(451, 'Mailbox busy, try again later'));
      else if (address.address.endsWith('@never.test')) callback(smtpError(550, 'No such user here'));
      else callback();
    },
    onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (error?: Error | null) => void) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (raw.includes('data-451')) return callback(smtpError(451, 'Queue full'));
        if (raw.includes('data-550')) return callback(smtpError(550, 'Message rejected as spam'));
        const envelope = session.envelope;
        this.delivered.push({
          mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
          rcptTo: envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return this;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The decoded body of the MIME part of this content type. */
function mimePart(raw: string, contentType: string): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(raw)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const part = raw.split(`--${boundary}`).find((candidate) => new RegExp(`^content-type:\\s*${contentType}`, 'im').test(candidate));
  if (!part) throw new Error(`no ${contentType} part`);
  const split = part.indexOf('\r\n\r\n', 2);
  const head = part.slice(0, split);
  const body = part.slice(split + 4).replace(/\r\n$/, '');
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1].toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding !== 'quoted-printable') return body;
  const bytes: number[] = [];
  const text = body.replace(/=\r\n/g, '');
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(text.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1];
}

const MEME: MemeReadyMail = {
  id: '6f1c2d3e',
  format: 'video',
  link: 'https://cdn.example.com/m/6f1c.mp4?sig=abc&expires=99',
  caption: 'When the build is green <script>alert("pwned")</script> & \'friends\'\nsecond line',
};

describe('Mailer', () => {
  let sink: SmtpSink;
  let mailer: Mailer;

  beforeEach(async () => {
    sink = await new SmtpSink().start();
    mailer = new Mailer({ smtpUrl: `smtp://maas:${encodeURIComponent('p@ss:w/rd')}@127.0.0.1:${sink.port}`, from: 'MaaS <memes@maas.test>' });
  });

  afterEach(async () => {
    mailer.close();
    await sink.stop();
  });

  it('sends the meme-ready message to the recipient, logged in with the URL credentials', async () => {
    const result = await mailer.sendMemeReady('alice@example.com', MEME);

    expect(result).toEqual({ sent: true, messageId: expect.stringMatching(/^<.+@.+>$/) });
    expect(sink.delivered).toHaveLength(1);
    const [mail] = sink.delivered;
    expect(mail.user).toBe('maas');
    expect(mail.rcptTo).toEqual(['alice@example.com']);
    expect(mail.mailFrom).toBe('memes@maas.test');
    expect(header(mail.raw, 'Subject')).toBe('Your video meme is ready');
    expect(header(mail.raw, 'To')).toBe('alice@example.com');
    expect(header(mail.raw, 'Message-ID')).toBe(result.sent && result.messageId);
  });

  it('escapes the caption in the HTML body and keeps it verbatim in the text body', async () => {
    await mailer.sendMemeReady('alice@example.com', MEME);
    const [mail] = sink.delivered;

    const html = mimePart(mail.raw, 'text/html');
    expect(html).toContain('When the build is green &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;friends&#39;<br>second line');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<a href="https://cdn.example.com/m/6f1c.mp4?sig=abc&amp;expires=99">');
    expect(html).toContain('6f1c2d3e');

    const text = mimePart(mail.raw, 'text/plain');
    expect(text).toContain('When the build is green <script>alert("pwned")</script> & \'friends\'\r\nsecond line');
    expect(text).toContain('https://cdn.example.com/m/6f1c.mp4?sig=abc&expires=99');
  });

  it.each([
    ['text', 'Your text meme is ready'],
    ['gif', 'Your GIF meme is ready'],
    ['hologram', 'Your meme is ready'],
  ])('names the format %s in the subject: %s', async (format, subject) => {
    await mailer.sendMemeReady('alice@example.com', { ...MEME, format });
    expect(header(sink.delivered[0].raw, 'Subject')).toBe(subject);
  });

  it.each([
    ['a recipient refused with 451', 'bob@later.test', MEME, true, '451'],
    ['a recipient refused with 550', 'bob@never.test', MEME, false, '550'],
    ['a message refused with 451 after DATA', 'alice@example.com', { ...MEME, caption: 'data-451' }, true, '451'],
    ['a message refused with 550 after DATA', 'alice@example.com', { ...MEME, caption: 'data-550' }, false, '550'],
  ])('reports %s (to %s) by retryable=%s', async (_name, to, meme, retryable, code) => {
    const result = await mailer.sendMemeReady(to, meme);
    expect(result).toEqual({ sent: false, retryable, reason: expect.stringContaining(`the SMTP server answered ${code}`) });
    expect(sink.delivered).toHaveLength(0);
  });

  it('reports a wrong password (535) as not retryable, without the password', async () => {
    const wrong = new Mailer({ smtpUrl: `smtp://maas:hunter2@127.0.0.1:${sink.port}`, from: 'memes@maas.test' });
    const result = await wrong.sendMemeReady('alice@example.com', MEME);
    wrong.close();
    expect(result).toMatchObject({ sent: false, retryable: false });
    expect(!result.sent && result.reason).toContain('535');
    expect(!result.sent && result.reason).not.toContain('hunter2');
  });

  it('reports a server that is not there as retryable', async () => {
    const port = sink.port;
    await sink.stop();
    const gone = new Mailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: 'memes@maas.test' });
    const result = await gone.sendMemeReady('alice@example.com', MEME);
    gone.close();
    expect(result).toEqual({ sent: false, retryable: true, reason: expect.stringMatching(/^the SMTP exchange failed \(E[A-Z]+/) });
    sink = await new SmtpSink().start(); // for afterEach
  });

  it.each([
    ['a second recipient smuggled in', 'alice@example.com, mallory@evil.test'],
    ['a display name', 'Alice <alice@example.com>'],
    ['a header injection', 'alice@example.com\r\nBcc: mallory@evil.test'],
    ['no address at all', ''],
  ])('refuses %s before connecting, for good', async (_name, to) => {
    const result = await mailer.sendMemeReady(to, MEME);
    expect(result).toEqual({ sent: false, retryable: false, reason: 'the recipient is not a valid e-mail address' });
    expect(sink.connections).toBe(0);
  });

  it('refuses a link that is not http(s), before connecting', async () => {
    const result = await mailer.sendMemeReady('alice@example.com', { ...MEME, link: 'javascript:alert(1)' });
    expect(result).toEqual({ sent: false, retryable: false, reason: 'the meme link is not an absolute http(s) URL' });
    expect(sink.connections).toBe(0);
  });

  it('refuses a URL that is not SMTP, without echoing it', () => {
    expect(() => new Mailer({ smtpUrl: 'https://maas:hunter2@mail.example.com', from: 'memes@maas.test' })).toThrow(/^The SMTP URL must be smtp:\/\//);
    expect(() => new Mailer({ smtpUrl: 'smtp//maas:hunter2@mail', from: 'memes@maas.test' })).toThrow(/^(?!.*hunter2)/);
    expect(() => new Mailer({ smtpUrl: 'smtps://mail.example.com', from: ' ' })).toThrow('From');
  });
});

describe('isEmailAddress', () => {
  it.each([
    'alice@example.com',
    'alice.smith+memes@mail.example.co.uk',
    "o'brien@example.ie",
    'x@a.io',
    'user_name-1@sub-domain.example.org',
    'josé@exemple.fr',
    'user@xn--bcher-kva.example',
    `${'a'.repeat(64)}@example.com`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}`, // 254 characters
  ])('accepts %s', (address) => {
    expect(isEmailAddress(address)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['no @', 'alice.example.com'],
    ['two @', 'alice@home@example.com'],
    ['nothing before @', '@example.com'],
    ['nothing after @', 'alice@'],
    ['a single-label domain', 'alice@localhost'],
    ['an IP literal', 'alice@[127.0.0.1]'],
    ['a numeric domain', 'alice@127.0.0.1'],
    ['a space', 'alice smith@example.com'],
    ['a trailing space', 'alice@example.com '],
    ['a newline', 'alice@example.com\nBcc: x@y.z'],
    ['a tab', 'alice\t@example.com'],
    ['a NUL', 'alice\u0000@example.com'],
    ['a comma', 'alice@example.com,bob@example.com'],
    ['angle brackets', '<alice@example.com>'],
    ['quotes', '"alice"@example.com'],
    ['a leading dot', '.alice@example.com'],
    ['two dots', 'alice..smith@example.com'],
    ['a trailing dot in the local part', 'alice.@example.com'],
    ['an empty label', 'alice@example..com'],
    ['a trailing dot', 'alice@example.com.'],
    ['a label starting with a hyphen', 'alice@-example.com'],
    ['a label ending with a hyphen', 'alice@example-.com'],
    ['a 64-character label', `alice@${'b'.repeat(64)}.com`],
    ['a 65-character local part', `${'a'.repeat(65)}@example.com`],
    ['255 characters', `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(61)}`],
  ])('rejects %s', (_name, address) => {
    expect(isEmailAddress(address)).toBe(false);
  });
});
