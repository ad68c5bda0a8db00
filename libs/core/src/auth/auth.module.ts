import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { JwtModule, JwtModuleOptions, JwtService } from '@nestjs/jwt';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { TokenService } from './token.service';

/** HS256 only, `iss` and `aud` checked: the rules every token this API issues or accepts follows. */
export function jwtOptions(config: Pick<RuntimeConfig, 'jwtSecret' | 'jwtIssuer' | 'jwtAudience'>): JwtModuleOptions {
  return {
    // A KeyObject, not the string: jsonwebtoken tries to parse a string secret as a public key on
    // every call, which costs ~40x the verification itself (see REFERENCE.md).
    secret: createSecretKey(Buffer.from(config.jwtSecret)),
    signOptions: { algorithm: 'HS256', issuer: config.jwtIssuer, audience: config.jwtAudience },
    verifyOptions: { algorithms: ['HS256'], issuer: config.jwtIssuer, audience: config.jwtAudience },
  };
}

@Global()
@Module({
  imports: [JwtModule.registerAsync({ inject: [APP_CONFIG], useFactory: jwtOptions })],
  providers: [
    {
      provide: TokenService,
      inject: [JwtService, APP_CONFIG],
      useFactory: (jwt: JwtService, config: RuntimeConfig) => new TokenService(jwt, config.jwtMaxLifetimeSeconds),
    },
  ],
  exports: [TokenService],
})
export class AuthModule {}
