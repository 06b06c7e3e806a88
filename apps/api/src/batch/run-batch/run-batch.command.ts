import { z } from 'zod';

import type { Actor } from '../../auth/roles';

/** api.md: up to 8,189 commands in one batch. */
export const MAX_BATCH_COMMANDS = 8189;

export const BatchBodySchema = z.strictObject({
  commands: z
    .array(
      z.strictObject({
        /** The path the command would be POSTed to alone, e.g. "/v1/policies/P-1/endorsements". */
        path: z.string().min(1).max(2048),
        /** Its body, exactly as it would be sent alone. */
        body: z.unknown(),
      }),
    )
    .min(1)
    .max(MAX_BATCH_COMMANDS),
});
export type BatchItem = z.output<typeof BatchBodySchema>['commands'][number];

export class RunBatchCommand {
  constructor(
    readonly items: readonly BatchItem[],
    readonly actor: Actor,
  ) {}
}

/** One command's answer: the status and body it would have got alone. */
export interface BatchResult {
  status: number;
  body: unknown;
  /** Present (true) when it is the recorded outcome of an earlier request with this commandId and body. */
  replayed?: true;
}
