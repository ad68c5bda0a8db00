import { INestApplication, Logger } from '@nestjs/common';
import { ADMIN_ROLE, RuntimeConfig, TokenService } from '@maas/core';
import { TokensService } from '@maas/tokens';

export const DEMO_USER = 'demo';
const DEMO_ADMIN = 'demo-admin';
const DEMO_REFERENCE = 'demo-welcome-credit';
const DAY_SECONDS = 24 * 60 * 60;

/**
 * Outside production: credits the demo account once (the fixed reference makes restarts
 * harmless) and prints tokens and a curl line, so a newcomer can call the API at once.
 */
export async function seedDemo(app: INestApplication, config: RuntimeConfig, baseUrl: string): Promise<void> {
  if (config.env === 'production' || config.demoTokens === 0) return;
  const { balance } = await app.get(TokensService).credit(DEMO_USER, config.demoTokens, DEMO_REFERENCE);
  const tokens = app.get(TokenService);
  const userToken = tokens.issue({ userId: DEMO_USER, roles: [] }, DAY_SECONDS);
  const adminToken = tokens.issue({ userId: DEMO_ADMIN, roles: [ADMIN_ROLE] }, DAY_SECONDS);
  new Logger('Demo').log(`Demo account "${DEMO_USER}" ready with ${balance.remaining} tokens`);
  // A banner for the person at the terminal, not a log line: it must stay readable as plain text.
  process.stdout.write(
    [
      ``,
      `Demo account "${DEMO_USER}" has ${balance.remaining} of ${balance.purchased} tokens left.`,
      ``,
      `  Demo user token (24 h):  ${userToken}`,
      `  Demo admin token (24 h): ${adminToken}`,
      ``,
      `  Try it:`,
      `  curl -s -H "Authorization: Bearer ${userToken}" "${baseUrl}/memes?lat=48.8566&lon=2.3522&query=deploy%20on%20Friday"`,
      ``,
      `  An image (3 tokens; open the short link in "meme" in a browser), or a video (10 tokens; answered`,
      `  202 at once, then poll the statusUrl until "status" is "ready"):`,
      `  curl -s -H "Authorization: Bearer ${userToken}" "${baseUrl}/memes?lat=40.7128&lon=-74.006&query=cats&format=image"`,
      `  curl -s -H "Authorization: Bearer ${userToken}" "${baseUrl}/memes?lat=40.7128&lon=-74.006&query=cats&format=video"`,
      ...(config.docsEnabled ? [``, `  API docs: ${baseUrl}/docs`] : []),
      ``,
      ``,
    ].join('\n'),
  );
}
