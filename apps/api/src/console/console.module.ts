import { Module } from '@nestjs/common';

import { ConsoleController } from './console.controller';

/** The web console's files (apps/console, built to dist/console). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
