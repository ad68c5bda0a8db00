import { createSecretKey } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { ConfigError, loadConfig, TokenService, USER_ID_PATTERN } from '@maas/core';

/**
 * Issues a bearer token signed with this deployment's JWT_SECRET, for operators (the API has no
 * login of its own: an identity provider or this command issues tokens).
 *
 *   node dist/apps/api/apps/api/src/issue-token.js <userId> [role,role] [hours]
 */
function main(argv: string[]): void {
  const [userId, roles = '', hours = '24'] = argv;
  if (!userId || !USER_ID_PATTERN.test(userId) || !/^\d+$/.test(hours)) {
    process.stderr.write('usage: issue-token <userId> [roles, comma-separated, e.g. admin] [hours, default 24]\n');
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.jwtSecret) throw new ConfigError(['JWT_SECRET must be set to issue tokens']);
  const jwt = new JwtService({
    secret: createSecretKey(Buffer.from(config.jwtSecret)),
    signOptions: { algorithm: 'HS256', issuer: config.jwtIssuer, audience: config.jwtAudience },
  });
  const token = new TokenService(jwt).issue(
    { userId, roles: roles.split(',').filter(Boolean) },
    Number(hours) * 3600,
  );
  process.stdout.write(`${token}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
