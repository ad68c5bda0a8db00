import { JwtService } from '@nestjs/jwt';
import { ConfigError, jwtOptions, loadConfig, TokenService, USER_ID_PATTERN } from '@maas/core';

/**
 * Issues a bearer token signed with this deployment's JWT_SECRET, for operators (the API has no
 * login of its own: an identity provider or this command issues tokens).
 *
 *   node dist/apps/api/apps/api/src/issue-token.js <userId> [role,role] [hours] [--premium]
 *
 * `--premium` adds the `tier: "premium"` claim (the premium fast path; the subscription decides).
 */
function main(args: string[]): void {
  const claimsPremium = args.includes('--premium');
  const [userId, roles = '', hours = '24'] = args.filter((arg) => arg !== '--premium');
  if (!userId || !USER_ID_PATTERN.test(userId) || !/^\d+$/.test(hours)) {
    process.stderr.write('usage: issue-token <userId> [roles, comma-separated, e.g. admin] [hours, default 24] [--premium]\n');
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.jwtSecret) throw new ConfigError(['JWT_SECRET must be set to issue tokens']);
  const lifetimeSeconds = Number(hours) * 3600;
  if (lifetimeSeconds > config.jwtMaxLifetimeSeconds) {
    throw new ConfigError([`${hours} hours is longer than JWT_MAX_LIFETIME_SECONDS (${config.jwtMaxLifetimeSeconds} s): the API would refuse the token`]);
  }
  const tokens = new TokenService(new JwtService(jwtOptions({ ...config, jwtSecret: config.jwtSecret })), config.jwtMaxLifetimeSeconds);
  const token = tokens.issue({ userId, roles: roles.split(',').filter(Boolean), claimsPremium }, lifetimeSeconds);
  process.stdout.write(`${token}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
