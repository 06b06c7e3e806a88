// Typed errors of the log. `code` is stable: callers and the API map on it.
export const WAL_ERROR_CODES = [
  'WAL_INVALID_ARGUMENT',
  'WAL_NOT_A_LOG',
  'WAL_OPTION_MISMATCH',
  'WAL_CORRUPT',
  'WAL_IO_ERROR',
  'WAL_NO_SPACE',
  'WAL_FAILED',
  'WAL_CLOSED',
  'WAL_BUSY',
  'WAL_UNKNOWN_PARTITION',
  'WAL_RECORD_TOO_LARGE',
  'WAL_BATCH_TOO_LARGE',
  'WAL_EMPTY_BATCH',
  'WAL_LOCKED',
] as const;

export type WalErrorCode = (typeof WAL_ERROR_CODES)[number];

export class WalError extends Error {
  readonly code: WalErrorCode;
  readonly errno?: number;

  constructor(code: WalErrorCode, message: string, errno?: number) {
    super(message);
    this.name = 'WalError';
    this.code = code;
    if (errno !== undefined) this.errno = errno;
  }

  static from(error: unknown): WalError {
    if (error instanceof WalError) return error;
    const e = error as { code?: unknown; message?: unknown; errno?: unknown };
    const code = (WAL_ERROR_CODES as readonly string[]).includes(String(e?.code)) ? (e.code as WalErrorCode) : 'WAL_IO_ERROR';
    return new WalError(code, String(e?.message ?? error), typeof e?.errno === 'number' ? e.errno : undefined);
  }
}
