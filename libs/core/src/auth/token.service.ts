import { JwtService } from '@nestjs/jwt';
import { Principal, PREMIUM_TIER, USER_ID_PATTERN } from './principal';

/** How far ahead a token's `exp` may lie unless configured (JWT_MAX_LIFETIME_SECONDS). */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

/**
 * Verifies and issues the API's HS256 bearer tokens. The rules (pinned algorithm, required
 * `exp`, checked `iss`/`aud`) live in the JwtModule registration in AuthModule; a token whose
 * `exp` lies more than `maxLifetimeSeconds` ahead is refused, so a leaked token cannot be
 * minted to last for ever.
 */
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    readonly maxLifetimeSeconds: number = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  ) {}

  /** The principal the token proves, or undefined for any token that must be refused. */
  verify(token: string): Principal | undefined {
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify<Record<string, unknown>>(token);
    } catch {
      return undefined;
    }
    const { sub, exp, roles, tier } = claims;
    if (typeof exp !== 'number' || exp - Date.now() / 1000 > this.maxLifetimeSeconds) return undefined;
    if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) return undefined;
    if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
      return undefined;
    }
    if (tier !== undefined && typeof tier !== 'string') return undefined;
    return tier === PREMIUM_TIER ? { userId: sub, roles: roles ?? [], claimsPremium: true } : { userId: sub, roles: roles ?? [] };
  }

  /** Throws for a lifetime longer than verify() accepts: never issue a token that would be refused. */
  issue(principal: Principal, expiresInSeconds: number): string {
    if (expiresInSeconds > this.maxLifetimeSeconds) {
      throw new RangeError(`A token may live at most ${this.maxLifetimeSeconds} seconds (JWT_MAX_LIFETIME_SECONDS)`);
    }
    const claims = principal.claimsPremium ? { roles: principal.roles, tier: PREMIUM_TIER } : { roles: principal.roles };
    return this.jwt.sign(claims, { subject: principal.userId, expiresIn: expiresInSeconds });
  }
}
