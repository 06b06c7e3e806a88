import { Module } from '@nestjs/common';

import { PeriodsModule } from '../periods/periods.module';
import { GetSessionController } from './get-session/get-session.controller';
import { SessionViews } from './session-view';
import { SignInController } from './sign-in/sign-in.controller';
import { SignOutController } from './sign-out/sign-out.controller';

/** The console's sessions: sign in with a bearer token for a cookie, who is signed in, sign out. */
@Module({
  imports: [PeriodsModule],
  controllers: [SignInController, GetSessionController, SignOutController],
  providers: [SessionViews],
})
export class SessionModule {}
