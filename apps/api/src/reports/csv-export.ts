// `Accept: text/csv` on a paged report: every line, streamed a page at a
// time (the event loop turns between pages), as RFC 4180 CSV with a header.
// Memory is one page, whatever the size of the book.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { PagedLines } from '@app/projections';

/** Lines per page of an export. */
const EXPORT_PAGE_LINES = 2_000;

/** Whether the client asked for CSV (an Accept header naming text/csv). */
export function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept);
}

function cell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Streams `columns` of every line, fetching page after page until there is no next cursor. */
export function sendCsv<L extends object>(reply: FastifyReply, filename: string, columns: readonly (keyof L & string)[], page: (cursor: string | null, limit: number) => PagedLines<L>): void {
  async function* rows(): AsyncGenerator<string> {
    yield `${columns.join(',')}\r\n`;
    let cursor: string | null = null;
    for (;;) {
      const { lines, nextCursor } = page(cursor, EXPORT_PAGE_LINES);
      if (lines.length > 0) yield lines.map((line) => `${columns.map((c) => cell(line[c])).join(',')}\r\n`).join('');
      if (nextCursor === null) return;
      cursor = nextCursor;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(Readable.from(rows()));
}
