// Read-only inspection of a log directory: every partition recovered in
// memory (nothing is repaired), every frame and the chain verified.
import { WalError } from './errors';
import { addon, NativeRecovery } from './native';

export interface InspectedPartition {
  partition: number;
  records: number;
  lastLsn: number;
  segments: NativeRecovery['segments'];
  /** ok, torn (a tail that open would truncate) or corrupt (open refuses). */
  verdict: 'ok' | 'torn' | 'corrupt';
  detail: string | null;
}

export interface InspectReport {
  dir: string;
  partitions: number;
  segmentBytes: number;
  result: InspectedPartition[];
  corrupt: boolean;
}

export async function inspectLog(dir: string): Promise<InspectReport> {
  let raw;
  try {
    raw = await addon.inspect(dir);
  } catch (e) {
    throw WalError.from(e);
  }
  const result = raw.recovery.map((r): InspectedPartition => {
    const verdict = r.error ? 'corrupt' : r.defect?.torn ? 'torn' : 'ok';
    const detail = r.error
      ? r.error.message
      : r.defect
        ? `${r.defect.reason} at segment ${r.defect.segment} offset ${r.defect.offset} (lsn ${r.defect.lsn}, ${r.defect.recordsDropped} records of an incomplete batch)`
        : null;
    return { partition: r.partition, records: r.nextLsn, lastLsn: r.nextLsn - 1, segments: r.segments, verdict, detail };
  });
  return { dir, partitions: raw.partitions, segmentBytes: raw.segmentBytes, result, corrupt: result.some((p) => p.verdict === 'corrupt') };
}
