import { Module } from '@nestjs/common';

import { HealthController } from './health.controller';

/** Readiness itself is provided (globally) by CoreModule, so slices can inject it. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
