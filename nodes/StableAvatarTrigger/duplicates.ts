/**
 * Remembers which request ids already started an execution, so fal's retry of a delivery whose
 * answer got lost starts nothing new. Two memories: one per process (bounded, kept longer than fal's
 * two-hour retry window) and the workflow's static data, which n8n saves after each production
 * webhook call, so a restart does not forget.
 */
import type { IDataObject } from 'n8n-workflow';

/** fal retries for two hours; keep ids a little longer. */
export const REMEMBER_MS = 3 * 60 * 60 * 1000;
const MAX_IN_MEMORY = 10_000;
/** Static data lives in the workflow's database row: keep it small. */
const MAX_IN_STATIC_DATA = 1_000;

const seenInProcess = new Map<string, Map<string, number>>();

export interface DuplicateGuard {
	/** True when this request id was seen before; otherwise remembers it and returns false. */
	seenBefore(requestId: string): boolean;
}

export function duplicateGuard(scope: string, staticData: IDataObject, now = Date.now()): DuplicateGuard {
	let inProcess = seenInProcess.get(scope);
	if (!inProcess) {
		inProcess = new Map();
		seenInProcess.set(scope, inProcess);
	}
	const memory = inProcess;
	const stored = storedIds(staticData);
	return {
		seenBefore(requestId) {
			const known = isFresh(memory.get(requestId), now) || isFresh(stored[requestId], now);
			if (known) return true;
			remember(memory, requestId, now, MAX_IN_MEMORY);
			staticData.seenRequestIds = prunedRecord({ ...stored, [requestId]: now }, now);
			return false;
		},
	};
}

function storedIds(staticData: IDataObject): Record<string, number> {
	const value = staticData.seenRequestIds;
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, number>) : {};
}

function isFresh(seenAt: number | undefined, now: number): boolean {
	return typeof seenAt === 'number' && now - seenAt < REMEMBER_MS;
}

function remember(memory: Map<string, number>, requestId: string, now: number, max: number): void {
	memory.set(requestId, now);
	for (const [id, seenAt] of memory) {
		if (memory.size <= max && isFresh(seenAt, now)) break;
		memory.delete(id);
	}
}

/** Drops expired ids, then the oldest beyond the bound. */
function prunedRecord(ids: Record<string, number>, now: number): Record<string, number> {
	const fresh = Object.entries(ids).filter(([, seenAt]) => isFresh(seenAt, now));
	fresh.sort((a, b) => a[1] - b[1]);
	return Object.fromEntries(fresh.slice(-MAX_IN_STATIC_DATA));
}
