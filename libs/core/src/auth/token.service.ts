import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Principal, PREMIUM_TIER, USER_ID_PATTERN } from './principal';

/**
 * Verifies and issues the API's HS256 bearer tokens. The rules (pinned algorithm, required
 * `exp`, checked `iss`/`aud`) live in the JwtModule registration in AuthModule.
 */
@Injectable()
export class TokenService {
  constructor(private readonly jwt: JwtService) {}

  /** The principal the token proves, or undefined for any token that must be refused. */
  verify(token: string): Principal | undefined {
    let claims: Record<string, unknown>;
    try {
      claims = this.jwt.verify<Record<string, unknown>>(token);
    } catch {
      return undefined;
    }
    const { sub, exp, roles, tier } = claims;
    if (typeof exp !== 'number') return undefined;
    if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) return undefined;
    if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
      return undefined;
    }
    if (tier !== undefined && typeof tier !== 'string') return undefined;
    return tier === PREMIUM_TIER ? { userId: sub, roles: roles ?? [], claimsPremium: true } : { userId: sub, roles: roles ?? [] };
  }

  issue(principal: Principal, expiresInSeconds: number): string {
    const claims = principal.claimsPremium ? { roles: principal.roles, tier: PREMIUM_TIER } : { roles: principal.roles };
    return this.jwt.sign(claims, { subject: principal.userId, expiresIn: expiresInSeconds });
  }
}
