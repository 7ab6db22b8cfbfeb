/**
 * Remembers which request ids already started an execution, so fal's retry of a delivery whose
 * answer got lost starts nothing new. Two memories: one per process (kept longer than fal's
 * two-hour retry window) and the workflow's static data, which n8n saves after each production
 * webhook call, so a restart does not forget.
 *
 * n8n reads static data when a call starts and writes the whole object back after it: concurrent
 * calls overwrite each other's additions. So each call does not write its own addition but hands
 * n8n the process's one live record of every id it knows (its own, the other calls', those read
 * back from static data). Whichever call n8n saves last, the saved record holds every id this
 * process had seen by then, and each id is saved at the latest by the save of the call that added it.
 * Several webhook processes (queue mode) each save their own record: one can overwrite another's
 * ids, which the other process still knows in memory (and re-saves with its next call).
 */
import type { IDataObject } from 'n8n-workflow';

/** fal retries for two hours; keep ids a little longer. */
export const REMEMBER_MS = 3 * 60 * 60 * 1000;
/** Static data lives in the workflow's database row: keep it small (about 60 bytes an id). */
export const MAX_REMEMBERED = 2_000;

/** Per workflow and node: request id → when it first arrived. One object, also what static data holds. */
const records = new Map<string, Record<string, number>>();

export interface DuplicateGuard {
	/** True when this request id was seen before; otherwise remembers it and returns false. */
	seenBefore(requestId: string): boolean;
}

export function duplicateGuard(scope: string, staticData: IDataObject, now = Date.now()): DuplicateGuard {
	const record = recordFor(scope);
	// What an earlier process (or another webhook process) saved joins what this one knows.
	for (const [id, seenAt] of Object.entries(storedIds(staticData))) {
		if (isFresh(seenAt, now) && !(id in record)) record[id] = seenAt;
	}
	return {
		seenBefore(requestId) {
			if (isFresh(record[requestId], now)) return true;
			record[requestId] = now;
			prune(record, now);
			// The live record itself, not a copy: n8n serialises it when it saves, after this call's end.
			staticData.seenRequestIds = record;
			return false;
		},
	};
}

function recordFor(scope: string): Record<string, number> {
	let record = records.get(scope);
	if (!record) {
		record = {};
		records.set(scope, record);
	}
	return record;
}

function storedIds(staticData: IDataObject): Record<string, number> {
	const value = staticData.seenRequestIds;
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, number>) : {};
}

function isFresh(seenAt: unknown, now: number): boolean {
	return typeof seenAt === 'number' && now - seenAt < REMEMBER_MS;
}

/** Drops expired ids, then the oldest beyond the bound (in place: the record is shared). */
function prune(record: Record<string, number>, now: number): void {
	const ids = Object.keys(record);
	const stale = ids.filter((id) => !isFresh(record[id], now));
	for (const id of stale) delete record[id];
	const excess = ids.length - stale.length - MAX_REMEMBERED;
	if (excess <= 0) return;
	const oldest = Object.entries(record).sort((a, b) => a[1] - b[1]).slice(0, excess);
	for (const [id] of oldest) delete record[id];
}
